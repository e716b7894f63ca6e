from __future__ import annotations

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from metarr.library import recycle_files as rb
from metarr.library.fsutil import PathEscape, sha256_file
from metarr.library.recycle_files import RecycleError, RestoreConflict, list_recycled, purge, recycle, restore
from web.demo.media import make_image

NOW = datetime(2024, 5, 17, 13, 45, 0, tzinfo=UTC)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    d = tmp_path / "library" / "Movie (2020)"
    d.mkdir(parents=True)
    return d.parent


@pytest.fixture
def bin_root(tmp_path: Path) -> Path:
    return tmp_path / "data" / "recycle"


def test_recycle_then_restore_is_byte_identical(lib: Path, bin_root: Path):
    f = make_image(lib / "Movie (2020)" / "poster.jpg", 300, 450)
    sha, mtime = sha256_file(f), f.stat().st_mtime_ns
    rec = recycle(f, bin_root, "replaced by publish", NOW)
    assert not f.exists()
    assert rec.original_path == f and rec.sha256 == sha and rec.size > 0 and not rec.is_dir
    assert rec.stored_path.name == "poster.jpg"
    assert rec.stored_path.parent.parent == bin_root / "2024-05-17"
    assert sha256_file(rec.stored_path) == sha
    assert list_recycled(bin_root) == [rec]
    back = restore(rec.stored_path, rec.original_path)
    assert sha256_file(f) == sha == back.sha256 and f.stat().st_mtime_ns == mtime
    assert back.displaced is None and not back.already_present
    assert not rec.stored_path.exists() and not (bin_root / "2024-05-17").exists()  # entry cleaned


def test_same_name_twice_gets_distinct_entries(lib: Path, bin_root: Path):
    f = lib / "Movie (2020)" / "movie.nfo"
    f.write_text("one")
    a = recycle(f, bin_root, "r", NOW)
    f.write_text("two")
    b = recycle(f, bin_root, "r", NOW)
    assert a.stored_path != b.stored_path
    assert a.stored_path.read_text() == "one" and b.stored_path.read_text() == "two"


def test_restore_refuses_to_overwrite_newer_file(lib: Path, bin_root: Path):
    f = lib / "Movie (2020)" / "poster.jpg"
    f.write_bytes(b"old user art")
    rec = recycle(f, bin_root, "r", NOW)
    f.write_bytes(b"newer art the user put there")
    with pytest.raises(RestoreConflict) as ei:
        restore(rec.stored_path, f)
    assert ei.value.newer and ei.value.path == f
    assert f.read_bytes() == b"newer art the user put there" and rec.stored_path.exists()

    back = restore(rec.stored_path, f, overwrite=True, now=NOW + timedelta(minutes=1))
    assert f.read_bytes() == b"old user art"
    # nothing lost: the file that stood there went to the bin first
    assert back.displaced is not None
    assert back.displaced.stored_path.read_bytes() == b"newer art the user put there"
    assert back.displaced.original_path == f


def test_restore_over_never_leaves_the_library_without_the_file(lib: Path, bin_root: Path):
    """A player scanning during "restore over" must always find the file: the swap is one rename."""
    import threading
    f = lib / "Movie (2020)" / "movie.nfo"
    missing: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if not os.path.exists(f):
                missing.append(1)

    f.write_text("v0")
    t = threading.Thread(target=watch)
    t.start()
    try:
        for i in range(1, 60):
            rec = recycle(f, bin_root, "r", NOW, keep=True)   # as publish does before it writes
            f.write_text(f"v{i}")
            back = restore(rec.stored_path, f, overwrite=True, now=NOW)
            assert f.read_text() == "v0" and back.displaced.stored_path.read_text() == f"v{i}"
    finally:
        stop.set()
        t.join()
    assert not missing
    assert not [p for p in f.parent.iterdir() if p.name != "movie.nfo"]   # no temp files left


def test_restore_onto_identical_file_is_a_noop(lib: Path, bin_root: Path):
    f = lib / "Movie (2020)" / "a.txt"
    f.write_bytes(b"same")
    rec = recycle(f, bin_root, "r", NOW)
    f.write_bytes(b"same")
    back = restore(rec.stored_path, f)
    assert back.already_present and f.read_bytes() == b"same" and not rec.stored_path.exists()


def test_directories(lib: Path, bin_root: Path):
    d = lib / "Movie (2020)"
    make_image(d / "poster.jpg", 50, 70)
    (d / ".actors").mkdir()
    make_image(d / ".actors" / "Jane_Doe.jpg", 40, 40)
    (d / "movie.nfo").write_text("<movie/>")
    rec = recycle(d, bin_root, "movie deleted in Radarr", NOW)
    assert rec.is_dir and not d.exists()
    assert (rec.stored_path / ".actors" / "Jane_Doe.jpg").exists()
    back = restore(rec.stored_path, d)
    assert back.sha256 == rec.sha256 and (d / "movie.nfo").read_text() == "<movie/>"
    assert rb.content_id(d)[0] == rec.sha256


