"""The recycle bin with its rows: every removal or replacement of a library or cache file goes
through here. The file is moved first (with a sidecar), then the row written; `reconcile` brings
back rows from sidecars if a crash fell between the two."""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from metarr.db.database import write_tx
from metarr.db.media import RecycleEntry
from metarr.db.models import Library
from metarr.library import recycle_files as bin_files
from metarr.library.fsutil import is_within
from metarr.service import settings
from metarr.service.timefmt import iso


def _now_dt(now: float | None = None) -> datetime:
    return datetime.fromtimestamp(now or time.time(), UTC)


def recycle_path(db, recycle_root: Path, path: Path, reason: str, library_id: int | None = None,
                 now: float | None = None, keep: bool = False) -> RecycleEntry:
    """`keep`: a copy goes to the bin and the file stays, for a caller about to replace it atomically."""
    rec = bin_files.recycle(path, recycle_root, reason, _now_dt(now), keep=keep)
    with write_tx(db):
        return RecycleEntry.create(original_path=str(rec.original_path), stored_path=str(rec.stored_path),
                                   reason=reason, size=rec.size, sha256=rec.sha256, library_id=library_id,
                                   deleted_at=rec.deleted_at.timestamp())


class RestoreRefused(Exception):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code


def restore_root(e: RecycleEntry, cache_root: Path | None) -> str:
    """The root a restore is confined to: the entry's library, else a library or the artwork cache
    whose root still holds the original path. None of them: refused, since a path checked against
    no root could lead anywhere (a deleted library's folder may since have become a symlink)."""
    if e.library_id:
        lib = Library.get_or_none(Library.id == e.library_id)
        if lib is not None:
            return lib.path
    original = Path(os.path.abspath(e.original_path))
    roots = [lib.path for lib in Library.select(Library.path)] + ([str(cache_root)] if cache_root else [])
    sets = settings.get(None, "publish.movieset_folder")
    roots += [sets] if sets else []   # a movie set folder's images (they lie in no library)
    for root in roots:
        if is_within(Path(os.path.abspath(root)), original):
            return root
    raise RestoreRefused(f"no library holds {e.original_path} any more (was its library deleted?): add the "
                         "library again to restore into it", "no_root")


def restore_entry(db, recycle_root: Path, entry_id: int, overwrite: bool = False,
                  cache_root: Path | None = None) -> RecycleEntry | None:
    e = RecycleEntry.get_or_none(RecycleEntry.id == entry_id)
    if e is None:
        return None
    if e.restored_at or e.purged_at:
        raise RestoreRefused(f"entry {entry_id} was already {'restored' if e.restored_at else 'purged'}", "gone")
    root = restore_root(e, cache_root)
    try:
        res = bin_files.restore(e.stored_path, e.original_path, overwrite=overwrite, root=root)
    except bin_files.RestoreConflict as c:
        raise RestoreRefused(f"a {'newer' if c.newer else 'different'} file exists at {e.original_path}; "
                             "restore with overwrite=true to replace it (it goes to the recycle bin)") from None
    except FileNotFoundError:
        raise RestoreRefused("the recycled copy is missing from the recycle bin", "gone") from None
    now = time.time()
    with write_tx(db):
        RecycleEntry.update(restored_at=now).where(RecycleEntry.id == entry_id).execute()
        if res.displaced is not None:
            d = res.displaced
            RecycleEntry.create(original_path=str(d.original_path), stored_path=str(d.stored_path),
                                reason=d.reason, size=d.size, sha256=d.sha256, library_id=e.library_id,
                                deleted_at=d.deleted_at.timestamp())
    return RecycleEntry.get_by_id(entry_id)


def purge(db, recycle_root: Path, older_than_days: int, now: float | None = None) -> int:
    removed = bin_files.purge(recycle_root, older_than_days, _now_dt(now))
    paths = [str(p.stored_path) for p in removed]
    stamp = now or time.time()
    with write_tx(db):
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            RecycleEntry.update(purged_at=stamp).where(RecycleEntry.stored_path.in_(chunk)
                                                       & RecycleEntry.purged_at.is_null(True)).execute()
    return len(removed)


def reconcile(db, recycle_root: Path) -> int:
    """Rows for sidecars that have none (a crash between move and insert)."""
    known = {r.stored_path for r in RecycleEntry.select(RecycleEntry.stored_path)}
    added = 0
    for rec in bin_files.list_recycled(recycle_root):
        if str(rec.stored_path) in known:
            continue
        with write_tx(db):
            RecycleEntry.create(original_path=str(rec.original_path), stored_path=str(rec.stored_path),
                                reason=rec.reason, size=rec.size, sha256=rec.sha256,
                                deleted_at=rec.deleted_at.timestamp())
        added += 1
    return added


def entry_json(e: RecycleEntry) -> dict:
    return {"id": e.id, "original_path": e.original_path, "reason": e.reason, "size": e.size, "sha256": e.sha256,
            "library_id": e.library_id, "deleted_at": iso(e.deleted_at), "restored_at": iso(e.restored_at),
            "purged_at": iso(e.purged_at)}


def list_entries(limit: int, offset: int, state: str = "present", q: str | None = None) -> tuple[list[dict], int]:
    query = RecycleEntry.select()
    if state == "present":
        query = query.where(RecycleEntry.restored_at.is_null(True) & RecycleEntry.purged_at.is_null(True))
    elif state == "restored":
        query = query.where(RecycleEntry.restored_at.is_null(False))
    if q:
        query = query.where(RecycleEntry.original_path.contains(q))
    total = query.count()
    rows = query.order_by(RecycleEntry.deleted_at.desc(), RecycleEntry.id.desc()).limit(limit).offset(offset)
    return [entry_json(e) for e in rows], total
