"""The LibraryWatcher: a folder copied into a watched library appears via the API within a few
seconds; a deleted one is soft-deleted; published files do not set the chain off again."""
import asyncio
import shutil

from metarr.library.watchplan import due, own_writes_only, unit_for_event
from metarr.service import settings
from web.demo.media import make_clip


def test_unit_for_event(tmp_path):
    root = str(tmp_path)
    assert unit_for_event(root, f"{root}/Movie (2000)/a.mkv", False) == "Movie (2000)"
    assert unit_for_event(root, f"{root}/Movie (2000)", True) == "Movie (2000)"
    assert unit_for_event(root, f"{root}/loose.mkv", False) == ""
    assert unit_for_event(root, "/elsewhere/x.mkv", False) is None
    assert unit_for_event(root, f"{root}/M/.metarr-tmp-abc", False) is None
    assert due({(1, "a"): 10.0, (1, "b"): 11.5}, 12.0, 1.0) == [(1, "a")]


def test_own_writes_only():
    written = {"M/M.nfo": (120, 5), "M/M-poster.jpg": (900, 6)}
    assert own_writes_only({"M/M.nfo": (120, 5), "M/.actors": True}, written)
    assert not own_writes_only({"M/M.nfo": (121, 7)}, written)           # the user edited it since
    assert not own_writes_only({"M/M.nfo": (120, 5), "M/M.srt": (10, 1)}, written)   # and added a file
    assert not own_writes_only({"M/M-poster.jpg": None}, written)         # deleted
    assert not own_writes_only({"M/Extras": True}, written)               # a folder not ours
    assert not own_writes_only({}, written)


async def wait_api(api, path, pred, timeout=15.0):
    end = asyncio.get_running_loop().time() + timeout
    while True:
        r = await api.get(path)
        body = await r.json()
        if pred(body):
            return body
        if asyncio.get_running_loop().time() > end:
            raise AssertionError(f"{path}: condition not met: {body}")
        await asyncio.sleep(0.2)


async def test_copied_folder_appears_and_deleted_one_is_soft_deleted(api, services, tmp_path):
    settings.put_many(services.db, {"scan.watch_settle_seconds": 0.5})
    root = tmp_path / "Watched"
    root.mkdir()
    r = await api.post("/api/v1/libraries", json={"name": "W", "kind": "movie", "path": str(root), "watch": True,
                                                  "auto_enrich": False})
    assert r.status == 201
    await asyncio.sleep(0.5)  # the observer starts
    staging = tmp_path / "staging" / "The General (1926)"
    make_clip(staging / "The General (1926).mkv")
    shutil.copytree(staging, root / "The General (1926)")
    body = await wait_api(api, "/api/v1/movies", lambda b: b["meta"]["total"] == 1)
    assert body["data"][0]["title"] == "The General"
    r = await api.get("/api/v1/status")
    watcher = (await r.json())["data"]["components"]["watcher"]
    assert watcher["status"] == "ok" and next(iter(watcher["libraries"].values()))["mode"] in ("inotify", "polling")
    shutil.rmtree(root / "The General (1926)")
    await wait_api(api, "/api/v1/movies", lambda b: b["meta"]["total"] == 0)
    body = await wait_api(api, "/api/v1/movies?deleted=1", lambda b: b["meta"]["total"] == 1)
    assert body["data"][0]["title"] == "The General"


async def test_own_publish_writes_start_no_scan_but_a_user_edit_does(api, services, tmp_path):
    """What publish does (an atomic write, then the file recorded with its size and mtime) does not
    bring the watcher back to the folder; the user's edit of the same file does."""
    import os

    from metarr.db.media import LibraryFile
    from metarr.jobs import store
    from metarr.library.fsutil import atomic_write

    settings.put_many(services.db, {"scan.watch_settle_seconds": 0.3})
    root = tmp_path / "Watched"
    make_clip(root / "The General (1926)" / "The General (1926).mkv")
    r = await api.post("/api/v1/libraries", json={"name": "W", "kind": "movie", "path": str(root), "watch": True,
                                                  "auto_enrich": False})
    lib_id = (await r.json())["data"]["id"]
    assert (await api.post(f"/api/v1/libraries/{lib_id}/scan")).status == 202
    await wait_api(api, "/api/v1/movies", lambda b: b["meta"]["total"] == 1)
    await asyncio.sleep(0.5)

    def watcher_scans() -> int:
        rows, _ = store.list_jobs(services.db, limit=100, sort="id")
        return sum(1 for j in rows if j["type"] == "scan.path")

    nfo = root / "The General (1926)" / "The General (1926).nfo"
    atomic_write(nfo, b"<movie><title>The General</title></movie>\n", tag="m1-")
    st = os.stat(nfo)
    LibraryFile.create(library_id=lib_id, path="The General (1926)/The General (1926).nfo", kind="nfo",
                       entity_type="movie", entity_id=1, sha256="x", size=st.st_size, mtime_ns=st.st_mtime_ns,
                       published_at=0)
    await asyncio.sleep(1.5)
    assert watcher_scans() == 0
    nfo.write_bytes(b"<movie><title>The General (my cut)</title></movie>\n")
    end = asyncio.get_running_loop().time() + 10
    while watcher_scans() == 0:
        assert asyncio.get_running_loop().time() < end, "the user's edit started no scan"
        await asyncio.sleep(0.1)


async def test_a_library_added_by_another_process_is_watched_within_10_s(api, services, env, tmp_path):
    """`metarr library add` run beside the service (its own process, the same database): the
    service's watcher picks the library up by itself, and a folder copied in then appears."""
    import time

    from tests.cli.test_summary import metarr
    settings.put_many(services.db, {"scan.watch_settle_seconds": 0.3})
    root = tmp_path / "Added elsewhere"
    root.mkdir()
    r = await asyncio.get_running_loop().run_in_executor(
        None, lambda: metarr(env, "library", "add", "Elsewhere", str(root), "--kind", "movie"))
    assert r.returncode == 0, r.stderr
    added = time.monotonic()
    body = await wait_api(api, "/api/v1/status", lambda b: any(
        w["root"] == str(root) for w in b["data"]["components"]["watcher"]["libraries"].values()), timeout=10)
    assert time.monotonic() - added < 10, body
    staging = tmp_path / "staging" / "The General (1926)"
    make_clip(staging / "The General (1926).mkv")
    shutil.copytree(staging, root / "The General (1926)")
    body = await wait_api(api, "/api/v1/movies", lambda b: b["meta"]["total"] == 1)
    assert body["data"][0]["title"] == "The General"
