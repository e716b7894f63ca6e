"""Health tells the truth (issue #27 item 3, #28 items 2 and 6): `/api/v1/health` answers 503 with
the reason while the database cannot be reached or written or the data dir is full, and 200 again
by itself once it works; `/api/v1/status` and the dashboard say the same; a write that meets a
busy database (another process holds SQLite's write lock) is a 503 with Retry-After, in words."""
from __future__ import annotations

import sqlite3
import time

import pytest

from metarr.db import database
from tests.apiwait import until
from tests.conftest import PG_URL
from web.keys import bridge_key

pytestmark = pytest.mark.timeout(90)


async def test_health_is_503_with_the_reason_while_the_database_is_out_and_200_after(db_outage, api):
    r = await api.get("/api/v1/health", headers={"X-Api-Key": ""})
    assert r.status == 200 and (await r.json())["data"]["status"] == "ok"
    db_outage.begin()

    async def unhealthy():
        r = await api.get("/api/v1/health", headers={"X-Api-Key": ""})
        return (r.status, await r.json(), r.headers) if r.status != 200 else None
    status, body, headers = await until(unhealthy, 20, "health to say what is wrong", interval=0.2)
    assert status == 503 and body["success"] is False and "Retry-After" in headers
    reason = body["error"]["message"]
    # the reason in words: PostgreSQL cannot be reached, or SQLite's disk (the data dir) is full
    assert ("database cannot be reached" if PG_URL else "No space left on device") in reason, reason
    assert body["error"]["details"]["problems"]

    st = await (await api.get("/api/v1/status")).json()
    assert st["data"]["status"] == "degraded" and st["data"]["problems"], st
    page = await api.get("/")
    assert page.status == 200
    html = await page.text()
    assert "Metarr cannot work right now" in html and "Nothing needs you" not in html

    db_outage.end()

    async def healthy():
        r = await api.get("/api/v1/health", headers={"X-Api-Key": ""})
        return r.status == 200
    await until(healthy, 20, "health to recover by itself", interval=0.2)
    st = await (await api.get("/api/v1/status")).json()
    assert st["data"]["status"] == "ok" and st["data"]["components"]["queue"]["status"] == "ok", st


@pytest.fixture
def quick_busy_timeout(monkeypatch):
    """SQLite waits 15 s for a held write lock; the answer is the same after 1.5 s."""
    monkeypatch.setitem(database.SQLITE_PRAGMAS, "busy_timeout", 1500)


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock")
async def test_a_busy_database_is_a_503_with_retry_after_not_a_500(quick_busy_timeout, api, services):
    from metarr.db.media import Movie
    from metarr.db.models import Library

    def create():
        now = time.time()
        lib = Library.create(name="m", kind="movie", path="/nowhere", created_at=now, updated_at=now)
        return Movie.create(library_id=lib.id, key="a/a.mkv", folder="a", title="A", date_added=now,
                            created_at=now, updated_at=now).id
    mid = await api.app[bridge_key].run(create)
    # another process (a backup script, `sqlite3` at the prompt) holds the write lock
    other = sqlite3.connect(services.config.database_url.split("sqlite:///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = await api.patch(f"/api/v1/movies/{mid}", json={"plot": "Edited while the database was busy."})
        body = await r.json()
        assert r.status == 503, body
        assert int(r.headers["Retry-After"]) > 0
        assert body["error"]["code"] == "unavailable" and "busy" in body["error"]["message"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    r = await api.patch(f"/api/v1/movies/{mid}", json={"plot": "Edited once it was free."})
    assert r.status == 200, await r.text()
    got = await (await api.get(f"/api/v1/movies/{mid}")).json()
    assert got["data"]["plot"] == "Edited once it was free."
