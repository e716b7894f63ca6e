"""The service basics through the real app: auth, envelope, errors, jobs, settings, websocket."""
import asyncio
import json

import pytest

from tests.conftest import API_KEY


async def test_health_is_public(api):
    r = await api.get("/api/v1/health", headers={"X-Api-Key": ""})
    assert r.status == 200 and (await r.json())["data"]["status"] == "ok"


@pytest.mark.parametrize("headers", [{"X-Api-Key": ""}, {"X-Api-Key": "wrong"}, {"X-Api-Key": API_KEY[:-1]}])
async def test_wrong_or_missing_key_is_401_json(api, headers):
    r = await api.get("/api/v1/jobs", headers=headers)
    body = await r.json()
    assert r.status == 401 and body["success"] is False and "API key" in body["error"]["message"]


async def test_query_key_only_on_ws_and_webhooks(api):
    r = await api.get(f"/api/v1/jobs?apikey={API_KEY}", headers={"X-Api-Key": ""})
    assert r.status == 401


async def test_errors_are_json_envelopes(api):
    r = await api.get("/api/v1/nope")
    assert r.status == 404 and (await r.json())["error"]["code"] == "not_found"
    r = await api.delete("/api/v1/jobs/stats")
    assert r.status == 405 and (await r.json())["success"] is False
    r = await api.post("/api/v1/libraries", data=b'{"name": ')
    assert r.status == 400 and "malformed JSON" in (await r.json())["error"]["message"]
    r = await api.post("/api/v1/libraries", data=b'[1, 2]')
    assert r.status == 400
    r = await api.post("/api/v1/libraries", json={"name": 5, "kind": "movie", "path": "/x"})
    assert r.status == 400 and (await r.json())["error"]["details"] == {"field": "name"}
    r = await api.post("/api/v1/libraries", data=b"x" * (2 * 1024 * 1024))
    assert r.status == 413 and (await r.json())["success"] is False
    r = await api.get("/api/v1/jobs/abc")
    assert r.status == 404
    r = await api.get("/api/v1/jobs/999999")
    assert r.status == 404 and "job 999999" in (await r.json())["error"]["message"]
    r = await api.get("/api/v1/jobs?limit=100000")
    assert r.status == 400
    r = await api.get("/api/v1/jobs?status=bogus")
    assert r.status == 400


async def test_libraries_validate_paths(api, tmp_path):
    root = tmp_path / "Movies"
    root.mkdir()
    r = await api.post("/api/v1/libraries", json={"name": "M", "kind": "movie", "path": str(root), "watch": False})
    body = await r.json()
    assert r.status == 201 and body["data"]["id"] and body["data"]["auto_enrich"] is True
    assert body["data"]["auto_publish"] is False and body["data"]["auto_sync"] is True
    for bad in ({"path": str(tmp_path / "missing")}, {"path": str(root / "sub")}, {"path": "relative/path"},
                {"path": str(root), "kind": "books"}):
        (root / "sub").mkdir(exist_ok=True)
        r = await api.post("/api/v1/libraries", json={"name": "x", "kind": "movie", **bad})
        assert r.status == 400, bad
    r = await api.get("/api/v1/libraries")
    assert (await r.json())["meta"]["total"] == 1


