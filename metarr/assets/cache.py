"""The protected cache with its rows: ingest (local file, URL, upload) into the content-addressed
store and record a CacheFile; references; orphan cleanup; verification of stored files."""
from __future__ import annotations

import time
from pathlib import Path

import peewee as pw

from metarr.assets.download import DownloadPolicy
from metarr.assets.fetch import fetch_to_store
from metarr.assets.images import FORMATS, ImageInfo
from metarr.assets.store import AssetStore, StoredAsset, StoredState, verify_stored
from metarr.db import statements
from metarr.db.database import write_tx
from metarr.db.media import ArtworkSlot, AssetCandidate, CacheFile, CastMember, LibraryFile
from metarr.library.fsutil import sha256_file


def open_store(data_dir: Path, max_pixels: int | None = None) -> AssetStore:
    if max_pixels:
        # one image may always be decoded: the process's budget is at least that large
        from metarr.assets.images import DECODES
        DECODES.capacity = max(DECODES.capacity, max_pixels)
        return AssetStore(data_dir / "cache", max_pixels=max_pixels)
    return AssetStore(data_dir / "cache")


def record(db, data_dir: Path, stored: StoredAsset, origin: str, origin_url: str | None = None) -> CacheFile:
    """The row for a stored file (one per hash, however many items use it)."""
    with write_tx(db):
        return record_rows(db, data_dir, [stored], origin, origin_url)[0]


def record_rows(db, data_dir: Path, stored: list[StoredAsset], origin: str,
                origin_url: str | None = None) -> list[CacheFile]:
    """`record` for several stored files at once, inside the caller's write transaction: one lookup
    by hash, one insert for the hashes not yet known (a row another worker recorded just now is
    kept: ON CONFLICT DO NOTHING, then read back)."""
    def rel(a: StoredAsset) -> str:
        return str(a.path.relative_to(data_dir)) if a.path.is_relative_to(data_dir) else str(a.path)

    shas = sorted({a.sha256 for a in stored})
    rows = _by_sha(db, shas)
    for a in stored:
        row = rows.get(a.sha256)
        if row is not None and (row.orphaned_at is not None or row.path != rel(a)):
            CacheFile.update(orphaned_at=None, path=rel(a)).where(CacheFile.id == row.id).execute()
            row.orphaned_at, row.path = None, rel(a)
    new = {a.sha256: a for a in stored if a.sha256 not in rows}
    if new:
        now = time.time()
        statements.insert_many(db, CacheFile, [
            dict(sha256=a.sha256, path=rel(a), kind=a.kind, size=a.size, mime=a.info.mime, width=a.info.width,
                 height=a.info.height, phash=a.info.phash, origin=origin, origin_url=origin_url, created_at=now)
            for a in new.values()], conflict=("sha256",))
        rows.update(_by_sha(db, sorted(new)))
    return [rows[a.sha256] for a in stored]


def stored_already(db, store: AssetStore, data_dir: Path, srcs: list[Path], kind: str = "assets"
                   ) -> list[StoredAsset | None]:
    """Per source, the stored file with exactly its bytes if the cache has one (by hash; each
    stored file verified once), else None: such a source needs no copy, no decode and no sync (a
    library whose folders share their images paid all three for every folder). A known file is
    reused only if it is within the store's current limits, as a new copy would have to be."""
    shas: list[str | None] = []
    for src in srcs:
        try:
            shas.append(sha256_file(src))
        except OSError:
            shas.append(None)   # the copy reports it
    rows = _by_sha(db, sorted({s for s in shas if s})) if any(shas) else {}
    usable = {sha: absolute(data_dir, r) for sha, r in rows.items()
              if r.kind == kind and r.size <= store.max_bytes and (r.width or 0) * (r.height or 0) <= store.max_pixels
              and verify_stored(absolute(data_dir, r), sha) is StoredState.OK}
    out: list[StoredAsset | None] = []
    for sha in shas:
        path = usable.get(sha) if sha else None
        if path is None:
            out.append(None)
            continue
        r = rows[sha]
        fmt = next((f for f, (ext, _) in FORMATS.items() if ext == path.suffix[1:]), "")
        # has_alpha and ahash are not kept in the row: only a new row would need them, and the row exists
        info = ImageInfo(format=fmt, ext=path.suffix[1:], mime=r.mime, width=r.width or 0, height=r.height or 0,
                         has_alpha=False, phash=r.phash or "", ahash="")
        out.append(StoredAsset(sha, path, r.size, info, created=False, kind=kind))
    return out


