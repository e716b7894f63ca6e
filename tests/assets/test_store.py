from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from metarr.assets.errors import ImageRejected
from metarr.assets.store import AssetStore, StoredState, shard_relpath, verify_stored
from metarr.library.fsutil import make_temp
from tests.assets.conftest import jpeg_bytes, leftovers, png_bomb
from web.demo.media import make_image


def test_layout(store: AssetStore):
    sha = "ab" + "cd" + "0" * 60
    assert store.path_for(sha, "jpg") == store.cache_root / "assets" / "ab" / "cd" / f"{sha}.jpg"
    assert store.path_for(sha, "png", "actors") == store.cache_root / "actors" / "ab" / "cd" / f"{sha}.png"
    for bad in ("../" + "0" * 61, "xyz", "A" * 64 + "/"):
        with pytest.raises(ValueError):
            shard_relpath(bad, "jpg")
    with pytest.raises(ValueError):
        shard_relpath(sha, "../../x")
    with pytest.raises(ValueError):
        store.path_for(sha, "jpg", "../etc")


def test_ingest_user_file_copies_and_never_touches_source(store: AssetStore, tmp_path: Path):
    src = make_image(tmp_path / "lib" / "Movie-poster.jpg", 200, 300)
    before = (src.read_bytes(), src.stat().st_mtime_ns)
    got = store.ingest_file(src)
    assert got.created and got.size == len(before[0]) and got.kind == "assets"
    assert got.sha256 == hashlib.sha256(before[0]).hexdigest()
    assert got.path.read_bytes() == before[0]
    assert (src.read_bytes(), src.stat().st_mtime_ns) == before
    assert got.info.format == "JPEG" and (got.info.width, got.info.height) == (200, 300)
    assert oct(got.path.stat().st_mode & 0o777) == oct(0o644)
    assert leftovers(store) == [got.path]


def test_dedup_same_bytes_one_file(store: AssetStore, tmp_path: Path):
    src = make_image(tmp_path / "a.png", 100, 150, pattern=3)
    copy = tmp_path / "elsewhere" / "b.png"
    copy.parent.mkdir()
    copy.write_bytes(src.read_bytes())
    a = store.ingest_file(src)
    b = store.ingest_file(copy)
    c = store.ingest_bytes(src.read_bytes())
    assert a.created and not b.created and not c.created
    assert a.path == b.path == c.path and a.path.suffix == ".png"
    assert leftovers(store) == [a.path]


def test_ingest_files_stores_a_batch_with_one_sync_per_file_and_folder(store: AssetStore, tmp_path: Path, monkeypatch):
    """The scan's batch: refusals stay per file, duplicates within the batch and against the store
    are one file, every new file and every folder that gained a name is synced exactly once."""
    import metarr.assets.store as store_mod
    kept = store.ingest_file(make_image(tmp_path / "kept.jpg", 60, 60, pattern=1))
    a = make_image(tmp_path / "a.jpg", 80, 120, pattern=2)
    twin = tmp_path / "twin.jpg"
    twin.write_bytes(a.read_bytes())
    b = make_image(tmp_path / "b.png", 90, 90, pattern=3, fmt="PNG")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"<html>not an image</html>")
    synced: list[tuple[str, Path]] = []
    monkeypatch.setattr(store_mod, "sync_filesystem", lambda p: False)   # where syncfs is missing
    monkeypatch.setattr(store_mod, "fsync_file", lambda p: synced.append(("file", Path(p))))
    monkeypatch.setattr(store_mod, "fsync_dir", lambda p: synced.append(("dir", Path(p))))
    got = store.ingest_files([a, bad, twin, tmp_path / "kept.jpg", b, tmp_path / "gone.jpg"])
    assert isinstance(got[1], ImageRejected) and isinstance(got[5], FileNotFoundError)
    assert got[0].created and not got[2].created and got[2].path == got[0].path
    assert not got[3].created and got[3].path == kept.path
    assert got[4].created and got[4].path.suffix == ".png"
    assert got[0].path.read_bytes() == a.read_bytes()
    files = [p for k, p in synced if k == "file"]
    dirs = [p for k, p in synced if k == "dir"]
    assert len(files) == 2 and len(dirs) == len(set(dirs))
    assert {got[0].path.parent, got[4].path.parent} <= set(dirs)
    assert sorted(leftovers(store)) == sorted({kept.path, got[0].path, got[4].path})


def test_ext_comes_from_content(store: AssetStore, tmp_path: Path):
    src = make_image(tmp_path / "actually-png.jpg", 50, 50, fmt="PNG")
    assert store.ingest_file(src).path.suffix == ".png"


