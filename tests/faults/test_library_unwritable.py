"""A library that cannot be written is not the publish job's fault (issue #28, item 3): the disk
holding it fills up, or goes read-only. The job waits without using up its attempts (it went dead
after five quick tries), the dashboard's attention panel, status and health say "cannot write" in
words, and once the disk takes a test write again the job runs by itself within seconds: nobody
runs `metarr jobs retry`. Real tmpfs mounts (root; skipped without)."""
from __future__ import annotations

import asyncio
import io
import random

import pytest
from PIL import Image

from tests.apiwait import get, settled, until
from web.demo.media import make_clip

from .tools import Tmpfs

pytestmark = pytest.mark.timeout(180)

NAME = "Night of the Living Dead (1968)"
BLOCKED = 14.0   # seconds the disk stays unwritable: long enough for today's backoff to use three tries


def noise_jpeg(width: int, height: int, seed: int) -> bytes:
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def disk():
    d = Tmpfs("library", "8m").mount()
    yield d
    d.unmount()


@pytest.mark.parametrize("how", ["read-only", "full"])
async def test_publish_into_an_unwritable_library_waits_and_resumes_by_itself(api, disk, tmp_path, how):
    root = disk.mnt / "Movies"
    folder = root / NAME
    make_clip(folder / f"{NAME}.mkv")
    await api.patch("/api/v1/settings", json={"publish.unidentified": True})
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_enrich": False, "auto_publish": False})
    assert r.status == 201, await r.text()
    lib = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lib}/scan")

    await settled(api, 30, "the scan")
    (movie,) = await get(api, "/api/v1/movies")
    poster = noise_jpeg(500, 750, seed=3)
    r = await api.post(f"/api/v1/movies/{movie['id']}/artwork/poster", data=poster,
                       headers={"Content-Type": "image/jpeg"})
    assert r.status == 201, await r.text()

    if how == "read-only":
        disk.remount("ro")
        words = "cannot write: read-only file system"
    else:
        disk.fill()
        words = "cannot write: disk full"
    r = await api.post(f"/api/v1/movies/{movie['id']}/publish")
    assert r.status == 202
    jid = (await r.json())["data"]["job_id"]

    async def waiting():
        j = await get(api, f"/api/v1/jobs/{jid}")
        return j if j.get("blocked_on") and j["status"] == "pending" else None
    job = await until(waiting, 20, "the publish job to wait for the disk")
    assert job["blocked_on"] == f"library:{lib}/{'read-only' if how == 'read-only' else 'full'}"
    assert job["attempts"] == 0, "waiting for the disk used up an attempt"
    assert any(e["kind"] == "waiting" for e in job["events"])

    # said in words: the attention panel, status and health (which stays 200: the rest works)
    async def shown():
        html = await (await api.get("/")).text()
        return html if "data-waiting" in html and words in html else None
    html = await until(shown, 10, "the dashboard to show the library")
    assert f"Library Movies ({root})" in html and "resume by themselves" in html
    status = await get(api, "/api/v1/status")
    assert status["status"] == "degraded"
    assert any(words in w and str(root) in w for w in status["waiting"]), status["waiting"]

    async def healthy_but_says_so():
        health = await api.get("/api/v1/health")
        assert health.status == 200
        return [w for w in (await health.json())["data"].get("waiting", ()) if words in w]
    await until(healthy_but_says_so, 10, "health to name the library")

    await asyncio.sleep(BLOCKED)   # the disk stays unwritable for a while: the job waits, never dies
    job = await get(api, f"/api/v1/jobs/{jid}")
    assert job["status"] == "pending" and job["attempts"] == 0, job
    assert not (folder / f"{NAME}-poster.jpg").exists()

    if how == "read-only":
        disk.remount("rw")
    else:
        disk.free()
    loop = asyncio.get_running_loop()
    fixed = loop.time()

    async def done():
        j = await get(api, f"/api/v1/jobs/{jid}")
        return j if j["status"] in ("succeeded", "dead") else None
    job = await until(done, 20, "the job to resume by itself")
    healed = loop.time() - fixed
    assert job["status"] == "succeeded", job
    assert healed < 8, f"resumed {healed:.1f} s after the disk was fixed: by its backoff, not by the probe"
    assert (folder / f"{NAME}-poster.jpg").read_bytes() == poster
    assert (folder / f"{NAME}.nfo").exists()
    assert job["blocked_on"] is None and any(e["kind"] == "resumed" for e in job["events"])

    async def cleared():   # the activity log keeps telling the story; the attention panel is clear
        return "data-waiting" not in await (await api.get("/")).text()
    await until(cleared, 10, "the dashboard to stop showing the library")
    assert (await get(api, "/api/v1/status"))["waiting"] == []
