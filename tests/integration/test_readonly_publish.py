"""Publishing into a library that cannot be written (issue #9): the disk is full, or the share went
read-only. The publish job must fail cleanly, stay in the ledger to be retried (not die on the
first failure), leave no temp file or half-written file behind and every file of the user's as it
was; once space or write access is back, the retry publishes what was asked.

The real filesystem is a small tmpfs mounted under the test's folder (filled up, or remounted
read-only); where mounting is not allowed those variants skip, and a seam variant, which runs
everywhere, makes the library's file writer run out of space mid-file. A fourth variant takes the
write permission away from the library's folders, run without root's override (tests/unprivileged.py)."""
from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from metarr.library.fsutil import TMP_PREFIX
from metarr.nfo.read import parse_nfo
from tests.apiwait import get, settled, until
from web.demo.media import make_clip, make_image

pytestmark = pytest.mark.timeout(120)

NAME = "Night of the Living Dead (1968)"
SLACK = 16 * 1024   # free space left besides the fanart: room for it, not for the new poster


def noise_jpeg(width: int, height: int, seed: int) -> bytes:
    """A photo-like poster that does not compress: big enough not to fit a nearly full disk."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _run(*cmd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except FileNotFoundError as e:
        return subprocess.CompletedProcess(cmd, 127, "", str(e))


class Tmpfs:
    """A 4 MB tmpfs holding the library; `block()` fills it up or remounts it read-only."""

    def __init__(self, mnt: Path, how: str) -> None:
        self.mnt, self.how = mnt, how
        self.error = os.strerror(errno.EROFS if how == "read-only" else errno.ENOSPC)   # what the user is told
        self.filler = mnt / "filler"   # beside the library root, not in it

    def mount(self) -> None:
        self.mnt.mkdir(parents=True)
        r = _run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(self.mnt))
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); the seam variant runs")

    def block(self, leave: int) -> None:
        if self.how == "read-only":
            r = _run("mount", "-o", "remount,ro", str(self.mnt))
            assert r.returncode == 0, r.stderr
            return
        st = os.statvfs(self.mnt)
        with open(self.filler, "wb") as f:
            f.write(b"\0" * (st.f_bavail * st.f_frsize - leave))
        with pytest.raises(OSError) as full:   # the disk really is full now, to Metarr's write size
            with open(self.mnt / "probe", "wb") as f:
                f.write(b"x" * (leave + 2 * SLACK))
        assert full.value.errno == errno.ENOSPC
        (self.mnt / "probe").unlink()

    def unblock(self) -> None:
        if self.how == "read-only":
            r = _run("mount", "-o", "remount,rw", str(self.mnt))
            assert r.returncode == 0, r.stderr
        else:
            self.filler.unlink()   # the user made room

    def unmount(self) -> None:
        _run("umount", "-l", str(self.mnt))


class Seam:
    """Without a mount: the writers publishing uses get a space budget, and the write that exceeds it
    fails with ENOSPC after part of the file is on disk, as a full disk does."""

    def __init__(self, monkeypatch) -> None:
        from metarr.library import fsutil
        from metarr.publishing import publish
        self.budget: int | None = None
        self.error = os.strerror(errno.ENOSPC)

        def limited(data: bytes):
            for i in range(0, len(data), 8192):
                chunk = data[i:i + 8192]
                if self.budget is not None:
                    if len(chunk) > self.budget:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    self.budget -= len(chunk)
                yield chunk

        def atomic_write(path, data, **kw):
            return fsutil.atomic_write(path, limited(bytes(data)), **kw)

        def atomic_copy(src, dst, **kw):
            return fsutil.atomic_write(dst, limited(Path(src).read_bytes()), **kw)
        monkeypatch.setattr(publish, "atomic_write", atomic_write)
        monkeypatch.setattr(publish, "atomic_copy", atomic_copy)

    def mount(self) -> None:
        pass

    def block(self, leave: int) -> None:
        self.budget = leave

    def unblock(self) -> None:
        self.budget = None

    def unmount(self) -> None:
        pass


class Unwritable:
    """The library's folders lose their write permission (a share mounted for another user, a
    chmod): publishing meets EACCES. Runs unprivileged (tests/unprivileged.py), since root writes
    through any mode."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.error = os.strerror(errno.EACCES)

    def mount(self) -> None:
        pass

    def _chmod(self, mode: int) -> None:
        if not self.root.is_dir():   # the test ran in a child process (tests/unprivileged.py)
            return
        for d in [self.root, *(p for p in self.root.rglob("*") if p.is_dir())]:
            d.chmod(mode)

    def block(self, leave: int) -> None:
        self._chmod(0o555)
        with pytest.raises(PermissionError):   # really unwritable for this process
            (self.root / NAME / "probe").write_bytes(b"x")

    def unblock(self) -> None:
        self._chmod(0o755)

    def unmount(self) -> None:
        self._chmod(0o755)   # tmp_path must stay removable


