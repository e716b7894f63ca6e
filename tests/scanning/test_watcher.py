"""The LibraryWatcher: a folder copied into a watched library appears via the API within a few
seconds; a deleted one is soft-deleted; published files do not set the chain off again."""
import asyncio
import shutil

from metarr import settings
from metarr.watchplan import due, unit_for_event
from tests.media import make_clip


def test_unit_for_event(tmp_path):
    root = str(tmp_path)
    assert unit_for_event(root, f"{root}/Movie (2000)/a.mkv", False) == "Movie (2000)"
    assert unit_for_event(root, f"{root}/Movie (2000)", True) == "Movie (2000)"
    assert unit_for_event(root, f"{root}/loose.mkv", False) == ""
    assert unit_for_event(root, "/elsewhere/x.mkv", False) is None
    assert unit_for_event(root, f"{root}/M/.metarr-tmp-abc", False) is None
    assert due({(1, "a"): 10.0, (1, "b"): 11.5}, 12.0, 1.0) == [(1, "a")]


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