async def test_removed_library_takes_its_jobs_and_its_id_with_it(api, services, tmp_path):
    """A scan queued for a library that is then removed must not run against the next library added,
    which on SQLite would otherwise get the same id (highest + 1)."""
    from metarr.jobs.model import JobSpec
    made = []
    for name in ("Films", "Docs"):
        (tmp_path / name).mkdir()
        r = await api.post("/api/v1/libraries", json={"name": name, "kind": "movie", "path": str(tmp_path / name),
                                                      "watch": False})
        made.append((await r.json())["data"]["id"])
    ledger = services.actor("ledger")
    jid, = await asyncio.get_running_loop().run_in_executor(None, lambda: ledger.enqueue(
        JobSpec("scan.library", f"library:{made[1]}", payload={"library_id": made[1]}, library_id=made[1],
                delay=300)).get(timeout=5))
    assert (await api.delete(f"/api/v1/libraries/{made[1]}")).status == 200
    job = (await (await api.get(f"/api/v1/jobs/{jid}")).json())["data"]
    assert job["status"] == "cancelled" and job["events"][-1]["message"] == "its library was removed"
    (tmp_path / "Music").mkdir()
    r = await api.post("/api/v1/libraries", json={"name": "Music", "kind": "music", "path": str(tmp_path / "Music"),
                                                  "watch": False})
    new_id = (await r.json())["data"]["id"]
    assert new_id not in made
    r = await api.get(f"/api/v1/jobs?library_id={new_id}")
    assert (await r.json())["data"] == []


async def test_jobs_list_get_cancel_retry(api, services):
    from metarr.jobs.model import JobSpec
    ledger = services.actor("ledger")
    jid, = await asyncio.get_running_loop().run_in_executor(
        None, lambda: ledger.enqueue(JobSpec("nohandler.type", "x", delay=300)).get(timeout=5))
    r = await api.get("/api/v1/jobs?status=pending,running")
    rows = (await r.json())["data"]
    row = next(x for x in rows if x["id"] == jid)
    assert set(row) >= {"id", "type", "status", "priority", "attempts", "progress", "subject", "run_after"}
    r = await api.post(f"/api/v1/jobs/{jid}/cancel")
    assert r.status == 200
    r = await api.post(f"/api/v1/jobs/{jid}/cancel")
    assert r.status == 409
    r = await api.post(f"/api/v1/jobs/{jid}/retry")
    assert r.status == 202
    r = await api.get(f"/api/v1/jobs/{jid}")
    d = (await r.json())["data"]
    assert d["status"] == "pending" and [e["kind"] for e in d["events"]] == ["cancelled", "retried"]
    r = await api.get("/api/v1/jobs/stats")
    assert set((await r.json())["data"]) >= {"due", "running", "retrying", "scheduled", "dead", "succeeded"}


async def test_settings_validate_types(api):
    r = await api.put("/api/v1/settings", json={"recycle.retention_days": 14})
    assert r.status == 200 and (await r.json())["data"]["recycle.retention_days"] == 14
    for bad in ({"recycle.retention_days": "x"}, {"no.such": 1}, {"enrich.auto_select": 1}):
        r = await api.put("/api/v1/settings", json=bad)
        assert r.status == 400
    r = await api.get("/api/v1/settings")
    assert (await r.json())["data"]["recycle.retention_days"] == 14


async def test_websocket_streams_job_events(api, services, tmp_path):
    from metarr.jobs.model import JobSpec
    ws = await api.ws_connect(f"/api/v1/ws?apikey={API_KEY}", headers={"X-Api-Key": ""})
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello"
    await ws.send_str(json.dumps({"type": "subscribe", "topics": ["job"]}))
    await asyncio.sleep(0.1)
    ledger = services.actor("ledger")
    await asyncio.get_running_loop().run_in_executor(None, lambda: ledger.enqueue(JobSpec("test.noop", "ws")).get(timeout=5))
    seen = []
    while "job.succeeded" not in seen:
        msg = await ws.receive_json(timeout=5)
        assert msg["type"].startswith("job.") and "ts" in msg and "data" in msg
        seen.append(msg["type"])
    assert seen[0] == "job.created"
    await ws.close()


async def test_websocket_without_key_is_refused(api):
    import aiohttp
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        await api.ws_connect("/api/v1/ws", headers={"X-Api-Key": ""})
    assert e.value.status == 401


async def test_status_reports_components(api):
    r = await api.get("/api/v1/status")
    d = (await r.json())["data"]
    assert d["components"]["db"]["status"] == "ok" and "queue" in d["components"]
