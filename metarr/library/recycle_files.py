"""Recycle bin file operations (SPEC §5.8, principle 7 "nothing lost"). No database here.

Layout: `<recycle>/<YYYY-MM-DD>/<entry-id>/<original name>` plus a sidecar
`<recycle>/<YYYY-MM-DD>/<entry-id>.json` describing it, so the bin stays self-describing even
if the DB row is lost. The integrator records `RecycledFile` as a `recycle_bin` row.

Moves are renames when source and bin share a filesystem; otherwise copy + fsync + verify
(size and sha256) and only then unlink the source. Nothing here ever plain-deletes a user
file; only `purge` deletes, and only day folders past retention that it recognises.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from metarr.library.fsutil import (
    TMP_PREFIX,
    atomic_write,
    confine,
    fsync_dir,
    fsync_file,
    is_within,
    sha256_file,
)

DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SIDECAR_SUFFIX = ".json"


class RecycleError(OSError):
    """The move into (or out of) the bin failed; the source was left untouched."""


class RestoreConflict(RecycleError):
    """Something else now lives at the original path; restore would overwrite it."""

    def __init__(self, path: Path, newer: bool) -> None:
        self.path = path
        self.newer = newer
        what = "a newer" if newer else "a different"
        super().__init__(f"{path} exists with {what} content; pass overwrite=True to recycle it first")


@dataclass(frozen=True)
class RecycledFile:
    original_path: Path
    stored_path: Path
    size: int           # bytes (sum of files for a directory)
    sha256: str         # file content hash; for a directory, the hash of its manifest
    deleted_at: datetime
    reason: str
    is_dir: bool = False


@dataclass(frozen=True)
class RestoredFile:
    original_path: Path
    stored_path: Path
    size: int
    sha256: str
    displaced: RecycledFile | None = None   # what stood at original_path (overwrite=True)
    already_present: bool = False           # identical bytes were already in place


@dataclass(frozen=True)
class PurgedEntry:
    stored_path: Path
    size: int
    day: date


# --- content identity -------------------------------------------------------------------------

def _tree_digest(root: Path) -> tuple[str, int]:
    """Hash of a directory: sorted relative paths with file hashes / link targets."""
    lines: list[str] = []
    total = 0
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in dirs:
            p = base / name
            rel = p.relative_to(root).as_posix()
            lines.append(f"{rel}\0->{os.readlink(p)}" if p.is_symlink() else f"{rel}/")
        for name in sorted(files):
            p = base / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                lines.append(f"{rel}\0->{os.readlink(p)}")
            else:
                lines.append(f"{rel}\0{sha256_file(p)}")
                total += p.stat().st_size
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest(), total


def _size_of(path: Path) -> int:
    if path.is_symlink():
        return 0
    if not path.is_dir():
        return path.stat().st_size
    return sum((Path(folder) / f).lstat().st_size for folder, _d, files in os.walk(path) for f in files)


def content_id(path: Path) -> tuple[str, int]:
    """(sha256, size) of a file, directory (manifest hash) or symlink (its target)."""
    if path.is_symlink():
        target = os.readlink(path).encode("utf-8", "surrogateescape")
        return hashlib.sha256(b"symlink\0" + target).hexdigest(), 0
    if path.is_dir():
        return _tree_digest(path)
    return sha256_file(path), path.stat().st_size


# --- moving with verification -----------------------------------------------------------------

def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            p = Path(folder) / name
            if not p.is_symlink():
                fsync_file(p)
        fsync_dir(folder)


def _copy_verified(src: Path, dest: Path, expect: str) -> None:
    """Copy src to dest (not existing) across filesystems: temp sibling, fsync, verify, rename."""
    tmp = dest.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}"
    try:
        if src.is_symlink():
            os.symlink(os.readlink(src), tmp)
        elif src.is_dir():
            shutil.copytree(src, tmp, symlinks=True)
            _fsync_tree(tmp)
        else:
            shutil.copy2(src, tmp)
            fsync_file(tmp)
        got, _ = content_id(tmp)
        if got != expect:
            raise RecycleError(errno.EIO, f"copy of {src} does not match (hash {got} != {expect})")
        if os.path.lexists(dest):
            raise FileExistsError(errno.EEXIST, "destination appeared during copy", str(dest))
        os.rename(tmp, dest)
        fsync_dir(dest.parent)
    except BaseException:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise


def _remove_source(src: Path) -> None:
    """Only after a verified copy exists elsewhere."""
    if src.is_dir() and not src.is_symlink():
        shutil.rmtree(src)
    else:
        src.unlink()
    fsync_dir(src.parent)


def _move(src: Path, dest: Path, expect: str) -> None:
    """Move src to a not-yet-existing dest; never overwrites, never loses src on failure."""
    if os.path.lexists(dest):
        raise FileExistsError(errno.EEXIST, "destination exists", str(dest))
    try:
        if src.is_dir() or src.is_symlink():
            os.rename(src, dest)
        else:
            os.link(src, dest)      # create-only: cannot clobber a file that just appeared
            src.unlink()
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            _copy_verified(src, dest, expect)
            _remove_source(src)
            return
        if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EMLINK) and not src.is_dir():
            os.rename(src, dest)    # filesystems without hard links (e.g. some FUSE/SMB)
        else:
            raise
    fsync_dir(dest.parent)
    fsync_dir(src.parent)


# --- public API ------------------------------------------------------------------------------

def _entry_dir(recycle_root: Path, now: datetime) -> Path:
    day = recycle_root / f"{now:%Y-%m-%d}"
    day.mkdir(parents=True, exist_ok=True)
    while True:
        entry = day / f"{now:%H%M%S}-{secrets.token_hex(4)}"
        try:
            entry.mkdir()
            return entry
        except FileExistsError:
            continue


def _write_sidecar(rec: RecycledFile) -> None:
    doc = {"original_path": str(rec.original_path), "stored_path": str(rec.stored_path),
           "size": rec.size, "sha256": rec.sha256, "deleted_at": rec.deleted_at.isoformat(),
           "reason": rec.reason, "is_dir": rec.is_dir}
    side = rec.stored_path.parent.with_name(rec.stored_path.parent.name + SIDECAR_SUFFIX)
    atomic_write(side, json.dumps(doc, ensure_ascii=False, indent=1).encode())


def _keep_copy(src: Path, dest: Path, expect: str) -> None:
    """An independent copy of the file src at dest (not existing) while src stays where it is. Not a
    hard link: a later in-place write to src would change the kept bytes too."""
    _copy_verified(src, dest, expect)


def _replace_with(src: Path, target: Path, expect: str) -> None:
    """Put the file src over target in one rename, so the library never lacks the file; src is
    removed only once its bytes are in place."""
    tmp = target.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}"
    try:
        try:
            os.link(src, tmp)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
                raise
            _copy_verified(src, tmp, expect)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)
    _remove_source(src)


def recycle(path: str | os.PathLike[str], recycle_root: str | os.PathLike[str], reason: str,
            now: datetime, *, keep: bool = False) -> RecycledFile:
    """Move a file, directory or symlink into the bin (`keep`: copy a regular file in and leave it
    where it is, for a caller about to replace it atomically). Raises RecycleError / FileNotFoundError."""
    src = Path(os.path.abspath(path))
    root = Path(os.path.abspath(recycle_root))
    if not os.path.lexists(src):
        raise FileNotFoundError(errno.ENOENT, "nothing to recycle", str(src))
    real_src, real_root = src.parent.resolve() / src.name, root.resolve()
    if is_within(real_root, real_src) or is_within(real_src, real_root):
        raise RecycleError(errno.EINVAL, f"{src} overlaps the recycle bin {root}")
    sha, size = content_id(src)
    is_dir = src.is_dir() and not src.is_symlink()
    entry = _entry_dir(root, now)
    dest = entry / src.name
    try:
        if keep and not is_dir and not src.is_symlink():
            _keep_copy(src, dest, sha)
        elif not is_dir and not src.is_symlink() and os.stat(src).st_nlink > 1:
            # one name of a file with others (a published image's second name): the bin gets bytes
            # of its own, or an in-place edit of the other name would change what it keeps
            _keep_copy(src, dest, sha)
            _remove_source(src)
        else:
            _move(src, dest, sha)
    except BaseException:
        with contextlib.suppress(OSError):
            entry.rmdir()
        raise
    rec = RecycledFile(original_path=src, stored_path=dest, size=size, sha256=sha,
                       deleted_at=now, reason=reason, is_dir=is_dir)
    _write_sidecar(rec)
    return rec


def _recycle_root_of(stored: Path) -> Path:
    # stored = <root>/<YYYY-MM-DD>/<entry>/<name>
    if len(stored.parents) < 3 or not DAY_RE.match(stored.parents[1].name):
        raise RecycleError(errno.EINVAL, f"{stored} is not inside a recycle bin")
    return stored.parents[2]


def _cleanup_entry(stored: Path) -> None:
    entry = stored.parent
    with contextlib.suppress(FileNotFoundError):
        entry.with_name(entry.name + SIDECAR_SUFFIX).unlink()
    for d in (entry, entry.parent):  # entry, then the day folder, if now empty
        try:
            d.rmdir()
        except OSError:
            break


def restore(stored_path: str | os.PathLike[str], original_path: str | os.PathLike[str],
            overwrite: bool = False, *, root: str | os.PathLike[str] | None = None,
            now: datetime | None = None) -> RestoredFile:
    """Put a recycled file/directory back at `original_path`, byte-identical.

    `root` (the library root) confines the target (SPEC §8). If something different exists
    there: RestoreConflict, unless overwrite=True, in which case that file is recycled first.
    """
    stored = Path(os.path.abspath(stored_path))
    target = confine(root, original_path) if root is not None else Path(os.path.abspath(original_path))
    if not os.path.lexists(stored):
        raise FileNotFoundError(errno.ENOENT, "recycled copy missing", str(stored))
    sha, size = content_id(stored)
    displaced = None
    if os.path.lexists(target):
        existing_sha, _ = content_id(target)
        if existing_sha == sha:
            # identical bytes already in place: the bin copy is redundant, nothing is lost
            _remove_source(stored)
            _cleanup_entry(stored)
            return RestoredFile(target, stored, size, sha, already_present=True)
        if not overwrite:
            newer = target.lstat().st_mtime > stored.lstat().st_mtime
            raise RestoreConflict(target, newer)
        swap = target.is_file() and not target.is_symlink() and stored.is_file() and not stored.is_symlink()
        displaced = recycle(target, _recycle_root_of(stored), "replaced by restore",
                            now or datetime.now().astimezone(), keep=swap)
        if swap:   # the old file is safe in the bin; swap the restored one in with a single rename
            _replace_with(stored, target, sha)
            _cleanup_entry(stored)
            return RestoredFile(target, stored, size, sha, displaced=displaced)
    target.parent.mkdir(parents=True, exist_ok=True)
    _move(stored, target, sha)
    _cleanup_entry(stored)
    return RestoredFile(target, stored, size, sha, displaced=displaced)


def list_recycled(recycle_root: str | os.PathLike[str]) -> list[RecycledFile]:
    """Entries from sidecars (e.g. to rebuild rows after a DB loss), oldest first."""
    out: list[RecycledFile] = []
    root = Path(recycle_root)
    if not root.is_dir():
        return out
    for day in sorted(p for p in root.iterdir() if p.is_dir() and DAY_RE.match(p.name)):
        for side in sorted(day.glob("*" + SIDECAR_SUFFIX)):
            try:
                doc = json.loads(side.read_text("utf-8"))
                rec = RecycledFile(Path(doc["original_path"]), Path(doc["stored_path"]), int(doc["size"]),
                                   doc["sha256"], datetime.fromisoformat(doc["deleted_at"]),
                                   doc["reason"], bool(doc.get("is_dir")))
            except (OSError, ValueError, KeyError):
                continue
            if os.path.lexists(rec.stored_path):
                out.append(rec)
    return out


def purge(recycle_root: str | os.PathLike[str], older_than_days: int, now: datetime) -> list[PurgedEntry]:
    """Delete day folders older than the retention; return every entry removed.

    A day folder D is removed when D < today - older_than_days. Folders whose name is not a
    date are never touched.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    root = Path(recycle_root)
    if not root.is_dir():
        return []
    cutoff = now.date() - timedelta(days=older_than_days)
    removed: list[PurgedEntry] = []
    for day_dir in sorted(root.iterdir()):
        if not (day_dir.is_dir() and not day_dir.is_symlink() and DAY_RE.match(day_dir.name)):
            continue
        try:
            day = date.fromisoformat(day_dir.name)
        except ValueError:
            continue
        if day >= cutoff:
            continue
        for entry in sorted(p for p in day_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            for item in sorted(entry.iterdir()):
                removed.append(PurgedEntry(item, _size_of(item), day))
        shutil.rmtree(day_dir)
    if removed:
        fsync_dir(root)
    return removed