def test_actor_kind(store: AssetStore, tmp_path: Path):
    got = store.ingest_file(make_image(tmp_path / "actor.jpg", 100, 100), kind="actors")
    assert got.path.is_relative_to(store.cache_root / "actors") and got.kind == "actors"
    with pytest.raises(ValueError):
        store.ingest_file(tmp_path / "actor.jpg", kind="posters")


@pytest.mark.parametrize("data, reason", [
    (b"<html>nope</html>", "not_image"),
    (jpeg_bytes()[:2000], "truncated"),
    (png_bomb(), "too_many_pixels"),
])
def test_rejections_store_nothing(store: AssetStore, tmp_path: Path, data: bytes, reason: str):
    src = tmp_path / "bad.jpg"
    src.write_bytes(data)
    with pytest.raises(ImageRejected) as ei:
        store.ingest_file(src)
    assert ei.value.reason == reason
    with pytest.raises(ImageRejected):
        store.ingest_bytes(data)
    assert leftovers(store) == []
    assert src.read_bytes() == data  # user's file untouched even when refused


def test_move_consumes_own_temp_only(store: AssetStore, tmp_path: Path):
    fd, tmp = make_temp(store.staging_dir)
    os.write(fd, jpeg_bytes())
    os.close(fd)
    got = store.ingest_file(tmp, move=True)
    assert got.created and not tmp.exists()
    user = make_image(tmp_path / "user.jpg", 40, 40)
    with pytest.raises(ValueError):
        store.ingest_file(user, move=True)  # a user file must never be consumed
    assert user.exists()
    fd, tmp2 = make_temp(store.staging_dir)
    os.write(fd, b"<html>")
    os.close(fd)
    with pytest.raises(ImageRejected):
        store.ingest_file(tmp2, move=True)
    assert not tmp2.exists()
    assert leftovers(store) == [got.path]


def test_size_cap(tmp_path: Path):
    small = AssetStore(tmp_path / "cache", max_bytes=1000)
    with pytest.raises(ImageRejected) as ei:
        small.ingest_file(make_image(tmp_path / "x.png", 300, 300))
    assert ei.value.reason == "too_large"
    assert leftovers(small) == []


def test_verify_stored_and_repair(store: AssetStore, tmp_path: Path):
    got = store.ingest_file(make_image(tmp_path / "a.jpg", 120, 80))
    assert verify_stored(got.path, got.sha256) is StoredState.OK
    original = got.path.read_bytes()
    got.path.write_bytes(original[:-10])
    assert verify_stored(got.path, got.sha256) == "corrupt"
    again = store.ingest_file(tmp_path / "a.jpg")   # re-ingest repairs the corrupt file
    assert again.created and again.path.read_bytes() == original
    got.path.unlink()
    assert verify_stored(got.path, got.sha256) is StoredState.MISSING


def test_iter_and_sweep(store: AssetStore, tmp_path: Path):
    a = store.ingest_file(make_image(tmp_path / "a.jpg", 60, 60, pattern=1))
    b = store.ingest_file(make_image(tmp_path / "b.jpg", 60, 60, pattern=2))
    assert sorted(store.iter_stored()) == sorted([(a.sha256, a.path), (b.sha256, b.path)])
    crashed = store.staging_dir / ".metarr-tmp-crashed"
    crashed.write_bytes(b"x")
    assert store.sweep() == [crashed]


def test_concurrent_ingest_of_same_content(store: AssetStore, tmp_path: Path):
    srcs = []
    for i in range(8):
        p = tmp_path / f"s{i}.jpg"
        p.write_bytes(jpeg_bytes(400, 600))
        srcs.append(p)
    results, errors = [], []

    def work(p):
        try:
            results.append(store.ingest_file(p))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in srcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r.path for r in results}) == 1
    assert leftovers(store) == [results[0].path]
    assert verify_stored(results[0].path, results[0].sha256) is StoredState.OK


def test_ingest_files_flushes_a_batch_with_two_filesystem_syncs_where_it_can(store: AssetStore, tmp_path: Path,
                                                                             monkeypatch):
    """With syncfs: the copies' bytes before the renames, the names after them; no sync per file."""
    import metarr.assets.store as store_mod
    calls: list[str] = []
    monkeypatch.setattr(store_mod, "sync_filesystem", lambda p: calls.append("fs") or True)
    monkeypatch.setattr(store_mod, "fsync_file", lambda p: calls.append("file"))
    monkeypatch.setattr(store_mod, "fsync_dir", lambda p: calls.append("dir"))
    srcs = [make_image(tmp_path / f"{i}.jpg", 50 + i, 50, pattern=i) for i in range(4)]
    got = store.ingest_files(srcs)
    assert all(a.created for a in got) and calls == ["fs", "fs"]
    assert store.ingest_files(srcs[:1])[0].created is False and calls == ["fs", "fs"]   # nothing new: no sync
