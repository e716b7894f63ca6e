"""Issue #21: the providers' change feeds refresh exactly what changed upstream, through the real
actors, job ledger, database and file system against the emulators."""
import asyncio
import time
from types import SimpleNamespace

import pytest

from metarr.db.feeds import FeedCursor
from metarr.db.media import Movie, Series
from metarr.jobs import store
from metarr.jobs.model import JobSpec, RetryLater
from tests.enrich.test_enrich_chain import drain, make_api
from web.demo.emulation import data
from web.demo.media import make_clip

N = 50


def _name(i: int) -> str:
    m = data.synthetic_movie(i)
    return f"{m['title']} ({m['release_date'][:4]})"


async def _library(api, tmp_path):
    movies, tv = tmp_path / "Movies", tmp_path / "TV"
    for i in range(N):
        make_clip(movies / _name(i) / f"{_name(i)}.mkv")
    for s in data.SHOWS.values():   # every show of the emulated world
        name = f"{s['name']} ({s['first_aired'][:4]})"
        make_clip(tv / name / "Season 01" / f"{name} - S01E01.mkv")
    for name, kind, root in (("Movies", "movie", movies), ("TV", "tv", tv)):
        r = await api.post("/api/v1/libraries", json={"name": name, "kind": kind, "path": str(root), "watch": False,
                                                      "auto_publish": True})
        await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    stats = await drain(api, 240)
    assert stats["dead"] == 0
    return movies, tv


async def _run(api, services, provider):
    store.enqueue(services.db, [JobSpec("refresh.changes", subject=provider, payload={"provider": provider})])
    await drain(api, 120)


def _snapshot(root):
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