def _by_sha(db, shas: list[str]) -> dict[str, CacheFile]:
    return {r.sha256: r for r in CacheFile.raw(
        f"SELECT * FROM cache_files WHERE sha256 IN ({statements.marks(db, len(shas))})", *shas)}


def ingest_local(db, store: AssetStore, data_dir: Path, path: Path, kind: str = "assets") -> CacheFile:
    """Copy a user's existing artwork into the cache (the original is never touched)."""
    return record(db, data_dir, store.ingest_file(path, kind), "local", None)


def ingest_url(db, store: AssetStore, data_dir: Path, url: str, policy: DownloadPolicy,
               kind: str = "assets") -> CacheFile:
    fetched = fetch_to_store(store, url, policy, kind)
    return record(db, data_dir, fetched.asset, "provider", url)


def ingest_upload(db, store: AssetStore, data_dir: Path, data: bytes, kind: str = "assets") -> CacheFile:
    return record(db, data_dir, store.ingest_bytes(data, kind), "upload", None)


def referenced_ids() -> pw.SelectQuery:
    return (ArtworkSlot.select(ArtworkSlot.cache_file_id.alias("cid"))
            | CastMember.select(CastMember.cache_file_id).where(CastMember.cache_file_id.is_null(False))
            | LibraryFile.select(LibraryFile.cache_file_id).where(LibraryFile.cache_file_id.is_null(False))
            | AssetCandidate.select(AssetCandidate.cache_file_id).where(
                AssetCandidate.cache_file_id.is_null(False) & (AssetCandidate.rejected == False)))  # noqa: E712


def absolute(data_dir: Path, row: CacheFile) -> Path:
    p = Path(row.path)
    return p if p.is_absolute() else data_dir / p


def orphan_sweep(db, data_dir: Path, recycle_root: Path, grace_s: float, now: float | None = None) -> dict:
    """Mark unreferenced cache files; those unreferenced for longer than the grace period go to the
    recycle bin (never a plain delete) and lose their row."""
    from metarr.library.recyclebin import recycle_path
    now = now or time.time()
    refs = {r[0] for r in referenced_ids().tuples()}
    marked = recycled = 0
    with write_tx(db):
        rows = list(CacheFile.select(CacheFile.id, CacheFile.orphaned_at))
        for row in rows:
            if row.id in refs:
                if row.orphaned_at is not None:
                    CacheFile.update(orphaned_at=None).where(CacheFile.id == row.id).execute()
            elif row.orphaned_at is None:
                CacheFile.update(orphaned_at=now).where(CacheFile.id == row.id).execute()
                marked += 1
    for row in list(CacheFile.select().where(CacheFile.orphaned_at.is_null(False) & (CacheFile.orphaned_at < now - grace_s))):
        if row.id in refs:
            continue
        path = absolute(data_dir, row)
        if path.exists():
            recycle_path(db, recycle_root, path, "orphaned cache file", now=now)
        with write_tx(db):
            CacheFile.delete().where(CacheFile.id == row.id).execute()
        recycled += 1
    return {"marked": marked, "recycled": recycled}


def verify_all(data_dir: Path) -> list[dict]:
    """Every cache row whose file is missing or does not hash to its name."""
    problems = []
    for row in CacheFile.select():
        state = verify_stored(absolute(data_dir, row), row.sha256)
        if state != StoredState.OK:
            problems.append({"cache_file_id": row.id, "sha256": row.sha256, "problem": f"cache {state.value}"})
    return problems