@pytest.fixture(params=["full-disk", "read-only", "seam-full-disk",
                        pytest.param("permission-denied", marks=pytest.mark.unprivileged)])
def disk(request, tmp_path, monkeypatch):
    if request.param == "permission-denied":
        d = Unwritable(tmp_path / "disk" / "Movies")
    else:
        d = Seam(monkeypatch) if request.param.startswith("seam") else Tmpfs(tmp_path / "mnt", request.param)
    d.mount()
    yield d
    d.unmount()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_publish_into_a_full_or_read_only_library_fails_cleanly_and_completes_later(api, disk, tmp_path):
    root = (tmp_path / "mnt" if isinstance(disk, Tmpfs) else tmp_path / "disk") / "Movies"
    folder = root / NAME
    make_clip(folder / f"{NAME}.mkv")
    (folder / f"{NAME}.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nThey're coming to get you.\n")
    (folder / "notes.txt").write_text("ripped from the 2002 DVD\n")
    make_image(folder / f"{NAME}-poster.jpg", 200, 300, pattern=3)   # the user's own poster

    # no provider here: the film stays unidentified, and this user publishes such items anyway
    await api.patch("/api/v1/settings", json={"publish.unidentified": True})
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_enrich": False, "auto_publish": False})
    assert r.status == 201, await r.text()
    await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")

    await settled(api, 30, "the scan")
    (movie,) = await get(api, "/api/v1/movies")
    # the user picks a new poster and a fanart in the UI, then publishes
    fanart = make_image(tmp_path / "fanart.jpg", 960, 540, pattern=5).read_bytes()
    poster = noise_jpeg(600, 900, seed=7)
    assert len(poster) > 10 * (len(fanart) + SLACK)
    for slot, data in (("fanart", fanart), ("poster", poster)):
        r = await api.post(f"/api/v1/movies/{movie['id']}/artwork/{slot}", data=data,
                           headers={"Content-Type": "image/jpeg"})
        assert r.status == 201, await r.text()
    before = tree(root)

    disk.block(leave=len(fanart) + SLACK)
    r = await api.post(f"/api/v1/movies/{movie['id']}/publish")
    assert r.status == 202
    jid = (await r.json())["data"]["job_id"]

    async def failed_twice():
        j = await get(api, f"/api/v1/jobs/{jid}")
        tries = [e for e in j["events"] if e["kind"] in ("failed", "waiting")]
        return j if len(tries) >= 2 and j["status"] == "pending" and j["last_error"] else None
    job = await until(failed_twice, 40, "two failed tries")
    # waiting for the disk, not given up, no attempt used up (#28); the reason is the one the user has to fix
    assert job["status"] == "pending" and job["attempts"] == 0 and job["blocked_on"].startswith("library:")
    assert disk.error in job["last_error"]
    now = tree(root)
    assert not [p for p in now if Path(p).name.startswith(TMP_PREFIX)]
    assert {p: sha(now[p]) if p in now else "missing" for p in before} == {p: sha(v) for p, v in before.items()}
    extra = {p: data for p, data in now.items() if p not in before}
    # what was written is whole (the fanart fits); nothing else, no partial poster or NFO
    assert extra in ({}, {f"{NAME}/{NAME}-fanart.jpg": fanart})

    disk.unblock()

    async def done():
        j = await get(api, f"/api/v1/jobs/{jid}")
        return j if j["status"] in ("succeeded", "dead") else None
    job = await until(done, 40, "the retry after space came back")
    assert job["status"] == "succeeded" and job["attempts"] == 1, job   # only the try that worked counts
    after = tree(root)
    assert not [p for p in after if Path(p).name.startswith(TMP_PREFIX)]
    assert after[f"{NAME}/{NAME}-poster.jpg"] == poster and after[f"{NAME}/{NAME}-fanart.jpg"] == fanart
    nfo = parse_nfo(after[f"{NAME}/{NAME}.nfo"])
    assert nfo.ok and nfo.doc.title == "Night of the Living Dead"
    for p in (f"{NAME}/{NAME}.mkv", f"{NAME}/{NAME}.en.srt", f"{NAME}/notes.txt"):
        assert after[p] == before[p]
    # the replaced poster of the user's is in the recycle bin, once, byte-identical
    old = before[f"{NAME}/{NAME}-poster.jpg"]
    binned = [e for e in await get(api, "/api/v1/recycle-bin") if e["original_path"].endswith(f"{NAME}-poster.jpg")]
    assert [(e["sha256"], e["size"]) for e in binned] == [(sha(old), len(old))]
