"""A library on a share that is not mounted (an empty mount point) or a disk that did not come up (no
folder at all) is not a library whose films were all deleted: the scan marks nothing deleted, its job
waits for the folder without using up attempts and says why in words, and once the files are back it
runs by itself and finds every item as it was (edits and all)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.apiwait import get, settled, until
from web.demo.media import make_clip

from .tools import Share

pytestmark = pytest.mark.timeout(120)

NAMES = ("Metropolis (1927)", "Nosferatu (1922)")


@pytest.mark.parametrize("how", ["empty mount point", "no folder"])
async def test_a_scan_of_an_unmounted_share_deletes_nothing_and_waits(api, tmp_path, how):
    root = tmp_path / "share" / "Movies"
    share = None
    if how == "empty mount point":
        share = Share(root)
        share.mount()
    try:
        await _unmounted(api, tmp_path, root, share)
    finally:
        if share is not None:
            share.close()


async def _unmounted(api, tmp_path: Path, root: Path, share: Share | None) -> None:
    for n in NAMES:
        make_clip(root / n / f"{n}.mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_enrich": False, "auto_publish": False})
    assert r.status == 201, await r.text()
    lib = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lib}/scan")
    await settled(api, 30, "the first scan")
    movies = await get(api, "/api/v1/movies")
    assert len(movies) == 2
    r = await api.patch(f"/api/v1/movies/{movies[0]['id']}", json={"plot": "The user's own words."})
    assert r.status == 200, await r.text()

    if share is not None:   # the share goes away: an empty folder on the parent's device
        share.unmount()
        assert root.is_dir() and not any(root.iterdir())
    else:                   # the disk did not come up: no folder at all
        shutil.move(str(root), str(tmp_path / "away"))
    r = await api.post(f"/api/v1/libraries/{lib}/scan")
    jid = (await r.json())["data"]["job_id"]

    async def waiting():
        j = await get(api, f"/api/v1/jobs/{jid}")
        return j if j.get("blocked_on") and j["status"] == "pending" else None
    job = await until(waiting, 20, "the scan to wait for the folder")
    assert job["blocked_on"] == f"library:{lib}/unavailable" and job["attempts"] == 0, job
    assert "not mounted" in job["last_error"] and "Nothing was changed" in job["last_error"], job
    status = await get(api, "/api/v1/status")
    assert any("empty or not mounted" in w and str(root) in w for w in status["waiting"]), status["waiting"]
    assert len(await get(api, "/api/v1/movies")) == 2   # not one item deleted

    if share is not None:   # mounted again
        share.mount()
    else:
        shutil.move(str(tmp_path / "away"), str(root))

    async def done():
        j = await get(api, f"/api/v1/jobs/{jid}")
        return j if j["status"] == "succeeded" else None
    job = await until(done, 40, "the scan to run by itself once the folder is back")
    assert job["result"]["deleted"] == 0 and job["result"]["removed"] == 0, job["result"]
    after = await get(api, "/api/v1/movies")
    assert sorted(m["id"] for m in after) == sorted(m["id"] for m in movies)
    assert (await get(api, f"/api/v1/movies/{movies[0]['id']}"))["plot"] == "The user's own words."


async def test_a_library_emptied_by_hand_is_scanned_as_empty(api, tmp_path):
    """The last film folder deleted from a library on the same device: its items go, as asked."""
    root = tmp_path / "Movies"
    make_clip(root / NAMES[0] / f"{NAMES[0]}.mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_enrich": False, "auto_publish": False})
    lib = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lib}/scan")
    await settled(api, 30, "the first scan")
    shutil.rmtree(root / NAMES[0])
    r = await api.post(f"/api/v1/libraries/{lib}/scan")
    jid = (await r.json())["data"]["job_id"]
    await settled(api, 30, "the second scan")
    job = await get(api, f"/api/v1/jobs/{jid}")
    assert job["status"] == "succeeded" and job["result"]["removed"] == 1, job
    assert await get(api, "/api/v1/movies") == []
