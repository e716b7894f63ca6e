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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from metarr.db import statements
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import ScanBacklog
from metarr.db.models import Library
from metarr.scanning import availability, followups
from metarr.scanning.apply_batch import apply_batch
from metarr.scanning.art_import import import_art
from metarr.scanning.file_rows import (
    backlog_counts,
    backlog_pages,
    drop_finished_backlog,
    match_moves,
    published_by_us,
    record_files,
)
from metarr.scanning.folder_sql import under
from metarr.scanning.moves import pair_elsewhere, renames_in
from metarr.scanning.prefetch import Prefetcher
from metarr.scanning.probe_pool import ProbePool
from metarr.scanning.probing import probe_pending
from metarr.scanning.report import Progress, ScanContext, ScanReport
from metarr.scanning.video_hash import content_elsewhere, content_moves, hash_pending
from metarr.scanning.walk import DEFAULT_IGNORE, WalkResult, compile_ignore, iter_walk, unit_of
from metarr.scanning.walk_digest import library_state, remember_walk, walk_digest
from metarr.scanning.walk_spool import WalkSpool
from metarr.scanning.walk_table import WalkTable

__all__ = ["ScanContext", "ScanReport", "scan"]
log = logging.getLogger(__name__)
T = TypeVar("T")
# units (top-level folders) applied in one write transaction, their artwork in one flush to disk:
# a transaction and a sync per folder were most of a first scan's cost; a kill loses at most a batch
BATCH_UNITS = 100
ANALYZE_AFTER = 10_000   # new files (or items) after which PostgreSQL's statistics are renewed at once
# the tables a scan's items fill (by library kind), besides those of every kind
ITEM_TABLES = {"movie": ("movies",), "tv": ("series", "seasons", "episodes"), "music": ("artists", "albums", "tracks")}
SHARED_TABLES = ("media_files", "field_states", "artwork_slots", "entity_lists", "cast_members", "ratings", "cache_files")


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
    issues = WalkResult()
    with WalkSpool(data_dir) as spool:
        for files in iter_walk(lib.path, sub, ignore, issues):
            spool.add(files)
        walk_hash = spool.finish()
        if not sub and spool.count == 0:
            availability.check_for_scan(db, lib)   # an unmounted share is not every film deleted
        elif not sub:
            availability.remember_device(db, lib)
        rep.walk_s = time.monotonic() - t0
        rep.files = spool.count
        rep.problems += [(i.path, i.reason) for i in issues.issues]
        del issues
        # the version the live rows had before they are read: the walk is remembered under it only if
        # it still stands once they are read (or, when this scan writes, inside its write transaction)
        version, remembered = library_state(db, lib.id)
        digest = walk_digest(version, walk_hash) if version is not None and not sub else None
        if digest is not None and digest == remembered:
            # the rows still hold this very walk: no read of them needed
            trusted = _apply_backlog(db, data_dir, lib, sub, context, rep, progress, job_id, version)
        else:
            with WalkTable(db, data_dir) as table:
                table.load(spool.chunks())
                trusted = _record(db, lib, sub, table, context, rep, progress, job_id, version)
                trusted = _apply_backlog(db, data_dir, lib, sub, context, rep, progress, job_id, trusted)
    if trusted is not None and not sub:   # None: never written, or changed by another scan meanwhile
        known = walk_digest(trusted, walk_hash)
        if known != remembered:
            remember_walk(db, lib.id, trusted, known)
    if job_id is not None and (rep.targets_stored or followups.held(db, job_id)):
        # a large scan (or an earlier run of this job that was one): every target goes to the table
        with write_tx(db):
            rep.targets_stored += followups.store(db, job_id, rep.targets.drain())
            rep.followups = followups.count(db, job_id)
    if do_probe:
        probe_pending(db, lib, sub, probe_workers, rep, progress, probe_pool, probe_timeout)
        hash_pending(db, lib, *under(db, "path", sub))   # the fingerprint a move with a new inode is known by
    with write_tx(db):
        Library.update(last_scan_at=time.time()).where(Library.id == lib.id).execute()
    rep.total_s = time.monotonic() - t0
    progress("done", 1, 1, "")
    return rep