def test_restore_recreates_missing_parent_and_confines(lib: Path, bin_root: Path, tmp_path: Path):
    f = lib / "Gone" / "x.nfo"
    f.parent.mkdir()
    f.write_text("x")
    rec = recycle(f, bin_root, "r", NOW)
    f.parent.rmdir()
    with pytest.raises(PathEscape):
        restore(rec.stored_path, tmp_path / "elsewhere" / "x.nfo", root=lib)
    with pytest.raises(PathEscape):
        restore(rec.stored_path, "../../etc/x.nfo", root=lib)
    back = restore(rec.stored_path, "Gone/x.nfo", root=lib)
    assert back.original_path == f and f.read_text() == "x"


def test_cross_device_move_copies_verifies_then_unlinks(lib: Path, bin_root: Path, monkeypatch):
    f = make_image(lib / "Movie (2020)" / "fanart.jpg", 320, 180)
    d = lib / "Movie (2020)" / "extras"
    d.mkdir()
    (d / "a.txt").write_text("a")
    sha = sha256_file(f)

    def exdev(*a, **k):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    real_rename = os.rename

    def rename(src, dst):  # only the final rename of the verified temp may succeed
        if not Path(src).name.startswith(".metarr-tmp-"):
            exdev()
        return real_rename(src, dst)

    monkeypatch.setattr(rb.os, "link", exdev)
    monkeypatch.setattr(rb.os, "rename", rename)
    rec = recycle(f, bin_root, "r", NOW)
    drec = recycle(d, bin_root, "r", NOW)
    assert not f.exists() and sha256_file(rec.stored_path) == sha
    assert not d.exists() and (drec.stored_path / "a.txt").read_text() == "a"
    restore(rec.stored_path, f)
    restore(drec.stored_path, d)
    assert sha256_file(f) == sha and (d / "a.txt").read_text() == "a"
    leftovers = [p for p in bin_root.rglob("*") if p.name.startswith(".metarr-tmp-")]
    assert leftovers == []


def test_failed_copy_keeps_source(lib: Path, bin_root: Path, monkeypatch):
    f = lib / "Movie (2020)" / "poster.jpg"
    f.write_bytes(b"precious")

    def exdev(*a, **k):
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(rb.os, "link", exdev)
    monkeypatch.setattr(rb, "content_id", lambda p: ("bad", 0) if ".metarr-tmp-" in p.name else ("good", 8))
    with pytest.raises(RecycleError):
        recycle(f, bin_root, "r", NOW)
    assert f.read_bytes() == b"precious"
    assert [p for p in bin_root.rglob("*") if p.is_file()] == []


def test_refuses_the_bin_itself(bin_root: Path):
    (bin_root / "2024-01-01").mkdir(parents=True)
    with pytest.raises(RecycleError):
        recycle(bin_root / "2024-01-01", bin_root, "r", NOW)
    with pytest.raises(RecycleError):
        recycle(bin_root.parent, bin_root, "r", NOW)
    with pytest.raises(FileNotFoundError):
        recycle(bin_root / "nope", bin_root.parent / "other", "r", NOW)


def test_symlink_recycled_as_link(lib: Path, bin_root: Path, tmp_path: Path):
    target = tmp_path / "target.txt"
    target.write_text("t")
    link = lib / "link.txt"
    link.symlink_to(target)
    rec = recycle(link, bin_root, "r", NOW)
    assert rec.stored_path.is_symlink() and target.read_text() == "t"
    restore(rec.stored_path, link)
    assert link.is_symlink() and os.readlink(link) == str(target)


def test_purge_by_age(lib: Path, bin_root: Path):
    recs = {}
    for days_ago in (0, 29, 30, 31, 45):
        f = lib / f"f{days_ago}.txt"
        f.write_text(str(days_ago))
        recs[days_ago] = recycle(f, bin_root, "r", NOW - timedelta(days=days_ago))
    (bin_root / "not-a-day").mkdir()
    (bin_root / "not-a-day" / "keep").write_text("k")
    removed = purge(bin_root, 30, NOW)
    assert sorted(e.stored_path for e in removed) == sorted([recs[31].stored_path, recs[45].stored_path])
    assert all(e.size == len(str(d)) for e, d in zip(sorted(removed, key=lambda e: e.day, reverse=True), (31, 45), strict=True))
    for d in (0, 29, 30):
        assert recs[d].stored_path.exists()
    assert (bin_root / "not-a-day" / "keep").exists()
    assert purge(bin_root, 30, NOW) == []
    assert purge(bin_root / "missing", 30, NOW) == []
    assert {r.stored_path for r in list_recycled(bin_root)} == {recs[d].stored_path for d in (0, 29, 30)}
