"""The library's file rows: the scan's record of changes (new, changed, moved, deleted) with its
backlog, the rows of a unit, and their links to items."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from metarr.db import statements, stream_facts
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import LibraryFile, MediaFile, ScanBacklog
from metarr.db.models import Library
from metarr.scanning.classify import classify
from metarr.scanning.folder_sql import unit_filter
from metarr.scanning.group import Owned
from metarr.scanning.moves import follow as follow_moves
from metarr.scanning.walk import FileEntry, unit_of


def match_moves(missing: list, new: list[FileEntry]) -> list[tuple[Any, FileEntry]]:
    """A file that vanished while one with its inode, size and mtime appeared was moved or renamed
    (a rename keeps all three; a file written after another was deleted may get its inode back, and
    with clips of one size even its size, never its mtime). Only unambiguous pairs count: inode 0
    (some network filesystems) or shared keys (hard links) never do."""
    by_key: dict[tuple[int, int, int], list[FileEntry]] = {}
    for f in new:
        if f.inode:
            by_key.setdefault((f.inode, f.size, f.mtime_ns), []).append(f)
    gone: dict[tuple[int, int, int], list] = {}
    for r in missing:
        if r[4]:
            gone.setdefault((r[4], r[2], r[3]), []).append(r)
    return [(rows[0], by_key[k][0]) for k, rows in gone.items() if len(rows) == 1 and len(by_key.get(k, ())) == 1]


def drop_finished_backlog(db, library_id: int) -> bool:
    """Drop the backlog rows of scans whose job has succeeded; True if rows of unfinished (interrupted)
    scans remain. No write when the library has none (a no-change rescan stays a read-only walk)."""
    m = statements.mark(db)
    if db.execute_sql(f"SELECT 1 FROM scan_backlog WHERE library_id = {m} LIMIT 1", (library_id,)).fetchone() is None:
        return False
    done = "EXISTS (SELECT 1 FROM jobs j WHERE j.id = scan_backlog.job_id AND j.status = 'succeeded')"
    if db.execute_sql(f"SELECT 1 FROM scan_backlog WHERE library_id = {m} AND {done} LIMIT 1",
                      (library_id,)).fetchone() is not None:
        with write_tx(db):
            db.execute_sql(f"DELETE FROM scan_backlog WHERE library_id = {m} AND {done}", (library_id,))
    return db.execute_sql(f"SELECT 1 FROM scan_backlog WHERE library_id = {m} LIMIT 1", (library_id,)).fetchone() is not None


def backlog_pages(db, library_id: int, page: int, up_to: int | None = None
                  ) -> Iterator[list[tuple[str, list[int], set[str]]]]:
    """The backlog, `page` units at a time in unit order: (unit, backlog row ids, touched paths).
    `up_to`: rows with a higher id (recorded by a scan that started later) are left to that scan."""
    m = statements.mark(db)
    limit = f" AND id <= {int(up_to)}" if up_to is not None else ""
    last = None
    while True:
        after = "" if last is None else f" AND unit > {m}"
        units = [r[0] for r in db.execute_sql(
            f"SELECT DISTINCT unit FROM scan_backlog WHERE library_id = {m}{limit}{after} ORDER BY unit LIMIT {page}",
            [library_id] + ([] if last is None else [last])).fetchall()]
        if not units:
            return
        last = units[-1]
        out: dict[str, tuple[list[int], set[str]]] = {u: ([], set()) for u in units}
        for r in ScanBacklog.select().where((ScanBacklog.library_id == library_id) & ScanBacklog.unit.in_(units)
                                            & (ScanBacklog.id <= (up_to if up_to is not None else 2 ** 62))
                                            ).order_by(ScanBacklog.id):
            ids, paths = out[r.unit]
            ids.append(r.id)
            paths.update(r.paths or ())
        yield [(u, *out[u]) for u in units]


def backlog_counts(db, library_id: int) -> tuple[int | None, int]:
    """(highest backlog row id, number of units) of the library's backlog."""
    m = statements.mark(db)
    top, n = db.execute_sql(f"SELECT max(id), count(DISTINCT unit) FROM scan_backlog WHERE library_id = {m}",
                            (library_id,)).fetchone()
    return top, n or 0