async def test_feed_refreshes_exactly_what_changed(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    movies_root, tv_root = await _library(api, tmp_path)
    rows = {m.tmdb_id: m for m in Movie.select()}
    assert len(rows) == N and all(m.state == "published" for m in rows.values())
    changed = [data.SYNTHETIC_BASE + i for i in (3, 17, 41)]
    locked = rows[changed[1]]
    r = await api.patch(f"/api/v1/movies/{locked.id}", json={"plot": "My own words."})
    assert r.status == 200, await r.text()
    await drain(api)
    before = {m.id: (m.updated_at, m.enriched_at, m.plot) for m in Movie.select()}
    assert Series.select().count() == len(data.SHOWS) and all(x.state == "published" for x in Series.select())
    shows_before = {x.tvdb_id: x.updated_at for x in Series.select()}
    files = _snapshot(movies_root)
    # upstream: 3 of 50 movies and the show changed an hour ago, plus ids of films not in the library
    when = time.time() - 3600
    emulators.changes.mark("movie", changed + [12, 13, 999001], when)
    emulators.changes.mark("tv", [2957], when)
    emulators.changes.mark("tvdb", [75597], when)
    for s in emulators.stats.values():
        s.calls.clear()
    await _run(api, services, "tmdb")
    tmdb_calls = [c[1] for c in emulators.stats["tmdb"].calls]
    detail_ids = {int(p.split("?")[0].rsplit("/", 1)[1]) for p in tmdb_calls if p.startswith("/movie/9")}
    assert detail_ids == set(changed)          # no request for an unchanged film
    assert any(p.startswith("/movie/changes") for p in tmdb_calls)
    after = {m.id: m for m in Movie.select()}
    for tid, m in rows.items():
        now_row = after[m.id]
        if tid in changed and m.id != locked.id:
            assert now_row.plot.endswith("(Revised upstream.)")
            assert now_row.updated_at > before[m.id][0]
        elif m.id == locked.id:
            assert now_row.plot == "My own words."    # the lock held
        else:
            assert (now_row.updated_at, now_row.enriched_at, now_row.plot) == before[m.id]   # no write
    # the NFOs of unchanged films are not rewritten; the revised ones are
    nfo_after = _snapshot(movies_root)
    for p, mtime in files.items():
        folder = p.parent.name
        if p.suffix == ".nfo" and folder not in {_name(t - data.SYNTHETIC_BASE) for t in changed}:
            assert nfo_after[p] == mtime, p
    revised_nfo = movies_root / _name(3) / f"{_name(3)}.nfo"
    assert b"Revised upstream" in revised_nfo.read_bytes()
    # 1 of the shows changed on TMDB's tv feed: it alone was refreshed
    shows_after = {x.tvdb_id: x.updated_at for x in Series.select()}
    assert shows_after[75597] > shows_before[75597]
    assert {k: v for k, v in shows_after.items() if k != 75597} == {k: v for k, v in shows_before.items() if k != 75597}
    assert not any(f"/tv/{x}" in p for x in (8101, 8102, 8103, 8104, 8200) for p in tmdb_calls)
    cur = FeedCursor.get(FeedCursor.provider == "tmdb")
    assert cur.refreshed == 4 and cur.cursor >= time.time() - 600 and cur.last_error is None
    st = (await (await api.get("/api/v1/status")).json())["data"]["components"]["freshness"]
    assert st["tmdb"]["refreshed"] == 4 and st["tmdb"]["cursor"]
    acts = (await (await api.get("/api/v1/activity?kind=refresh")).json())["data"]
    assert any("tmdb change feed" in a["message"] for a in acts)
    page = await (await api.get("/")).text()
    assert "Freshness" in page
    # a second run: the same changes again (read again from the cursor's day) change nothing
    for s in emulators.stats.values():
        s.calls.clear()
    snap = {m.id: m.updated_at for m in Movie.select()}
    files = _snapshot(movies_root)
    await _run(api, services, "tmdb")
    assert {m.id: m.updated_at for m in Movie.select()} == snap
    assert _snapshot(movies_root) == files
    services.db.close()


def _ctx(services):
    return SimpleNamespace(services=services)


async def test_stale_cursor_falls_back_and_feed_error_keeps_cursor(aiohttp_client, emu_env, emulators, tmp_path):
    from actors.enrichment import refresh_changes
    api, services = await make_api(aiohttp_client, emu_env)
    loop = asyncio.get_running_loop()
    old = time.time() - 40 * 86400
    FeedCursor.create(provider="tmdb", cursor=old)
    job = SimpleNamespace(payload={"provider": "tmdb"}, priority=9, id=1)
    out = await loop.run_in_executor(None, refresh_changes, _ctx(services), job)
    assert out.data["fallback_from"] == pytest.approx(old)
    starts = [c[1] for c in emulators.stats["tmdb"].calls if c[1].startswith("/movie/changes")]
    import datetime as dt
    window_start = dt.datetime.fromtimestamp(time.time() - 14 * 86400, dt.UTC).strftime("%Y-%m-%d")
    # nothing older than the feed keeps is asked for: the gap is the sweep's
    assert starts and min(p.split("start_date=")[1][:10] for p in starts) == window_start
    cur = FeedCursor.get(FeedCursor.provider == "tmdb")
    assert cur.fallback_from == pytest.approx(old) and cur.cursor > old
    # a feed error: the job retries later and the cursor stays where it was
    good = cur.cursor
    emulators.stats["tmdb"].calls.clear()
    orig = emulators.changes.between
    emulators.changes.between = lambda *a: (_ for _ in ()).throw(RuntimeError("feed broken"))   # emulator 500s
    try:
        with pytest.raises(RetryLater):
            await loop.run_in_executor(None, refresh_changes, _ctx(services), job)
    finally:
        emulators.changes.between = orig
    cur = FeedCursor.get(FeedCursor.provider == "tmdb")
    assert cur.cursor == good and cur.last_error
    out = await loop.run_in_executor(None, refresh_changes, _ctx(services), job)
    cur = FeedCursor.get(FeedCursor.provider == "tmdb")
    assert cur.last_error is None and cur.cursor >= good and out.data["fallback_from"] is None
    services.db.close()
