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
from metarr.fsutil import CHUNK, TMP_PREFIX, fsync_dir, fsync_file, make_temp, sha256_file, sweep_temp_files

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
