"""A scan of a library (or a folder of it): walk, compare with the file rows, record the changes,
apply each touched unit (top-level folder), probe new videos. The work lives in `metarr.scanning`:
file_rows (change record, backlog), apply_unit and apply_movies/apply_tv/apply_music (items),
nfo_import, art_import (local artwork into the cache), probing (stream details), walk_digest
(the last whole-library walk, remembered).

Only units with a new, changed, moved or deleted file are regrouped, so a rescan of an unchanged
library costs the walk and a digest of it (or, where the remembered digest cannot vouch, one read of
the file rows).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import ScanBacklog
from metarr.db.models import Library
from metarr.scanning.apply_unit import apply_unit
from metarr.scanning.art_import import import_art
from metarr.scanning.file_rows import FileDiff, diff_files, published_by_us, read_backlog, record_files
from metarr.scanning.folder_sql import under
from metarr.scanning.moves import pair_elsewhere, renames_in
from metarr.scanning.probe_pool import ProbePool
from metarr.scanning.probing import probe_pending
from metarr.scanning.report import Progress, ScanContext, ScanReport
from metarr.scanning.walk import DEFAULT_IGNORE, FileEntry, compile_ignore, unit_of, walk
from metarr.scanning.walk_digest import library_state, remember_walk, walk_digest

__all__ = ["ScanContext", "ScanReport", "scan"]
log = logging.getLogger(__name__)
# units (top-level folders) applied in one write transaction, their artwork in one flush to disk:
# a transaction and a sync per folder were most of a first scan's cost; a kill loses at most a batch
BATCH_UNITS = 100


def _noop(*_a) -> None:
    pass


def scan(db, data_dir: Path, lib: Library, sub: str = "", progress: Progress = _noop,
         context: ScanContext | None = None, probe_workers: int = 2, extra_ignore: list[str] | None = None,
         do_probe: bool = True, job_id: int | None = None,
         probe_pool: ProbePool | None = None, probe_timeout: float = 30.0) -> ScanReport:
    """`probe_pool`: the caller's started pool of probe processes (the service keeps one); without
    it the scan starts and stops one of `probe_workers` for its new videos. `job_id`: the scan job this runs in; its backlog rows live until that job has succeeded (a
    scan outside a job drops them as soon as each folder is applied)."""
    t0 = time.monotonic()
    context = context or ScanContext()
    rep = ScanReport(lib.id)
    sub = sub.strip("/")
    progress("walk", 0, 0, sub or lib.path)
    ignore = compile_ignore(list(DEFAULT_IGNORE) + list(lib.ignore_patterns or []) + list(extra_ignore or []))
    w = walk(lib.path, sub, ignore)
    rep.walk_s = time.monotonic() - t0
    rep.files = len(w.files)
    rep.problems += [(i.path, i.reason) for i in w.issues]
    p = "?" if is_sqlite(db) else "%s"
    cond, args = under(db, "path", sub)
    # the version the live rows had before they are read: the walk is remembered under it only if it
    # still stands once they are read (or, when this scan writes, inside its write transaction)
    version, remembered = library_state(db, lib.id)
    digest = walk_digest(version, w.files) if version is not None and not sub else None
    trusted = None   # the files_version under which the live rows are known to equal this walk
    if digest is not None and digest == remembered:
        unchanged = True   # the rows still hold this very walk: no read of them needed
        trusted = version
    else:
        # the common case, nothing changed, is decided by one set comparison in C: the live rows as
        # (path, size, mtime_ns, inode) tuples against the walked ones
        live = db.execute_sql(f"SELECT path, size, mtime_ns, inode FROM media_files WHERE library_id = {p} "
                              "AND deleted_at IS NULL" + cond, [lib.id, *args]).fetchall()
        walked = set(w.files)
        # equal sets: the same size and one contains the other (paths are unique on both sides)
        unchanged = len(live) == len(walked) and walked.issuperset(live)
        del live, walked
        if unchanged and version is not None and library_state(db, lib.id)[0] == version:
            trusted = version   # tokens never repeat: no change was committed while the rows were read
    files = [] if unchanged else [FileEntry._make(t) for t in w.files]
    rows = [] if unchanged else db.execute_sql(
        f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files WHERE library_id = {p}" + cond,
        [lib.id, *args]).fetchall()
    progress("diff", 0, len(rows), "")
    d = diff_files(files, rows)
    if d.new:   # files that left a folder this walk did not see, or an earlier scan saw go
        elsewhere = pair_elsewhere(db, lib, sub, d.new, renames_in(lib, context.renames))
        if elsewhere:
            gone, paired = {f.path for _, f in elsewhere}, {r[0] for r, _ in elsewhere}
            d = FileDiff([f for f in d.new if f.path not in gone], d.changed,
                         [r for r in d.missing if r[0] not in paired], d.moves + elsewhere)
    new, changed, missing, moves = d.new, d.changed, d.missing, d.moves
    rep.new, rep.changed, rep.moved, rep.deleted = len(new), len(changed), len(moves), len(missing)
    if new or changed:
        ours = published_by_us(db, lib.id, [*new, *changed])
        if ours:
            rep.own = len(ours)
            rep.new -= sum(1 for f in new if f.path in ours)
            rep.changed -= sum(1 for f in changed if f.path in ours)
    units = d.units()
    if context.upgrade and sub:
        units.add(unit_of(sub))
    now = time.time()
    touched_files = d.touched()
    # what an earlier, interrupted scan recorded but did not apply
    backlog = read_backlog(db, lib.id, job_id)
    for unit, (_, paths) in backlog.items():
        units.add(unit)
        touched_files |= paths
    if new or changed or missing or moves:
        recorded, trusted = record_files(db, lib, new, changed, missing, moves, units - set(backlog),
                                          touched_files, job_id, now, version)
        backlog.update(recorded)
    if trusted is not None and not sub:   # None: never written, or changed by another scan meanwhile
        known = digest if trusted == version else walk_digest(trusted, w.files)
        if known != remembered:
            remember_walk(db, lib.id, trusted, known)
    units_sorted = sorted(units)
    for start in range(0, len(units_sorted), BATCH_UNITS):
        batch = units_sorted[start:start + BATCH_UNITS]
        applied = []
        with write_tx(db):   # one transaction for the batch's items; each unit's a savepoint within
            for i, unit in enumerate(batch, start):
                progress("units", i, len(units_sorted), unit or "/")
                try:
                    applied.append(apply_unit(db, lib, unit, touched_files, context, rep, now))
                except Exception as e:  # one broken folder must not stop the library
                    log.exception("scan of %s/%s failed", lib.path, unit)
                    rep.problems.append((unit or "/", f"could not be processed: {type(e).__name__}: {e}"))
        # slower work outside the items' transaction: the batch's artwork into the cache
        import_art(db, data_dir, lib, applied, rep)
        # a kill before this line leaves the batch's backlog rows: the next scan applies it again
        done = [] if job_id is not None else [bid for unit in batch for bid in backlog.get(unit, ((), ()))[0]]
        if done:
            with write_tx(db):
                ScanBacklog.delete().where(ScanBacklog.id.in_(done)).execute()
    rep.units = len(units_sorted)
    if do_probe:
        probe_pending(db, lib, sub, probe_workers, rep, progress, probe_pool, probe_timeout)
    with write_tx(db):
        Library.update(last_scan_at=time.time()).where(Library.id == lib.id).execute()
    rep.total_s = time.monotonic() - t0
    progress("done", 1, 1, "")
    return rep