def files_version(db, library_id: int, lock: bool = False) -> str | None:
    """`lock`: inside a write transaction, hold the library row until it ends (PostgreSQL; SQLite
    has one writer at a time anyway)."""
    row = db.execute_sql(f"SELECT files_version FROM libraries WHERE id = {statements.mark(db)}"
                         + (" FOR UPDATE" if lock and not is_sqlite(db) else ""), (library_id,)).fetchone()
    return row[0] if row else None


def record_files(db, lib: Library, new_pages: Callable[[], Iterable[list[FileEntry]]], changed: list[FileEntry],
                 missing: list, moves: list, extra_units: Iterable[str], job_id: int | None, now: float,
                 read_version: str | None) -> str | None:
    """Record the file changes, and in the same transaction the units still to apply (backlog rows
    with each unit's touched paths, deleted as each unit is applied) and a new files_version.
    `new_pages`: the new files, a page at a time, in walk order (a unit's files one after the
    other). The version is returned if the rows were still those read under `read_version` (then
    they now hold exactly the walk), else None: another scan changed them meanwhile (a folder scan
    beside this one). The only writer of a file row's path, size, mtime, inode and deletion: any other
    must replace the library's files_version in its transaction as well, or a remembered walk digest
    would vouch for stale rows."""
    # the units of changed, missing and moved files (as many as the changes); those of new files stream by
    small: dict[str, set[str]] = {u: set() for u in extra_units}
    for u in [unit_of(r[1]) for r in missing] + [unit_of(r[1]) for r, _ in moves]:
        small.setdefault(u, set())
    for path in [f.path for f in changed] + [f.path for _, f in moves]:
        small.setdefault(unit_of(path), set()).add(path)
    backlog: list[dict] = []

    def add_backlog(unit: str, paths: set[str]) -> None:
        backlog.append(dict(library_id=lib.id, unit=unit, paths=sorted(paths | small.pop(unit, set())),
                            job_id=job_id, created_at=now))
        if len(backlog) >= 500:
            flush_backlog()

    def flush_backlog() -> None:
        if backlog:
            statements.insert_many(db, ScanBacklog, backlog)
            backlog.clear()

    with write_tx(db):
        # NULL (never written) matches too: nothing ever sets the version back to NULL
        untouched = files_version(db, lib.id, lock=True) == read_version
        unit, paths = None, set()
        for page in new_pages():
            # not peewee's insert_many: building its query cost ~10 µs a file (and read back every id)
            statements.insert_many(db, MediaFile, [dict(library_id=lib.id, path=f.path, size=f.size, mtime_ns=f.mtime_ns,
                                                        inode=f.inode, kind=classify(f.path, lib.kind).kind, first_seen=now,
                                                        updated_at=now) for f in page])
            for f in page:
                u = unit_of(f.path)
                if u != unit:
                    if unit is not None:
                        add_backlog(unit, paths)
                    unit, paths = u, set()
                paths.add(f.path)
        if unit is not None:
            add_backlog(unit, paths)
        for u in sorted(small):
            add_backlog(u, set())
        flush_backlog()
        for f in changed:
            # content changed: old stream details and hashes no longer hold
            MediaFile.update(size=f.size, mtime_ns=f.mtime_ns, inode=f.inode, deleted_at=None, updated_at=now,
                             probed_at=None, streams=None, probe_error=None, sha256=None, video_hash=None,
                             **stream_facts.facts(None)).where(
                (MediaFile.library_id == lib.id) & (MediaFile.path == f.path)).execute()
        for r, f in moves:
            MediaFile.update(path=f.path, mtime_ns=f.mtime_ns, inode=f.inode, updated_at=now, deleted_at=None).where(
                MediaFile.id == r[0]).execute()
        follow_moves(db, lib, [(r[1], f.path) for r, f in moves], now)   # their items move with them
        # still at the path this scan saw missing: a folder scan beside it may have found the file
        # moved meanwhile (the watcher scans both ends of a rename, at once)
        for i in range(0, len(missing), 500):
            part = missing[i:i + 500]
            MediaFile.update(deleted_at=now, updated_at=now).where(
                MediaFile.id.in_([r[0] for r in part]) & MediaFile.path.in_([r[1] for r in part])).execute()
        version = uuid.uuid4().hex
        statements.update(db, Library, {"files_version": version}, id=lib.id)
    return version if untouched else None


