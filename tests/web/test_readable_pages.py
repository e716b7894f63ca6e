"""Pages a user with a real library reads: schedules with Run now, next run and last result in
words; the Jobs page paged, named, with the schedules' waiting jobs folded away; libraries that
say whether Metarr writes into them; times as <time> elements the page turns into words."""
import re

from metarr.jobs import chain
from tests.conftest import drain
from web.demo.media import make_clip


async def test_settings_list_the_schedules_with_run_now_and_their_last_result(api):
    html = await (await api.get("/settings")).text()
    section = html.split('id="schedules"')[1].split("</table>")[0]
    for name in ("refresh-changes-tmdb", "refresh-changes-tvdb", "refresh-changes-fanart", "verify-libraries"):
        row = section.split(f'data-schedule="{name}"')[1].split("</tr>")[0]
        assert f'data-url="/api/v1/schedules/{name}/run"' in row and "Run now" in row
        assert re.search(r'data-next-run><time data-rel datetime="[0-9T:-]+Z">', row), row
        assert "not run yet" in row
    assert "Check TMDB for changes" in section
    r = await api.post("/api/v1/schedules/purge-job-history/run")
    assert r.status == 202
    await drain(api)
    html = await (await api.get("/settings")).text()
    row = html.split('data-schedule="purge-job-history"')[1].split("</tr>")[0]
    assert "done: 0 removed" in row and '<time data-rel' in row.split("data-last-run>")[1]


async def test_jobs_page_names_jobs_folds_waiting_schedules_and_pages(api, services):
    ledger = services.actor("ledger")
    ledger.enqueue([chain.sync_flush(3600)]).get(timeout=10)
    html = await (await api.get("/jobs")).text()
    assert "players players" not in html
    assert "Send gathered changes to the players" in html
    waiting = html.split("data-waiting-schedules>")[1].split("</details>")[0]
    assert "scheduled job(s) waiting for their time" in waiting and "refresh-changes-tvdb" in waiting
    main = html.split("</details>")[1]
    assert "refresh-changes" not in main                       # folded away, not in the runs
    from metarr.jobs.model import JobSpec
    ledger.enqueue([JobSpec("test.noop", f"n{i}", priority=9, delay=3600) for i in range(130)]).get(timeout=30)
    html = await (await api.get("/jobs")).text()
    assert "jobs 1–100 of 131" in html and "Newer" not in html
    older = re.search(r'href="(\?status=&after=[\w-]+)">Older</a>', html)
    html = await (await api.get("/jobs" + older.group(1))).text()
    assert "31 of 131 jobs" in html and html.count("data-job-id=") == 31 and "Older</a>" not in html
    newer = re.search(r'href="(\?status=&before=[\w-]+)">Newer</a>', html)
    html = await (await api.get("/jobs" + newer.group(1))).text()
    assert "jobs 1–100 of 131" in html and html.count("data-job-id=") == 100   # back at the newest, a full page
    # a link by offset (before cursors) still works
    html = await (await api.get("/jobs?offset=100")).text()
    assert "jobs 101–131 of 131" in html and html.count("data-job-id=") == 31


async def test_libraries_say_whether_metarr_writes_into_them(api, tmp_path):
    make_clip(tmp_path / "Films" / "The General (1926)" / "The General (1926).mkv")
    html = await (await api.get("/libraries")).text()
    assert "It is off for a new library" in html and "writes NFO files and artwork into the library folder" in html
    r = await api.post("/api/v1/libraries", json={"name": "Films", "kind": "movie", "path": str(tmp_path / "Films"),
                                                  "watch": False})
    lid = (await r.json())["data"]["id"]
    html = await (await api.get("/libraries")).text()
    row = html.split(f'id="library-{lid}"')[1].split("</tr>")[0]
    assert 'data-publishing="off"' in row and "writes nothing into this folder until you press Publish" in row
    assert "last scan never" in row
    await api.post(f"/api/v1/libraries/{lid}/scan")
    await drain(api)
    html = await (await api.get("/")).text()
    panel = html.split("data-not-publishing>")[1].split("</ul>")[0]
    assert f'<a href="/libraries#library-{lid}">Films</a>: 1 item(s) not written' in panel
    await api.patch(f"/api/v1/libraries/{lid}", json={"auto_publish": True})
    html = await (await api.get("/")).text()
    assert "data-not-publishing" not in html
    row = (await (await api.get("/libraries")).text()).split(f'id="library-{lid}"')[1].split("</tr>")[0]
    assert 'data-publishing="on"' in row and re.search(r'last scan <time data-rel datetime="[^"]+Z">', row)
