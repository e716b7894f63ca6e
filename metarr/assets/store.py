"""Content-addressed artwork store: `<data>/cache/<kind>/ab/cd/<sha256>.<ext>`.

Bytes are staged in `<data>/cache/tmp` (same filesystem, so placing is a rename), hashed and
verified there, then renamed into place. The stored bytes are therefore exactly the bytes that
were verified, even if the source file changes meanwhile. One file per hash however many
items use it; the DB layer records `StoredAsset` rows (no DB here).
"""
from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from metarr.assets.errors import ImageRejected
from metarr.assets.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, EXTENSIONS, ImageInfo, analyze
from metarr.library.fsutil import (
    CHUNK,
    TMP_PREFIX,
    fsync_dir,
    fsync_file,
    make_temp,
    sha256_file,
    sweep_temp_files,
    sync_filesystem,
)

KINDS = ("assets", "actors")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
STORED_NAME_RE = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]+)$")
FILE_MODE = 0o644


@dataclass(frozen=True)
class StoredAsset:
    sha256: str
    path: Path          # absolute path of the cache file
    size: int
    info: ImageInfo
    created: bool       # False: identical bytes were already stored (dedup)
    kind: str = "assets"


class StoredState(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"


def shard_relpath(sha256: str, ext: str) -> str:
    """`ab/cd/<sha>.<ext>` (pure; validates both parts so neither can carry a path)."""
    sha = sha256.lower()
    if not _SHA_RE.match(sha):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    if ext not in EXTENSIONS:
        raise ValueError(f"extension {ext!r} not allowed")
    return f"{sha[0:2]}/{sha[2:4]}/{sha}.{ext}"


def verify_stored(path: str | os.PathLike[str], sha256: str) -> StoredState:
    """Re-hash a cache file: ok, missing, or corrupt (bytes no longer match the name/row)."""
    try:
        actual = sha256_file(path)
    except FileNotFoundError:
        return StoredState.MISSING
    except IsADirectoryError:
        return StoredState.CORRUPT
    return StoredState.OK if actual == sha256.lower() else StoredState.CORRUPT


class AssetStore:
    """Files only; safe to share between threads (every placement is an atomic rename)."""

    def __init__(self, cache_root: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 max_bytes: int = DEFAULT_MAX_BYTES, fsync: bool = True) -> None:
        self.cache_root = Path(cache_root).absolute()
        self.staging_dir = self.cache_root / "tmp"
        self.thumbs_dir = self.cache_root / "thumbs"
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.staging_dir.mkdir(parents=True, exist_ok=True)

    # --- layout -----------------------------------------------------------------------------

    def kind_root(self, kind: str) -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown store kind {kind!r}")
        return self.cache_root / kind

    def path_for(self, sha256: str, ext: str, kind: str = "assets") -> Path:
        return self.kind_root(kind) / shard_relpath(sha256, ext)

    def iter_stored(self, kind: str = "assets") -> Iterator[tuple[str, Path]]:
        """(sha256, path) of every stored file of `kind` (for verification / orphan cleanup)."""
        root = self.kind_root(kind)
        if not root.is_dir():
            return
        for folder, _dirs, files in os.walk(root):
            for name in files:
                m = STORED_NAME_RE.match(name)
                if m:
                    yield m.group(1), Path(folder) / name

    def sweep(self) -> list[Path]:
        """Remove leftovers of interrupted ingests (call at start-up)."""
        removed = sweep_temp_files(self.staging_dir)
        for kind in KINDS:
            removed += sweep_temp_files(self.cache_root / kind)
        return removed

    # --- ingest -----------------------------------------------------------------------------

    def ingest_file(self, src: str | os.PathLike[str], kind: str = "assets", *, move: bool = False,
                    expected_sha256: str | None = None) -> StoredAsset:
        """Verify and store the image at `src`. Raises ImageRejected; stores nothing then.

        move=False (user files, library artwork): `src` is copied and never modified.
        move=True (our own `.metarr-tmp-*` files, e.g. from the downloader): `src` is consumed,
        renamed into place or removed on dedup/refusal. `expected_sha256` lets the caller pass
        a hash computed while downloading, saving a re-read.
        """
        self.kind_root(kind)
        src = Path(src)
        if move:
            if not src.name.startswith(TMP_PREFIX):
                # guard: a user file must never be consumed by the store
                raise ValueError(f"move=True only for metarr temp files, got {src.name!r}")
            try:
                if src.stat().st_dev != self.staging_dir.stat().st_dev:
                    return self._ingest_copy(src, kind)
                info = analyze(src, max_pixels=self.max_pixels, max_bytes=self.max_bytes)
                sha = expected_sha256.lower() if expected_sha256 else sha256_file(src)
                return self._place(src, sha, info, kind)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    src.unlink()
        return self._ingest_copy(src, kind)

    def ingest_bytes(self, data: bytes, kind: str = "assets") -> StoredAsset:
        """Store uploaded bytes (already size-limited by the web layer)."""
        self.kind_root(kind)
        fd, tmp = make_temp(self.staging_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
            info = analyze(tmp, max_pixels=self.max_pixels, max_bytes=self.max_bytes)
            return self._place(tmp, hashlib.sha256(data).hexdigest(), info, kind)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


    def ingest_files(self, srcs: list[str | os.PathLike[str]], kind: str = "assets") -> list[StoredAsset | Exception]:
        """`ingest_file` (a copy) for several user files with one flush to disk for all of them:
        every copy is written and verified first, then all are synced, renamed into place, and
        each folder they land in synced once (a sync per file and folder was most of a first
        scan's cost). Per source: its StoredAsset, or the exception that refused it."""
        self.kind_root(kind)
        out: list[StoredAsset | Exception | None] = [None] * len(srcs)
        staged: list[tuple[int, Path, str, ImageInfo]] = []
        try:
            for i, src in enumerate(srcs):
                try:
                    staged.append((i, *self._stage_copy(Path(src))))
                except Exception as e:  # ImageRejected, I/O errors: this file only
                    out[i] = e
            for i, asset in self._place_many([s[1:] for s in staged], kind, [s[0] for s in staged]):
                out[i] = asset
        finally:
            for _, tmp, _, _ in staged:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
        return out  # type: ignore[return-value]

    def _stage_copy(self, src: Path) -> tuple[Path, str, ImageInfo]:
        """A verified copy of `src` in the staging folder, not yet synced: (temp path, sha256, info)."""
        fd, tmp = make_temp(self.staging_dir)
        try:
            digest = hashlib.sha256()
            size = 0
            with open(src, "rb") as sf, os.fdopen(fd, "wb") as fh:
                while chunk := sf.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ImageRejected("too_large", f"more than {self.max_bytes} bytes")
                    digest.update(chunk)
                    fh.write(chunk)
            return tmp, digest.hexdigest(), analyze(tmp, max_pixels=self.max_pixels, max_bytes=self.max_bytes)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def _place_many(self, staged: list[tuple[Path, str, ImageInfo]], kind: str, keys: list[int]
                    ) -> list[tuple[int, StoredAsset]]:
        """`_place` for several verified temp files: sync them all, rename them all, then sync each
        folder that gained a name once (a crash before that leaves temp files for the sweep)."""
        out, todo, placing = [], [], set()
        for key, (tmp, sha, info) in zip(keys, staged, strict=True):
            dest = self.path_for(sha, info.ext, kind)
            size = tmp.stat().st_size
            if dest in placing or (dest.exists() and verify_stored(dest, sha) is StoredState.OK):
                tmp.unlink()   # the same bytes are stored already (or by this batch)
                out.append((key, StoredAsset(sha, dest, size, info, created=False, kind=kind)))
                continue
            placing.add(dest)
            todo.append((key, tmp, dest, StoredAsset(sha, dest, size, info, created=True, kind=kind)))
        # one flush for the whole batch where the system has one (syncfs), else a sync per file
        flushed = bool(todo) and self.fsync and sync_filesystem(self.staging_dir)
        if self.fsync and not flushed:
            for _, tmp, _, _ in todo:
                fsync_file(tmp)
        folders: set[Path] = set()
        for key, tmp, dest, asset in todo:
            if not dest.parent.exists():   # a new shard folder: its parents gained a name too
                folders.update((dest.parent.parent, dest.parent.parent.parent))
                dest.parent.mkdir(parents=True, exist_ok=True)
            folders.add(dest.parent)
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, dest)
            out.append((key, asset))
        if self.fsync and folders and not (flushed and sync_filesystem(self.kind_root(kind))):
            for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):   # deepest first
                fsync_dir(folder)
        return out

    def _ingest_copy(self, src: Path, kind: str) -> StoredAsset:
        fd, tmp = make_temp(self.staging_dir)
        try:
            digest = hashlib.sha256()
            size = 0
            with open(src, "rb") as sf, os.fdopen(fd, "wb") as fh:
                while chunk := sf.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ImageRejected("too_large", f"more than {self.max_bytes} bytes")
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
            info = analyze(tmp, max_pixels=self.max_pixels, max_bytes=self.max_bytes)
            return self._place(tmp, digest.hexdigest(), info, kind)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _place(self, tmp: Path, sha: str, info: ImageInfo, kind: str) -> StoredAsset:
        """Rename the verified, synced temp file to its content address (or reuse the existing)."""
        dest = self.path_for(sha, info.ext, kind)
        size = tmp.stat().st_size
        if dest.exists() and verify_stored(dest, sha) is StoredState.OK:
            tmp.unlink()
            return StoredAsset(sha, dest, size, info, created=False, kind=kind)
        # absent, or present but corrupt: the name defines the content, so the verified bytes
        # replace it (the corrupt file is not user data; its hash no longer names anything)
        if self.fsync:
            fsync_file(tmp)  # only now: a dedup hit never pays for a flush to disk
        created_dirs = not dest.parent.exists()
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, dest)
        if self.fsync:
            fsync_dir(dest.parent)
            if created_dirs:
                fsync_dir(dest.parent.parent)
                fsync_dir(dest.parent.parent.parent)
        return StoredAsset(sha, dest, size, info, created=True, kind=kind)
