"""File-safety primitives: atomic writes, path confinement, temp sweeping, hashing.

Every file Metarr writes goes through `atomic_write`/`atomic_copy` (temp file in the same
folder, fsync, `os.replace`, fsync of the folder), so a crash leaves either the old file or the
new one, plus at worst a `.metarr-tmp-*` leftover that `sweep_temp_files` removes at start-up.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".metarr-tmp-"
CHUNK = 1 << 20

Data = bytes | bytearray | memoryview | BinaryIO | Iterable[bytes]


class PathEscape(ValueError):
    """A path would leave its root (`..`, absolute path elsewhere, symlink, NUL byte)."""


# --- durability -------------------------------------------------------------------------------

def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Persist a rename/creation inside `path` (ext4 may otherwise reorder it before the data)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:  # some filesystems (e.g. certain FUSE/SMB) refuse dir fsync
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def fsync_file(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_filesystem(path: str | os.PathLike[str]) -> bool:
    """Flush everything written to the filesystem holding `path` in one call (Linux syncfs), where a
    batch of new files would otherwise need a sync per file and per folder. False where it is not
    available or fails: the caller then syncs each file and folder itself."""
    global _syncfs
    if _syncfs is None:
        try:
            import ctypes
            _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (OSError, AttributeError):
            _syncfs = False
    if not _syncfs:
        return False
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        return _syncfs(fd) == 0
    finally:
        os.close(fd)


_syncfs = None


def make_temp(directory: str | os.PathLike[str], suffix: str = "", tag: str = "") -> tuple[int, Path]:
    """Create a recognisable temp file in `directory` (same filesystem as the final name). `tag`
    names the writer, so its own leftovers can be swept while others may be writing beside them."""
    fd, name = tempfile.mkstemp(prefix=TMP_PREFIX + tag, suffix=suffix, dir=directory)
    return fd, Path(name)


def _chunks(data: Data) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield data  # type: ignore[misc]
        return
    read = getattr(data, "read", None)
    if read is not None:
        while chunk := read(CHUNK):
            yield chunk
        return
    yield from data  # type: ignore[misc]


def atomic_write(path: str | os.PathLike[str], data: Data, *, mode: int = 0o644, fsync: bool = True,
                 tag: str = "") -> int:
    """Write `data` (bytes, a binary stream, or an iterable of bytes) to `path` atomically.

    Returns the number of bytes written. On any failure the temp file is removed and the
    previous content of `path` (if any) is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = make_temp(path.parent, tag=tag)
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in _chunks(data):
                fh.write(chunk)
                size += len(chunk)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if fsync:
        fsync_dir(path.parent)
    return size


def atomic_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str], *, fsync: bool = True,
                tag: str = "") -> int:
    """Copy `src` to `dst` atomically (uses the kernel copy fast path). Returns the size."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = make_temp(dst.parent, tag=tag)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)  # sendfile/copy_file_range on Linux
        with contextlib.suppress(OSError):
            shutil.copymode(src, tmp)
        if fsync:
            fsync_file(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if fsync:
        fsync_dir(dst.parent)
    return size


_NO_LINKS = (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS)


def atomic_link(existing: str | os.PathLike[str], dst: str | os.PathLike[str], *, fallback: str | os.PathLike[str],
                fsync: bool = True, tag: str = "") -> bool:
    """Make `dst` another name of the file `existing` (a hard link: one copy of the bytes), replacing
    whatever `dst` was in one rename. Where the file system has no hard links (another device, a
    share or FAT), `dst` becomes an atomic copy of `fallback` instead. True when linked."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f"{TMP_PREFIX}{tag}{secrets.token_hex(6)}"
    try:
        os.link(existing, tmp)
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        atomic_copy(fallback, dst, fsync=fsync, tag=tag)
        return False
    try:
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()   # rename(2) does nothing when both are names of one file already
    if fsync:
        fsync_dir(dst.parent)
    return True


# --- confinement ------------------------------------------------------------------------------

def _nearest_existing(p: Path) -> Path:
    while not os.path.lexists(p) and p != p.parent:
        p = p.parent
    return p


def is_within(root: Path, candidate: Path) -> bool:
    """Pure containment test on already-resolved absolute paths."""
    return candidate == root or root in candidate.parents


