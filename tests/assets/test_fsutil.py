from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from metarr.library import fsutil
from metarr.library.fsutil import (
    PathEscape,
    atomic_copy,
    atomic_write,
    confine,
    sha256_file,
    sweep_temp_files,
)


def test_atomic_write_bytes_stream_iterable(tmp_path: Path):
    p = tmp_path / "sub" / "a.bin"
    assert atomic_write(p, b"hello") == 5 and p.read_bytes() == b"hello"
    assert atomic_write(p, io.BytesIO(b"x" * 3_000_000)) == 3_000_000
    assert atomic_write(p, iter([b"a", b"b", b"c"])) == 3 and p.read_bytes() == b"abc"
    assert [x.name for x in p.parent.iterdir()] == ["a.bin"]


def test_atomic_write_failure_keeps_old_content_and_no_temp(tmp_path: Path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"old")

    def boom():
        yield b"partial"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(p, boom())
    assert p.read_bytes() == b"old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_write_uses_recognisable_temp_in_same_folder(tmp_path: Path, monkeypatch):
    seen = []
    real = os.replace

    def spy(a, b):
        seen.append(Path(a))
        return real(a, b)

    monkeypatch.setattr(fsutil.os, "replace", spy)
    atomic_write(tmp_path / "x", b"1")
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".metarr-tmp-")


def test_atomic_copy(tmp_path: Path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(100_000))
    dst = tmp_path / "out" / "dst.bin"
    assert atomic_copy(src, dst) == 100_000
    assert sha256_file(dst) == sha256_file(src)
    assert sorted(x.name for x in dst.parent.iterdir()) == ["dst.bin"]


def test_sweep_temp_files(tmp_path: Path):
    (tmp_path / "d").mkdir()
    keep = tmp_path / "d" / "poster.jpg"
    keep.write_bytes(b"x")
    t1 = tmp_path / ".metarr-tmp-abc"
    t2 = tmp_path / "d" / ".metarr-tmp-def.part"
    t1.write_bytes(b"")
    t2.write_bytes(b"")
    t3 = tmp_path / "d" / ".metarr-tmp-copytree"
    (t3 / "inner").mkdir(parents=True)
    (t3 / "inner" / "f").write_bytes(b"partial copy")
    removed = sweep_temp_files(tmp_path)
    assert sorted(removed) == sorted([t1, t2, t3])
    assert not t3.exists()
    assert keep.exists()
    fresh = tmp_path / ".metarr-tmp-new"
    fresh.write_bytes(b"")
    assert sweep_temp_files(tmp_path, min_age_s=3600) == []  # a live writer's file survives
    assert sweep_temp_files(tmp_path / "missing") == []


def test_sha256_file(tmp_path: Path):
    p = tmp_path / "e"
    p.write_bytes(b"")
    assert sha256_file(p) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --- confine ---------------------------------------------------------------------------------

@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "lib"
    (r / "Movie (2020)").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    return r


@pytest.mark.parametrize("rel", ["..", "../x", "a/../../b", "Movie (2020)/../../etc", "a/..", "./../x"])
def test_confine_refuses_dotdot(root: Path, rel: str):
    with pytest.raises(PathEscape):
        confine(root, rel)


def test_confine_refuses_absolute_outside_and_nul(root: Path):
    with pytest.raises(PathEscape):
        confine(root, "/etc/passwd")
    with pytest.raises(PathEscape):
        confine(root, str(root) + "-sibling/x")   # prefix trick: /lib-sibling is not in /lib
    with pytest.raises(PathEscape):
        confine(root, "a\x00.jpg")


def test_confine_accepts_inside(root: Path):
    assert confine(root, "Movie (2020)/poster.jpg") == root / "Movie (2020)" / "poster.jpg"
    assert confine(root, root / "new" / "deep" / "x.nfo") == root / "new" / "deep" / "x.nfo"
    assert confine(root, "") == root
    assert confine(root, "%2e%2e%2f") == root / "%2e%2e%2f"   # not decoded: a literal name
    assert confine(root, "..\\x") == root / "..\\x"           # backslash is a name char on POSIX


def test_confine_unicode(root: Path):
    name = "Amélie (2001)/Le Fabuleux Destin d’Amélie Poulain-poster.jpg"
    assert confine(root, name) == root / name
    assert confine(root, "千と千尋の神隠し/fanart.jpg").is_relative_to(root)
    assert confine(root, "\u2025/x") == root / "\u2025" / "x"   # two-dot leader is not '..'
    assert confine(root, "．．/x") == root / "．．" / "x"        # fullwidth dots neither


def test_confine_symlink_escape(root: Path, tmp_path: Path):
    (root / "escape").symlink_to(tmp_path / "outside")
    with pytest.raises(PathEscape):
        confine(root, "escape/poster.jpg")       # not-yet-existing file under an escaping dir
    (tmp_path / "outside" / "f.txt").write_text("x")
    with pytest.raises(PathEscape):
        confine(root, "escape/f.txt")
    (root / "Movie (2020)" / "link.jpg").symlink_to(tmp_path / "outside" / "f.txt")
    with pytest.raises(PathEscape):
        confine(root, "Movie (2020)/link.jpg")
    (root / "dangling").symlink_to(tmp_path / "outside" / "nothing-yet")
    with pytest.raises(PathEscape):
        confine(root, "dangling")


def test_confine_symlink_inside_root_ok_and_symlinked_root(root: Path, tmp_path: Path):
    (root / "alias").symlink_to(root / "Movie (2020)")
    assert confine(root, "alias/poster.jpg") == root / "Movie (2020)" / "poster.jpg"
    link_root = tmp_path / "lib-link"
    link_root.symlink_to(root)
    # expressed under the root as the user spelled it
    assert confine(link_root, "Movie (2020)/x.jpg") == link_root / "Movie (2020)" / "x.jpg"