def unit_files(db, lib: Library, unit: str) -> dict[str, MediaFile]:
    cond, args = unit_filter(db, unit)
    rows = MediaFile.raw(f"SELECT * FROM media_files WHERE library_id = {'?' if is_sqlite(db) else '%s'} "
                         f"AND deleted_at IS NULL{cond}", lib.id, *args)
    return {r.path: r for r in rows}


def own_files(files: dict[str, MediaFile], ours: dict[str, tuple[int, int, str | None]]) -> set[str]:
    """Files exactly as Metarr published them (`ours`: what `published` read): seeing them is not a
    change of the item (else every publish into a watched library would set off another round of
    the chain)."""
    return {p for p, (size, mtime_ns, _) in ours.items() if files[p].size == size and files[p].mtime_ns == mtime_ns}


def published(lib: Library, files: dict[str, MediaFile]) -> dict[str, tuple[int, int, str | None]]:
    """Path -> (size, mtime_ns, sha256) as Metarr last wrote it, for those of `files` it wrote."""
    return published_paths(LibraryFile._meta.database, lib.id, list(files))


def published_paths(db, library_id: int, paths: list[str]) -> dict[str, tuple[int, int, str | None]]:
    """`published` of a list of paths (a unit's, or a batch's: `unit_reads`): SQLite in chunks of 500
    (its variables are limited), PostgreSQL in one statement (a round trip counts there)."""
    out = {}
    m = statements.mark(db)
    if is_sqlite(db):
        chunks = [(f"IN ({statements.marks(db, len(c))})", c) for c in (paths[i:i + 500] for i in range(0, len(paths), 500))]
    else:
        chunks = [(f"= ANY({m})", [paths])] if paths else []
    for cond, args in chunks:
        for path, size, mtime_ns, sha in db.execute_sql(
                f"SELECT path, size, mtime_ns, sha256 FROM library_files WHERE library_id = {m} AND path {cond}",
                [library_id, *args]).fetchall():
            out[path] = (size, mtime_ns, sha)
    return out


def published_by_us(db, library_id: int, entries: list) -> set[str]:
    """The paths among walked `entries` (path, size, mtime_ns, …) that are exactly as Metarr wrote
    them: a scan reports those as Metarr's own, not as new or changed files of the user's."""
    by_path = {e[0]: e for e in entries}
    paths = list(by_path)
    out = set()
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        for path, size, mtime_ns in db.execute_sql(
                f"SELECT path, size, mtime_ns FROM library_files WHERE library_id = {statements.mark(db)} "
                f"AND path IN ({statements.marks(db, len(chunk))})", [library_id, *chunk]).fetchall():
            e = by_path[path]
            if e[1] == size and e[2] == mtime_ns:
                out.add(path)
    return out


def link(db, files: dict[str, MediaFile], owned: list[Owned], entity_type: str, entity_id: int) -> None:
    todo = {}
    for o in owned:
        f = files.get(o.path)
        if f is not None and (f.entity_type, f.entity_id, f.kind, f.role) != (entity_type, entity_id, o.kind, o.role):
            todo[f.id] = (o.kind, o.role)
    statements.update_many(db, MediaFile, ("entity_type", "entity_id", "kind", "role"), "id",
                           [(entity_type, entity_id, k, r, fid) for fid, (k, r) in todo.items()])
