"""GET/PATCH /api/v1/schedules and POST …/run (SPEC §10) through the real app and ledger."""
from tests.conftest import drain


async def test_schedules_are_listed_with_the_contract_fields(api):
    r = await api.get("/api/v1/schedules")
    assert r.status == 200
    rows = {s["name"]: s for s in (await r.json())["data"]}
    assert {"refresh-changes-tmdb", "refresh-changes-tvdb", "refresh-changes-fanart"} <= set(rows)
    for s in rows.values():
        assert {"name", "job_type", "interval_s", "enabled", "last_run", "next_run"} <= set(s)
    assert rows["refresh-changes-tvdb"]["job_type"] == "refresh.changes"
    # each enabled schedule has its own waiting job: three feeds, three next runs
    assert all(rows[f"refresh-changes-{p}"]["next_run"] for p in ("tmdb", "tvdb", "fanart"))


async def test_patch_changes_the_interval_and_turns_a_schedule_off(api):
    r = await api.patch("/api/v1/schedules/verify-libraries", json={"interval_s": 7200})
    assert r.status == 200
    d = (await r.json())["data"]
    assert d["interval_s"] == 7200 and d["interval_text"] == "every 2 hours" and d["next_run"]
    r = await api.patch("/api/v1/schedules/verify-libraries", json={"enabled": False})
    d = (await r.json())["data"]
    assert d["enabled"] is False and d["next_run"] is None
    got = {s["name"]: s for s in (await (await api.get("/api/v1/schedules")).json())["data"]}
    assert got["verify-libraries"]["enabled"] is False and got["verify-libraries"]["interval_s"] == 7200


async def test_bad_changes_are_400_in_words_and_unknown_names_404(api):
    for body, words in (({"interval_s": 5}, "between 60"), ({"enabled": "no"}, "true or false"),
                        ({"every": 3}, "only interval_s and enabled")):
        r = await api.patch("/api/v1/schedules/verify-libraries", json=body)
        assert r.status == 400
        assert words in (await r.json())["error"]["message"]
    r = await api.patch("/api/v1/schedules/nope", json={"enabled": False})
    assert r.status == 404
    r = await api.post("/api/v1/schedules/nope/run")
    assert r.status == 404


async def test_run_now_answers_202_with_the_job_and_the_result_is_shown(api):
    r = await api.post("/api/v1/schedules/purge-job-history/run")
    assert r.status == 202
    jid = (await r.json())["data"]["job_id"]
    await drain(api)
    job = (await (await api.get(f"/api/v1/jobs/{jid}")).json())["data"]
    assert job["status"] == "succeeded" and job["schedule"] == "purge-job-history"
    s = (await (await api.get("/api/v1/schedules/purge-job-history")).json())["data"]
    assert s["last_run"] and s["last_status"] == "succeeded"
    assert s["last_result_text"].startswith("done: ")
    assert s["next_run"] > s["last_run"]    # the next one a day later, not another at once
