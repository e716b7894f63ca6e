"""A renamed folder keeps its item (issue #28, item 5): the user locked a plot and chose a poster;
the movie's folder is renamed under the watcher (or while nothing watches, found by the next
scan). The item stays the same row, with its locked plot, its chosen poster and its published
files (moved with the folder, none written twice), and the activity log says "moved". Before, a
new item without the plot was made and the old one soft-deleted."""
from __future__ import annotations

import asyncio
import os
import re
import shutil

import pytest

from tests.apiwait import get
from tests.conftest import drain
from web.demo.media import make_clip

pytestmark = pytest.mark.timeout(240)

NAME = "Night of the Living Dead (1968)"
DATEADDED = re.compile(rb"<dateadded>[^<]*</dateadded>")


def files(folder) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            body = p.read_bytes()
            out[str(p.relative_to(folder))] = DATEADDED.sub(b"", body) if p.suffix == ".nfo" else body
    return out


@pytest.mark.parametrize("watched,copied", [(True, False), (False, False), (False, True)],
                         ids=["under the watcher", "between two scans", "copied and deleted between two scans"])
async def test_a_renamed_folder_keeps_the_item_its_locked_plot_and_its_artwork(emu_env, api, tmp_path, watched,
                                                                               copied):
    """`copied`: a NAS move or Radarr's copy + delete, every file with a new inode: the video's size and
    hash (first and last 64 KiB) know it."""
    root = tmp_path / "Movies"
    make_clip(root / NAME / f"{NAME}.mkv")
    await api.patch("/api/v1/settings", json={"scan.watch_settle_seconds": 0.5})
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": watched, "auto_publish": True})
    assert r.status == 201, await r.text()
    lib = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lib}/scan")
    assert (await drain(api, 120))["dead"] == 0
    (movie,) = await get(api, "/api/v1/movies")
    mid = movie["id"]
    # the user's own: a locked plot, and a poster other than the best-scored one
    r = await api.patch(f"/api/v1/movies/{mid}", json={"plot": "Seven people hide in a farmhouse."})
    assert r.status == 200, await r.text()
    posters = [c for c in await get(api, f"/api/v1/movies/{mid}/candidates") if c["slot"] == "poster"]
    chosen = next(c for c in posters if not c["selected"])
    r = await api.post(f"/api/v1/movies/{mid}/candidates/{chosen['id']}/select")
    assert r.status == 200, await r.text()
    await api.post(f"/api/v1/movies/{mid}/publish")
    assert (await drain(api, 120))["dead"] == 0
    before = files(root / NAME)
    assert b"Seven people hide in a farmhouse." in before[f"{NAME}.nfo"]
    detail = await get(api, f"/api/v1/movies/{mid}")
    poster_before = detail["assets"]["poster"]

    inode = (root / NAME / f"{NAME}.mkv").stat().st_ino
    last = max(j["id"] for j in await get(api, "/api/v1/jobs?limit=1"))
    renamed = root / "Night of the Living Dead (1968) [Criterion]"
    if copied:
        shutil.copytree(root / NAME, renamed)
        shutil.rmtree(root / NAME)
        assert (renamed / f"{NAME}.mkv").stat().st_ino != inode
    else:
        os.rename(root / NAME, renamed)
    if not watched:
        await api.post(f"/api/v1/libraries/{lib}/scan")
    for _ in range(200):   # the watcher's scans of both folders, then what they chain
        scans = [j for j in await get(api, "/api/v1/jobs?type=scan.path,scan.library&limit=10") if j["id"] > last]
        if len(scans) >= (2 if watched else 1):
            break
        await asyncio.sleep(0.1)
    assert (await drain(api, 120))["dead"] == 0

    live = await get(api, "/api/v1/movies")
    assert [m["id"] for m in live] == [mid], "a new item was made for the renamed folder"
    after = await get(api, f"/api/v1/movies/{mid}")
    assert after["plot"] == "Seven people hide in a farmhouse." and after["locks"]["plot"]["locked"]
    assert after["assets"]["poster"] == poster_before
    # the published files moved with the folder, as they were; none written again, none left behind
    assert files(renamed) == before
    assert not (root / NAME).exists()
    said = [a["message"] for a in await get(api, "/api/v1/activity?limit=50") if "moved from" in a["message"]]
    assert said and f"moved from {NAME}/{NAME}.mkv to {renamed.name}/{NAME}.mkv" in said[0], said