def _record(db, lib: Library, sub: str, table: WalkTable, context: ScanContext, rep: ScanReport,
            progress: Progress, job_id: int | None, version: str | None) -> str | None:
    """Compare the walk (in `table`) with the file rows and record what changed; returns the
    files_version under which the rows are known to equal the walk, or None."""
    cond, args = under(db, "path", sub)
    progress("diff", 0, table.count, "")
    changed = table.changed(lib.id)
    missing = table.missing(lib.id, cond, args)
    new_count = table.new_count(lib.id)
    # moves inside the walk: a missing row and a new file with its inode, size and mtime
    moves = match_moves(missing, table.new_with_inodes(lib.id, sorted({r[4] for r in missing if r[4]}))) \
        if missing and new_count else []
    if moves:
        moved_rows = {r[0] for r, _ in moves}
        missing = [r for r in missing if r[0] not in moved_rows]
    skip = {f.path for _, f in moves}
    if missing and new_count > len(moves):   # moves with a new inode (copy + delete): by size and video hash
        more = content_moves(db, lib, table, missing, skip)
        if more:
            moves += more
            moved_rows = {r[0] for r, _ in more}
            missing = [r for r in missing if r[0] not in moved_rows]
            skip |= {f.path for _, f in more}
    if new_count > len(moves):   # files that left a folder this walk did not see, or an earlier scan saw go
        renames = renames_in(lib, context.renames)
        taken: set[int] = set()
        for page in table.new_pages(lib.id, skip):
            for r, f in pair_elsewhere(db, lib, sub, page, renames):
                if r[0] not in taken:
                    taken.add(r[0])
                    moves.append((r, f))
                    skip.add(f.path)
            # then by content: a copy + delete (new inodes) that the watcher saw as two folder scans
            for r, f in content_elsewhere(db, lib, sub, [f for f in page if f.path not in skip], taken):
                taken.add(r[0])
                moves.append((r, f))
                skip.add(f.path)
            if not (sub or renames) and not taken and not _has_deleted(db, lib.id):
                break   # pair_elsewhere pairs nothing in a whole-library walk without soft-deleted rows
        if taken:
            missing = [r for r in missing if r[0] not in taken]
    rep.new, rep.changed, rep.moved, rep.deleted = new_count - len(skip), len(changed), len(moves), len(missing)
    if (rep.new or changed) and _has_published(db, lib.id):
        # a library Metarr never wrote into (a first scan's) has none of its files: no second pass
        # over every new file (a million at 1,000,002 files) to look for them
        own_new = sum(len(published_by_us(db, lib.id, page)) for page in table.new_pages(lib.id, skip))
        own_changed = len(published_by_us(db, lib.id, changed)) if changed else 0
        rep.own = own_new + own_changed
        rep.new -= own_new
        rep.changed -= own_changed
    extra = [unit_of(sub)] if context.upgrade and sub else []
    if new_count > len(skip) or changed or missing or moves:
        trusted = record_files(db, lib, lambda: table.new_pages(lib.id, skip), changed, missing, moves, extra,
                               job_id, time.time(), version)
        if new_count >= ANALYZE_AFTER and not is_sqlite(db):
            # a first scan's rows have no statistics until autovacuum comes by: without them the planner
            # reads every row of the library for each folder's files (440 ms a folder at 100,000 files)
            db.execute_sql("ANALYZE media_files")
            db.execute_sql("ANALYZE scan_backlog")
        return trusted
    if extra:   # an upgrade (a webhook) regroups its folder although no file changed
        with write_tx(db):
            ScanBacklog.insert(library_id=lib.id, unit=extra[0], paths=[], job_id=job_id, created_at=time.time()).execute()
    if version is not None and library_state(db, lib.id)[0] == version:
        return version   # tokens never repeat: no change was committed while the rows were read
    return None


def _has_published(db, library_id: int) -> bool:
    m = statements.mark(db)
    return db.execute_sql(f"SELECT 1 FROM library_files WHERE library_id = {m} LIMIT 1", (library_id,)).fetchone() is not None


def _has_deleted(db, library_id: int) -> bool:
    m = statements.mark(db)
    return db.execute_sql(f"SELECT 1 FROM media_files WHERE library_id = {m} AND deleted_at IS NOT NULL LIMIT 1",
                          (library_id,)).fetchone() is not None


def _apply_backlog(db, data_dir: Path, lib: Library, sub: str, context: ScanContext, rep: ScanReport,
                   progress: Progress, job_id: int | None, trusted: str | None) -> str | None:
    """Apply every unit in the library's backlog (this scan's changes and what an earlier,
    interrupted scan recorded but did not apply), BATCH_UNITS at a time."""
    if not drop_finished_backlog(db, lib.id):
        return trusted
    top, total = backlog_counts(db, lib.id)
    now = time.time()
    i = 0
    with Prefetcher() as prefetch:
        for batch in _ahead(backlog_pages(db, lib.id, BATCH_UNITS, top),
                            lambda b: prefetch.ahead(lib.path, (p for _, _, paths in b for p in sorted(paths)))):
            i = _apply_one(db, data_dir, lib, batch, context, rep, progress, job_id, now, i, total)
    rep.units = i
    if rep.created >= ANALYZE_AFTER and not is_sqlite(db):
        # the item tables a first scan filled from nothing have no statistics until autovacuum comes
        # by (if it runs at all); what runs next (the probe pass, the scan's jobs) plans with them
        for table in (*ITEM_TABLES.get(lib.kind, ()), *SHARED_TABLES):
            db.execute_sql(f"ANALYZE {table}")
    return trusted


def _ahead(pages: Iterator[T], before: Callable[[T], None]) -> Iterator[T]:
    """`pages`, with `before` called on each page one page ahead (as the one before it is handed out)."""
    page = next(pages, None)
    if page is not None:
        before(page)
    while page is not None:
        following = next(pages, None)
        if following is not None:
            before(following)
        yield page
        page = following


def _apply_one(db, data_dir: Path, lib: Library, batch, context: ScanContext, rep: ScanReport, progress: Progress,
               job_id: int | None, now: float, i: int, total: int) -> int:
    """One batch of the backlog applied; returns how many units the scan has applied."""
    applied = apply_batch(db, lib, batch, context, rep, progress, i, total, job_id, now)
    # slower work outside the items' transaction: the batch's artwork into the cache
    import_art(db, data_dir, lib, applied, rep)
    # a kill before this line leaves the batch's backlog rows: the next scan applies it again
    done = [] if job_id is not None else [bid for _, ids, _ in batch for bid in ids]
    if done:
        with write_tx(db):
            ScanBacklog.delete().where(ScanBacklog.id.in_(done)).execute()
    return i + len(batch)