def confine(root: str | os.PathLike[str], rel_or_abs: str | os.PathLike[str]) -> Path:
    """Return the path for `rel_or_abs` under `root`, or raise `PathEscape`.

    Refuses NUL bytes, any `..` component (even one that would stay inside: provider titles
    are attacker-controlled, so we never let them navigate), absolute paths outside `root`,
    and symlinks (anywhere in the existing part of the path) that point outside `root`.
    Works for paths that do not exist yet: symlinks are resolved up to the nearest existing
    ancestor. The result is expressed under `root` as given (not its realpath), so callers
    keep the user's spelling of the library root.
    """
    raw = os.fspath(rel_or_abs)
    if "\x00" in raw:
        raise PathEscape(f"NUL byte in path {raw!r}")
    rel = Path(raw)
    if ".." in rel.parts:
        raise PathEscape(f"'..' in path {raw!r}")
    root_p = Path(os.path.abspath(root))
    candidate = rel if rel.is_absolute() else root_p / rel
    candidate = Path(os.path.normpath(candidate))
    real_root = root_p.resolve()
    # Path.resolve(strict=False) follows every symlink that exists (dangling ones included)
    # and keeps the non-existing tail verbatim: exactly "resolve the nearest existing parent".
    real = candidate.resolve()
    if not is_within(real_root, real):
        raise PathEscape(f"{raw!r} resolves outside {root_p}")
    return root_p / real.relative_to(real_root)


# --- crash leftovers --------------------------------------------------------------------------

def sweep_own_temp_files(directory: str | os.PathLike[str], tag: str) -> list[Path]:
    """Remove the `.metarr-tmp-<tag>*` files directly in `directory`: what an earlier, killed run of
    the same writer left. Only that writer uses `tag`, and it never runs twice at once."""
    prefix = TMP_PREFIX + tag
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    for e in entries:
        if e.name.startswith(prefix) and e.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(e.path)
                removed.append(Path(e.path))
    return removed


def sweep_temp_files(directory: str | os.PathLike[str], *, recursive: bool = True,
                     min_age_s: float = 0.0, now: float | None = None) -> list[Path]:
    """Remove `.metarr-tmp-*` leftovers of interrupted writes under `directory`.

    `min_age_s` protects temp files that another live process may still be writing (scale-out
    workers share a data dir); at start-up of a single process 0 is right. Only files carrying
    our prefix are ever touched.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    now = time.time() if now is None else now
    removed: list[Path] = []
    for folder, dirs, files in os.walk(directory):
        # temp directories are partial cross-device copies (recycle bin); their source is
        # only removed after the verified copy is renamed, so dropping them loses nothing
        for name in [d for d in dirs if d.startswith(TMP_PREFIX)]:
            dirs.remove(name)
            p = Path(folder) / name
            if _old_enough(p, now, min_age_s):
                if p.is_symlink():
                    p.unlink()
                else:
                    shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        for name in files:
            p = Path(folder) / name
            if name.startswith(TMP_PREFIX) and _old_enough(p, now, min_age_s):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed.append(p)
        if not recursive:
            break
    return removed


def _old_enough(p: Path, now: float, min_age_s: float) -> bool:
    try:
        return now - p.lstat().st_mtime >= min_age_s
    except FileNotFoundError:
        return False


# --- hashing ----------------------------------------------------------------------------------

def sha256_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def touch_later(folders: Iterable[str | os.PathLike]) -> int:
    """Give folders a modification time in a later whole second than the one they have, so a player
    that remembers a folder by its time (Kodi's "fast hash") reads it again. Only the folders' times
    change, never a file. Setting the time to "now" needs only write permission, so this waits for
    the next second (once for all of them) instead of choosing a time. Returns how many were touched
    (a folder that is not there, e.g. mapped away, is left)."""
    present = []
    for f in folders:
        try:
            present.append((f, os.stat(f).st_mtime))
        except OSError:
            continue
    if not present:
        return 0
    wait = int(max(m for _, m in present)) + 1 - time.time()
    if wait > 0:
        time.sleep(min(wait, 1.05))
    done = 0
    for f, _ in present:
        try:
            os.utime(f)
            done += 1
        except OSError:
            continue
    return done
