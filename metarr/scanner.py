"""Applying a scan to the database: change detection, moves, soft deletes, items per unit,
NFO import, local artwork into the cache, stream probing.

Only units (top-level folders) with a new, changed, moved or deleted file are regrouped, so a
rescan of an unchanged library costs the walk plus one read of the file rows.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import peewee as pw

from . import cache, nfo_map
from . import metadata as md
from .db import statements
from .db.database import is_sqlite, write_tx
from .db.media import (
    Album,
    Artist,
    ArtworkSlot,
    CastMember,
    Episode,
    LibraryFile,
    MediaFile,
    Movie,
    ScanBacklog,
    Season,
    Series,
    Track,
)
from .db.models import Job, Library
from .nfo.read import parse_nfo
from .scanning.group import AlbumItem, ArtistItem, EpisodeItem, MovieItem, Owned, ShowItem, group_unit
from .scanning.probe_pool import ProbePool
from .scanning.tags import read_tags
from .scanning.walk import DEFAULT_IGNORE, FileEntry, compile_ignore, unit_of, walk

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int, str], None]
ROOT_KIND = {"movie": "movie", "tv": "series", "music": "artist"}
MEDIA_KINDS = ("video",)


@dataclass
class ScanReport:
    library_id: int
    files: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    units: int = 0
    created: int = 0
    removed: int = 0
    restored: int = 0
    probes: int = 0
    nfo_imported: int = 0
    art_imported: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, int]] = field(default_factory=list)   # root entities to enrich/publish
    walk_s: float = 0.0
    total_s: float = 0.0

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k not in ("problems", "targets")}
        d["problems"] = [{"path": p, "problem": m} for p, m in self.problems[:500]]
        d["problem_count"] = len(self.problems)
        d["targets"] = len(self.targets)
        return d


@dataclass
class ScanMemo:
    """What a long-lived scanner remembers between scans: per library, the last whole-library walk
    and the `files_version` of the rows it matched. While that version stands, a walk equal to the
    remembered one proves that nothing changed, without reading the library's file rows (most of a
    no-change rescan's cost beyond the walk itself). Every process keeps its own; the version lives
    in the database, so a change recorded by any process makes the memory useless, never wrong."""
    walks: dict[int, tuple[str, list[tuple[str, int, int, int]]]] = field(default_factory=dict)

    def vouches(self, library_id: int, version: str | None, files: list) -> bool:
        """Whether the library's live rows are known to hold exactly `files` (a walk): the remembered
        walk is this one and its version still stands (tokens never repeat)."""
        remembered = self.walks.get(library_id)
        return remembered is not None and version is not None and remembered == (version, files)

    def remember(self, library_id: int, version: str | None, files: list) -> None:
        """The rows hold `files` under `version`; None: nothing is known (forget the library)."""
        if version is None:
            self.walks.pop(library_id, None)
        else:
            self.walks[library_id] = (version, files)


@dataclass(frozen=True)
class ScanContext:
    """Extra knowledge from a webhook: ids and whether the file replaced an older one."""
    ids: dict[str, Any] = field(default_factory=dict)
    upgrade: bool = False
    trigger: str = "scan"


def _noop(*_a) -> None:
    pass


def _under(db, column: str, prefix: str) -> tuple[str, list]:
    """SQL for `column` inside folder `prefix` ('' = everything), in a form an index on the column can
    seek to: a test like substr() = … reads every row of the library, once per folder of a scan.
    SQLite compares text byte by byte, so the folder and everything in it lie in [prefix, prefix0) ('0'
    follows '/'); PostgreSQL's collation may not be byte order, so it gets an escaped LIKE."""
    if not prefix:
        return "", []
    if is_sqlite(db):   # the range to seek (it may hold a few neighbours like "prefix-2"), then the exact test
        return (f" AND {column} >= ? AND {column} < ? AND ({column} = ? OR substr({column}, 1, {len(prefix) + 1}) = ?)",
                [prefix, prefix + "0", prefix, prefix + "/"])
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    return f" AND ({column} = %s OR {column} LIKE %s)", [prefix, pattern]


def _unit_filter(db, unit: str, column: str = "path") -> tuple[str, list]:
    if unit == "":
        return f" AND {column} NOT LIKE '%%/%%'" if not is_sqlite(db) else f" AND {column} NOT LIKE '%/%'", []
    return _under(db, column, unit)


def scan(db, data_dir: Path, lib: Library, sub: str = "", progress: Progress = _noop,
         context: ScanContext | None = None, probe_workers: int = 2, extra_ignore: list[str] | None = None,
         do_probe: bool = True, job_id: int | None = None, memo: ScanMemo | None = None,
         probe_pool: ProbePool | None = None, probe_timeout: float = 30.0) -> ScanReport:
    """`probe_pool`: the caller's started pool of probe processes (the service keeps one); without
    it the scan starts and stops one of `probe_workers` for its new videos. `job_id`: the scan job this runs in; its backlog rows live until that job has succeeded (a
    scan outside a job drops them as soon as each folder is applied). `memo`: the caller's
    ScanMemo, kept across its scans (a whole-library rescan that finds nothing new then reads no
    file rows)."""
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
    cond, args = _under(db, "path", sub)
    # the version the live rows had before they are read: the walk is remembered under it only if it
    # still stands once they are read (or, when this scan writes, inside its write transaction)
    version = _files_version(db, lib.id)
    trusted = None   # the files_version under which the live rows are known to equal this walk
    if memo is not None and not sub and memo.vouches(lib.id, version, w.files):
        unchanged = True   # the rows still match this very walk: no read of them needed
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
        if unchanged and version is not None and _files_version(db, lib.id) == version:
            trusted = version   # tokens never repeat: no change was committed while the rows were read
    files = [] if unchanged else [FileEntry._make(t) for t in w.files]
    rows = [] if unchanged else db.execute_sql(
        f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files WHERE library_id = {p}" + cond,
        [lib.id, *args]).fetchall()
    seen = {f.path: f for f in files}
    progress("diff", 0, len(rows), "")
    existing = {r[1]: r for r in rows}
    new = [f for f in files if f.path not in existing]
    changed = [f for path, f in seen.items() if (r := existing.get(path)) is not None
               and (r[2] != f.size or r[3] != f.mtime_ns or r[4] != f.inode or r[5] is not None)]
    missing = [r for path, r in existing.items() if path not in seen and r[5] is None]
    moves = match_moves(missing, new)
    moved_rows = {r[0] for r, _ in moves}
    moved_new = {f.path for _, f in moves}
    missing = [r for r in missing if r[0] not in moved_rows]
    new = [f for f in new if f.path not in moved_new]
    rep.new, rep.changed, rep.moved, rep.deleted = len(new), len(changed), len(moves), len(missing)
    units = {unit_of(f.path) for f in new} | {unit_of(f.path) for f in changed} | {unit_of(r[1]) for r in missing}
    units |= {unit_of(r[1]) for r, _ in moves} | {unit_of(f.path) for _, f in moves}
    if context.upgrade and sub:
        units.add(unit_of(sub))
    now = time.time()
    touched_files = {f.path for f in new} | {f.path for f in changed} | {f.path for _, f in moves}
    # what an earlier, interrupted scan recorded but did not apply
    backlog = _backlog(db, lib.id, job_id)
    for unit, (_, paths) in backlog.items():
        units.add(unit)
        touched_files |= paths
    if new or changed or missing or moves:
        recorded, trusted = _record_files(db, lib, new, changed, missing, moves, units - set(backlog),
                                          touched_files, job_id, now, version)
        backlog.update(recorded)
    if memo is not None and not sub:   # trusted None: never written, or changed by another scan meanwhile
        memo.remember(lib.id, trusted, w.files)
    units_sorted = sorted(units)
    applied: list[int] = []
    for i, unit in enumerate(units_sorted):
        progress("units", i, len(units_sorted), unit or "/")
        try:
            _apply_unit(db, data_dir, lib, unit, touched_files, context, rep, now)
        except Exception as e:  # one broken folder must not stop the library
            log.exception("scan of %s/%s failed", lib.path, unit)
            rep.problems.append((unit or "/", f"could not be processed: {type(e).__name__}: {e}"))
        if job_id is None:
            applied += backlog.get(unit, ((), ()))[0]
        if applied and (len(applied) >= 100 or i == len(units_sorted) - 1):
            with write_tx(db):
                ScanBacklog.delete().where(ScanBacklog.id.in_(applied)).execute()
            applied = []
    rep.units = len(units_sorted)
    if do_probe:
        _probe_pending(db, lib, sub, probe_workers, rep, progress, probe_pool, probe_timeout)
    with write_tx(db):
        Library.update(last_scan_at=time.time()).where(Library.id == lib.id).execute()
    rep.total_s = time.monotonic() - t0
    progress("done", 1, 1, "")
    return rep


# ------------------------------------------------------------------ files

def match_moves(missing: list, new: list[FileEntry]) -> list[tuple[Any, FileEntry]]:
    """A file that vanished while one with its inode and size appeared was moved or renamed. Only
    unambiguous pairs count: inode 0 (some network filesystems) or shared keys (hard links) never do."""
    by_key: dict[tuple[int, int], list[FileEntry]] = {}
    for f in new:
        if f.inode:
            by_key.setdefault((f.inode, f.size), []).append(f)
    gone: dict[tuple[int, int], list] = {}
    for r in missing:
        if r[4]:
            gone.setdefault((r[4], r[2]), []).append(r)
    return [(rows[0], by_key[k][0]) for k, rows in gone.items() if len(rows) == 1 and len(by_key.get(k, ())) == 1]


def _backlog(db, library_id: int, job_id: int | None) -> dict[str, tuple[list[int], set[str]]]:
    """unit -> (backlog row ids, touched paths) of scans whose job has not succeeded: interrupted
    ones (this job's earlier try among them). Rows of succeeded jobs are dropped here."""
    rows = list(ScanBacklog.select().where(ScanBacklog.library_id == library_id).order_by(ScanBacklog.id))
    if not rows:   # the usual case: no write (a no-change rescan stays a read-only walk)
        return {}
    done = {j.id for j in Job.select(Job.id).where((Job.status == "succeeded")
                                                   & Job.id.in_(sorted({r.job_id for r in rows if r.job_id is not None})))}
    if done:
        with write_tx(db):
            ScanBacklog.delete().where(ScanBacklog.job_id.in_(done)).execute()
    out: dict[str, tuple[list[int], set[str]]] = {}
    for r in rows:
        if r.job_id in done:
            continue
        ids, paths = out.setdefault(r.unit, ([], set()))
        ids.append(r.id)
        paths.update(r.paths or ())
    return out


def _files_version(db, library_id: int, lock: bool = False) -> str | None:
    """`lock`: inside a write transaction, hold the library row until it ends (PostgreSQL; SQLite
    has one writer at a time anyway)."""
    row = db.execute_sql(f"SELECT files_version FROM libraries WHERE id = {statements.mark(db)}"
                         + (" FOR UPDATE" if lock and not is_sqlite(db) else ""), (library_id,)).fetchone()
    return row[0] if row else None


def _record_files(db, lib: Library, new: list[FileEntry], changed: list[FileEntry], missing: list, moves: list,
                  units: set[str], touched: set[str], job_id: int | None, now: float, read_version: str | None
                  ) -> tuple[dict[str, tuple[list[int], set[str]]], str | None]:
    """Record the file changes, and in the same transaction the units still to apply (returned as
    backlog entries, deleted as each unit is applied) and a new files_version. The version is
    returned if the rows were still those read under `read_version` (then they now hold exactly
    the walk), else None: another scan changed them meanwhile (a folder scan beside this one).
    The only writer of a file row's path, size, mtime, inode and deletion: any other must replace
    the library's files_version in its transaction as well, or a ScanMemo would trust stale rows."""
    from .scanning.classify import classify
    by_unit: dict[str, set[str]] = {u: set() for u in units}
    for path in touched:
        u = unit_of(path)
        if u in by_unit:
            by_unit[u].add(path)
    out: dict[str, tuple[list[int], set[str]]] = {}
    with write_tx(db):
        # NULL (never written) matches too: nothing ever sets the version back to NULL
        untouched = _files_version(db, lib.id, lock=True) == read_version
        for unit, paths in sorted(by_unit.items()):
            bid = ScanBacklog.insert(library_id=lib.id, unit=unit, paths=sorted(paths), job_id=job_id,
                                     created_at=now).execute()
            out[unit] = ([bid], paths)
        for i in range(0, len(new), 500):
            MediaFile.insert_many([dict(library_id=lib.id, path=f.path, size=f.size, mtime_ns=f.mtime_ns,
                                        inode=f.inode, kind=classify(f.path, lib.kind).kind, first_seen=now,
                                        updated_at=now) for f in new[i:i + 500]]).execute()
        for f in changed:
            # content changed: old stream details and hashes no longer hold
            MediaFile.update(size=f.size, mtime_ns=f.mtime_ns, inode=f.inode, deleted_at=None, updated_at=now,
                             probed_at=None, streams=None, probe_error=None, sha256=None).where(
                (MediaFile.library_id == lib.id) & (MediaFile.path == f.path)).execute()
        for r, f in moves:
            MediaFile.update(path=f.path, mtime_ns=f.mtime_ns, updated_at=now, deleted_at=None).where(
                MediaFile.id == r[0]).execute()
        ids = [r[0] for r in missing]
        for i in range(0, len(ids), 500):
            MediaFile.update(deleted_at=now, updated_at=now).where(MediaFile.id.in_(ids[i:i + 500])).execute()
        version = uuid.uuid4().hex
        statements.update(db, Library, {"files_version": version}, id=lib.id)
    return out, version if untouched else None


def _unit_files(db, lib: Library, unit: str) -> dict[str, MediaFile]:
    cond, args = _unit_filter(db, unit)
    rows = MediaFile.raw(f"SELECT * FROM media_files WHERE library_id = {'?' if is_sqlite(db) else '%s'} "
                         f"AND deleted_at IS NULL{cond}", lib.id, *args)
    return {r.path: r for r in rows}


def _our_own(lib: Library, files: dict[str, MediaFile]) -> set[str]:
    """Files exactly as Metarr published them: seeing them is not a change of the item (else every
    publish into a watched library would set off another round of the chain)."""
    from .db.media import LibraryFile
    paths = list(files)
    out = set()
    db = LibraryFile._meta.database
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        for path, size, mtime_ns in db.execute_sql(
                f"SELECT path, size, mtime_ns FROM library_files WHERE library_id = {statements.mark(db)} "
                f"AND path IN ({statements.marks(db, len(chunk))})", [lib.id, *chunk]).fetchall():
            f = files[path]
            if f.size == size and f.mtime_ns == mtime_ns:
                out.add(path)
    return out


def _link(db, files: dict[str, MediaFile], owned: list[Owned], entity_type: str, entity_id: int) -> None:
    todo = {}
    for o in owned:
        f = files.get(o.path)
        if f is not None and (f.entity_type, f.entity_id, f.kind, f.role) != (entity_type, entity_id, o.kind, o.role):
            todo[f.id] = (o.kind, o.role)
    statements.update_many(db, MediaFile, ("entity_type", "entity_id", "kind", "role"), "id",
                           [(entity_type, entity_id, k, r, fid) for fid, (k, r) in todo.items()])


# ------------------------------------------------------------------ units

def _apply_unit(db, data_dir: Path, lib: Library, unit: str, touched: set[str], ctx: ScanContext, rep: ScanReport,
                now: float) -> None:
    files = _unit_files(db, lib, unit)
    touched = touched - _our_own(lib, files)
    plan = group_unit(lib.kind, list(files))
    rep.problems += plan.notes
    ids: dict[str, int] = {}   # movie key -> row id, for the artwork import
    with write_tx(db):
        for o in plan.unowned:
            if o.path in files:
                MediaFile.update(entity_type=None, entity_id=None, kind=o.kind, role=o.role).where(
                    MediaFile.id == files[o.path].id).execute()
        if lib.kind == "movie":
            movies = _unit_movies(db, lib, unit, files)
            kept = [_apply_movie(db, lib, m, files, touched, ctx, rep, now, movies) for m in plan.items]
            _soft_delete(Movie, [r.id for r in movies.by_key.values() if r.deleted_at is None and r.id not in kept],
                         rep, now)
            ids = dict(zip((m.key for m in plan.items), kept, strict=True))
        elif lib.kind == "tv":
            kept = [_apply_show(db, lib, s, files, touched, ctx, rep, now) for s in plan.items]
            _retire(Series, lib, unit, kept, rep, now, db)
        else:
            kept = [_apply_artist(db, lib, a, files, touched, ctx, rep, now) for a in plan.items]
            _retire(Artist, lib, unit, kept, rep, now, db)
    # slower work outside the unit's transaction: artwork into the cache
    for item in plan.items:
        _import_art(db, data_dir, lib, item, files, touched, rep, ids.get(item.key))


@dataclass
class _MovieRow:
    """What the scan of a unit needs of a movie row (entity rows are wide)."""
    id: int
    key: str
    folder: str
    disc: bool
    deleted_at: float | None
    title: str
    parsed: dict | None


@dataclass
class _UnitMovies:
    """A unit's movies, soft-deleted ones too, by key; `orphans`: those whose video is gone (their key
    is not among the unit's live files), the only rows an upgrade may take over. Kept up to date as
    the unit's items are applied (an orphan taken over leaves the list; new rows are never orphans)."""
    by_key: dict[str, _MovieRow]
    orphans: list[_MovieRow]


def _unit_movies(db, lib: Library, unit: str, files: dict[str, MediaFile]) -> _UnitMovies:
    """Read once per unit: every movie of a unit has its key under the unit's folder (or no folder at
    all for the library root)."""
    cond, args = _unit_filter(db, unit, "key")
    sql = (f"SELECT id, key, folder, disc, deleted_at, title, parsed FROM movies "
           f"WHERE library_id = {'?' if is_sqlite(db) else '%s'}{cond} ORDER BY id")
    parsed = Movie.parsed.python_value
    rows = [_MovieRow(r[0], r[1], r[2], bool(r[3]), r[4], r[5], parsed(r[6]))
            for r in db.execute_sql(sql, [lib.id, *args]).fetchall()]
    return _UnitMovies({r.key: r for r in rows}, [r for r in rows if r.key not in files])


def _soft_delete(model, ids: list[int], rep: ScanReport, now: float) -> None:
    """Entities that no longer have files are soft-deleted (restorable), in one statement."""
    if ids:
        model.update(deleted_at=now, updated_at=now).where(model.id.in_(ids)).execute()
        rep.removed += len(ids)


def _retire(model, lib: Library, unit: str, kept: list[int], rep: ScanReport, now: float, db) -> None:
    """Shows or artists of this unit that no longer have files are soft-deleted."""
    if unit == "":
        return   # shows and artists are folders: loose files in the root never hold one
    cond, args = _under(db, "key", unit)
    base = f"SELECT id FROM {model._meta.table_name} WHERE library_id = {'?' if is_sqlite(db) else '%s'} AND deleted_at IS NULL"
    _soft_delete(model, [eid for (eid,) in db.execute_sql(base + cond, [lib.id, *args]).fetchall() if eid not in kept],
                 rep, now)


def _retire_children(model, parent_col, parent_id: int, keep: set[int] | list[int], now: float) -> None:
    """Children (episodes, albums) whose files are gone are soft-deleted (restorable)."""
    for child in model.select(model.id).where((parent_col == parent_id) & model.deleted_at.is_null(True)):
        if child.id not in keep:
            model.update(deleted_at=now, updated_at=now).where(model.id == child.id).execute()


def _get_or_create(model, entity_type: str, lib: Library, key: str, name_field: str, values: dict, rep: ScanReport,
                   now: float):
    """(row, created): an existing item by key (restored if it was soft-deleted) or a new one whose
    name comes from the file system (provenance `name`)."""
    row = model.get_or_none((model.library_id == lib.id) & (model.key == key))
    if row is None:
        row = _new_entity(model, library_id=lib.id, key=key, **values)
        md.set_state(entity_type, row.id, name_field, "name")
        rep.created += 1
        return row, True
    if row.deleted_at is not None:
        model.update(deleted_at=None, updated_at=now).where(model.id == row.id).execute()
        rep.restored += 1
    return row, False


def _new_entity(model, **values):
    now = time.time()
    values = {"date_added": now, "created_at": now, "updated_at": now, **values}
    return model(id=statements.insert(model._meta.database, model, values), **values)


def _fill(entity_type: str, eid: int, values: dict, source: str) -> None:
    """Fill only empty, never-set fields: names, tags and webhook context are weak sources."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if not values:
        return
    states = md.load_states(entity_type, eid)
    model = md.ENTITY_MODELS[entity_type]
    row = model.select(*(getattr(model, k) for k in values)).where(model.id == eid).get()
    changes = {k: v for k, v in values.items() if k not in states and getattr(row, k) in (None, "")}
    if changes:
        model.update(**changes).where(model.id == eid).execute()
        md.set_states(entity_type, eid, list(changes), source)


def _ids_update(ids: dict[str, Any], kind: str) -> dict:
    out = {}
    if ids.get("tmdb"):
        out["tmdb_id"] = int(ids["tmdb"])
    if ids.get("imdb") and str(ids["imdb"]).startswith("tt"):
        out["imdb_id"] = str(ids["imdb"])
    if ids.get("tvdb") and kind != "artist":
        out["tvdb_id"] = int(ids["tvdb"])
    if ids.get("musicbrainz_artist") and kind == "artist":
        out["musicbrainz_id"] = ids["musicbrainz_artist"]
    return out


@lru_cache(maxsize=16)
def _identified_sql(model, sqlite: bool) -> str | None:
    has = []
    for f in ("tmdb_id", "imdb_id", "tvdb_id", "musicbrainz_id"):
        if hasattr(model, f):
            empty = "0" if isinstance(getattr(model, f), pw.IntegerField) else "''"
            has.append(f"({f} IS NOT NULL AND {f} <> {empty})")
    if not has:
        return None
    return (f"UPDATE {model._meta.table_name} SET state = 'identified' WHERE id = {'?' if sqlite else '%s'} "
            f"AND state IN ('discovered', 'unidentified') AND ({' OR '.join(has)})")


def _identified(model, eid: int) -> None:
    """An item that has an id now is `identified` (one conditional UPDATE, no read first)."""
    db = model._meta.database
    sql = _identified_sql(model, is_sqlite(db))
    if sql:
        db.execute_sql(sql, (eid,))


def _fresh(entity_type: str, values: dict[str, Any], name_field: str) -> tuple[dict, dict]:
    """The current values and field states of a row this scan just created (its name from the file
    system): what the NFO import would otherwise read back with four queries."""
    return md.fresh_current(entity_type, values), {name_field: md.State("name", False)}


def _hand_edited(library_id: int, path: str, data: bytes) -> bool:
    ours = LibraryFile.get_or_none((LibraryFile.library_id == library_id) & (LibraryFile.path == path))
    return ours is not None and ours.sha256 != hashlib.sha256(data).hexdigest()


def _import_nfo(db, entity_type: str, eid: int, path: str, lib: Library, rep: ScanReport, converter,
                known: tuple[dict, dict] | None = None) -> Any:
    full = Path(lib.path) / path
    try:
        data = full.read_bytes()
    except OSError as e:
        rep.problems.append((path, f"NFO unreadable: {e.strerror or e}"))
        return None
    res = parse_nfo(data)
    for w in res.warnings:
        rep.problems.append((path, f"NFO warning: {w}"))
    if res.error is not None:
        rep.problems.append((path, f"NFO {res.error.code}: {res.error.reason}"))
    if res.doc is None:
        if res.ids:  # a URL-only or broken NFO still names the item
            _fill(entity_type, eid, _ids_update(dict(res.ids), entity_type), "nfo")
        return None
    doc = res.doc
    if entity_type == "episode" and hasattr(doc, "episodes"):
        return doc  # the caller picks the matching <episodedetails>
    update = converter(doc)
    if _hand_edited(lib.id, path, data):
        # an NFO Metarr wrote, changed since by hand: what the user changed there is theirs (locked);
        # everything they left as it was keeps its provenance
        update = dataclasses.replace(update, lock=True)
    md.apply(db, entity_type, eid, update, known=known)
    model = md.ENTITY_MODELS[entity_type]
    if getattr(doc, "unknown", None):
        model.update(nfo_unknown=list(doc.unknown)).where(model.id == eid).execute()
    rep.nfo_imported += 1
    return doc


def _apply_movie(db, lib: Library, m: MovieItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                 rep: ScanReport, now: float, movies: _UnitMovies) -> int:
    """`movies`: the unit's movies (`_unit_movies`), kept up to date here."""
    row = movies.by_key.get(m.key)
    if row is None and m.folder:
        # an upgrade or rename: a movie of this folder whose video is gone takes the new file, if it
        # is the same film (a webhook says so, or the names agree) — never a neighbour in a shared folder
        from .scoring import norm_title
        for cand in movies.orphans:
            if cand.folder == m.folder and (
                    ctx.upgrade or norm_title((cand.parsed or {}).get("title") or cand.title) == norm_title(m.title.title)):
                Movie.update(key=m.key, updated_at=now, deleted_at=None).where(Movie.id == cand.id).execute()
                movies.orphans.remove(cand)
                del movies.by_key[cand.key]
                cand.key, cand.deleted_at = m.key, None
                movies.by_key[m.key] = row = cand
                break
    created = row is None
    if created:
        parsed = {"title": m.title.title, "year": m.title.year, "source": m.title.source}
        new = _new_entity(Movie, library_id=lib.id, key=m.key, folder=m.folder, title=m.title.title, year=m.title.year,
                          disc=m.disc, parsed=parsed)
        row = movies.by_key[m.key] = _MovieRow(new.id, m.key, m.folder, m.disc, None, m.title.title, parsed)
        md.set_state("movie", row.id, "title", "name")
        rep.created += 1
    elif row.deleted_at is not None:
        Movie.update(deleted_at=None, updated_at=now).where(Movie.id == row.id).execute()
        row.deleted_at = None
        rep.restored += 1
    if row.folder != m.folder or row.disc != m.disc:
        Movie.update(folder=m.folder, disc=m.disc).where(Movie.id == row.id).execute()
        row.folder, row.disc = m.folder, m.disc
    _link(db, files, m.files, "movie", row.id)
    if m.nfo and (created or m.nfo in touched):
        known = _fresh("movie", {"title": m.title.title, "year": m.title.year}, "title") if created else None
        _import_nfo(db, "movie", row.id, m.nfo, lib, rep, nfo_map.movie_update, known)
    _fill("movie", row.id, _ids_update(m.ids, "movie"), "name")
    if ctx.ids:
        _fill("movie", row.id, _ids_update(ctx.ids, "movie"), "webhook")
    _identified(Movie, row.id)
    if created or any(o.path in touched for o in m.files):
        rep.targets.append(("movie", row.id))
    return row.id


def _apply_show(db, lib: Library, s: ShowItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                rep: ScanReport, now: float) -> int:
    values = {"title": s.title.title, "year": s.title.year}
    row, created = _get_or_create(Series, "series", lib, s.key, "title",
                                  {**values, "parsed": {**values, "source": s.title.source}}, rep, now)
    _link(db, files, s.files, "series", row.id)
    if s.nfo and (created or s.nfo in touched):
        _import_nfo(db, "series", row.id, s.nfo, lib, rep, nfo_map.series_update,
                    _fresh("series", values, "title") if created else None)
    _fill("series", row.id, _ids_update(s.ids, "series"), "name")
    if ctx.ids:
        _fill("series", row.id, _ids_update(ctx.ids, "series"), "webhook")
    _identified(Series, row.id)
    seasons = {x.number: x for x in Season.select().where(Season.series_id == row.id)}
    present: set[int] = set()
    changed = created or any(o.path in touched for o in s.files)
    for e in s.episodes:
        if e.season not in seasons:
            seasons[e.season] = _new_entity(Season, series_id=row.id, number=e.season, library_id=lib.id)
        present |= set(_apply_episodes(db, lib, row.id, e, files, touched, rep, now))
        changed = changed or any(o.path in touched for o in e.files)
    _retire_children(Episode, Episode.series_id, row.id, present, now)
    if changed:
        rep.targets.append(("series", row.id))
    return row.id


def _apply_episodes(db, lib: Library, series_id: int, e: EpisodeItem, files: dict[str, MediaFile], touched: set[str],
                    rep: ScanReport, now: float) -> list[int]:
    f = files.get(e.path)
    ids = []
    for part, number in enumerate(e.episodes):
        ep = Episode.get_or_none((Episode.series_id == series_id) & (Episode.season == e.season)
                                 & (Episode.episode == number))
        if ep is None:
            ep = _new_entity(Episode, series_id=series_id, season=e.season, episode=number, library_id=lib.id,
                             absolute=e.absolute, aired=e.air_date, title=(e.title if len(e.episodes) == 1 else None) or "",
                             file_id=f.id if f else None, part=part)
            rep.created += 1
        else:
            Episode.update(file_id=f.id if f else None, part=part, deleted_at=None, updated_at=now).where(
                Episode.id == ep.id).execute()
        ids.append(ep.id)
    if f is not None:
        _link(db, files, e.files, "episode", ids[0])
    if e.nfo and (e.nfo in touched or e.path in touched):
        doc = _import_nfo(db, "episode", ids[0], e.nfo, lib, rep, nfo_map.episode_update)
        for sub in getattr(doc, "episodes", ()) or ():
            target = next((i for i, n in zip(ids, e.episodes, strict=True)
                           if n == sub.episode and (sub.season is None or sub.season == e.season)), None)
            if target:
                md.apply(db, "episode", target, nfo_map.episode_update(sub))
                rep.nfo_imported += 1
    return ids


def _apply_artist(db, lib: Library, a: ArtistItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                  rep: ScanReport, now: float) -> int:
    first_tags = None
    for al in a.albums:
        if al.tracks:
            first_tags = read_tags(str(Path(lib.path) / al.tracks[0][0]))
            break
    name = (first_tags.album_artist or first_tags.artist) if first_tags and not first_tags.error else None
    row, created = _get_or_create(Artist, "artist", lib, a.key, "name", {"name": name or a.name}, rep, now)
    _link(db, files, a.files, "artist", row.id)
    if a.nfo and (created or a.nfo in touched):
        _import_nfo(db, "artist", row.id, a.nfo, lib, rep, nfo_map.artist_update,
                    _fresh("artist", {"name": name or a.name}, "name") if created else None)
    if first_tags and first_tags.mb_artist_id:
        _fill("artist", row.id, {"musicbrainz_id": first_tags.mb_artist_id}, "local")
    if ctx.ids:
        _fill("artist", row.id, _ids_update(ctx.ids, "artist"), "webhook")
    _identified(Artist, row.id)
    kept, changed = [], created
    for al in a.albums:
        kept.append(_apply_album(db, lib, row.id, al, files, touched, rep, now))
        changed = changed or any(o.path in touched for o in al.files)
    _retire_children(Album, Album.artist_id, row.id, set(kept), now)
    if changed:
        rep.targets.append(("artist", row.id))
    return row.id


def _apply_album(db, lib: Library, artist_id: int, al: AlbumItem, files: dict[str, MediaFile], touched: set[str],
                 rep: ScanReport, now: float) -> int:
    existing = Album.get_or_none((Album.library_id == lib.id) & (Album.key == al.key))
    touched_tracks = existing is None or any(t[0] in touched for t in al.tracks)
    tags = read_tags(str(Path(lib.path) / al.tracks[0][0])) if touched_tracks and al.tracks else None
    title = (tags.album if tags and tags.album else None) or al.title.title or "Unknown album"
    row, created = _get_or_create(Album, "album", lib, al.key, "title",
                                  {"artist_id": artist_id, "title": title,
                                   "year": al.title.year or (tags.year if tags else None)}, rep, now)
    _link(db, files, al.files, "album", row.id)
    if tags and not tags.error:
        _fill("album", row.id, {"musicbrainz_id": tags.mb_release_group_id,
                                "musicbrainz_release_id": tags.mb_release_id}, "local")
    if al.nfo and (created or al.nfo in touched):
        _import_nfo(db, "album", row.id, al.nfo, lib, rep, nfo_map.album_update)
    if created or any(t[0] in touched for t in al.tracks):
        Track.delete().where(Track.album_id == row.id).execute()
        Track.insert_many([dict(album_id=row.id, file_id=files[p].id if p in files else None, number=n, disc=d,
                                title=t) for p, d, n, t in al.tracks]).execute() if al.tracks else None
    _identified(Album, row.id)
    return row.id


# ------------------------------------------------------------------ local artwork

def _row_id(model, lib: Library, key: str):
    """The item's row with its id only (entity rows are wide; selecting them all is most of a lookup)."""
    return model.select(model.id).where((model.library_id == lib.id) & (model.key == key)).first()


def _art_targets(lib: Library, item, movie_id: int | None) -> list[tuple[str, int, str, int | None, str]]:
    """(entity type, id, slot, season, path) for the artwork files an item owns. `movie_id`: a
    movie item's row (the unit's apply step has it)."""
    out = []
    if isinstance(item, MovieItem):
        if movie_id is not None:
            out += [("movie", movie_id, slot, None, p) for slot, p in item.art.items()]
    elif isinstance(item, ShowItem):
        row = _row_id(Series, lib, item.key)
        if row:
            for slot, p in item.art.items():
                if slot.startswith("season:"):
                    _, number, art = slot.split(":")
                    if number == "all":
                        continue
                    season = Season.get_or_none((Season.series_id == row.id) & (Season.number == int(number)))
                    if season is None:
                        season = _new_entity(Season, series_id=row.id, number=int(number), library_id=lib.id)
                    out.append(("season", season.id, art, None, p))
                else:
                    out.append(("series", row.id, slot, None, p))
            for e in item.episodes:
                ep = Episode.get_or_none((Episode.series_id == row.id) & (Episode.season == e.season)
                                         & (Episode.episode == e.episodes[0]))
                if ep:
                    out += [("episode", ep.id, slot, None, p) for slot, p in e.art.items()]
    elif isinstance(item, ArtistItem):
        row = _row_id(Artist, lib, item.key)
        if row:
            out += [("artist", row.id, slot, None, p) for slot, p in item.art.items()]
            for al in item.albums:
                arow = Album.get_or_none((Album.library_id == lib.id) & (Album.key == al.key))
                if arow:
                    out += [("album", arow.id, slot, None, p) for slot, p in al.art.items()]
    return out


@dataclass(frozen=True)
class _Slot:
    """What the artwork import needs of a slot's current choice."""
    id: int
    cache_file_id: int
    source: str


def _slot_states(db, targets: list) -> tuple[dict[tuple, _Slot], set[tuple]]:
    """The current first-rank slots and the locked art fields of the entities in `targets`, read
    with one query each per entity type instead of two per image."""
    slots: dict[tuple, _Slot] = {}
    locked: set[tuple] = set()
    by_type: dict[str, set[int]] = {}
    for et, eid, *_ in targets:
        by_type.setdefault(et, set()).add(eid)
    sqlite = is_sqlite(db)
    # psycopg reads '%' as the start of a placeholder: a literal one is written twice there
    p, art, true = statements.mark(db), *(("'art:%'", "1") if sqlite else ("'art:%%'", "TRUE"))
    for et, ids in by_type.items():
        marks = statements.marks(db, len(ids))
        args = [et, *sorted(ids)]
        for sid, eid, slot, cid, source in db.execute_sql(
                f"SELECT id, entity_id, slot, cache_file_id, source FROM artwork_slots WHERE entity_type = {p} "
                f"AND entity_id IN ({marks}) AND rank = 0", args).fetchall():
            slots[(et, eid, slot)] = _Slot(sid, cid, source)
        for eid, fld in db.execute_sql(
                f"SELECT entity_id, field FROM field_states WHERE entity_type = {p} AND entity_id IN ({marks}) "
                f"AND field LIKE {art} AND locked = {true}", args).fetchall():
            locked.add((et, eid, fld[4:]))
    return slots, locked


def _import_art(db, data_dir: Path, lib: Library, item, files: dict[str, MediaFile], touched: set[str],
                rep: ScanReport, movie_id: int | None) -> None:
    """Copy the user's own artwork into the cache before anything could replace it, and use it for
    the slot unless the slot is locked or already holds a choice of the user's."""
    store = None
    targets = _art_targets(lib, item, movie_id)
    slots, locked = _slot_states(db, targets)
    stored = []
    for et, eid, slot, season, path in targets:
        have = slots.get((et, eid, slot))
        if path not in touched and have is not None:
            continue
        store = store or cache.open_store(data_dir)
        try:
            asset = store.ingest_file(Path(lib.path) / path, "assets")   # a copy; the user's file is never touched
        except Exception as e:  # ImageRejected and I/O errors: reported, the file stays as it is
            rep.problems.append((path, f"artwork not imported: {getattr(e, 'reason', None) or e}"))
            continue
        rep.art_imported += 1
        stored.append((et, eid, slot, season, path, have, asset))
    if not stored:
        return _import_actor_images(db, data_dir, lib, item, files, touched, rep)
    now = time.time()
    new_slots, states = [], {}
    with write_tx(db):   # the item's artwork rows in one transaction, a statement per kind of row
        rows = cache.record_rows(db, data_dir, [s[-1] for s in stored], "local")
        ingested = [(*s[:-1], cf) for s, cf in zip(stored, rows, strict=True)]
        shas = {files[path].id: cf.sha256 for *_, path, _, cf in ingested if path in files}
        statements.update_many(db, MediaFile, ("sha256",), "id", [(sha, fid) for fid, sha in shas.items()])
        for et, eid, slot, season, _path, have, cf in ingested:
            if (et, eid, slot) in locked or (have is not None and have.source in ("user", "upload")):
                continue
            if have is None:
                new_slots.append(dict(entity_type=et, entity_id=eid, slot=slot, season=season, rank=0,
                                      cache_file_id=cf.id, source="local", updated_at=now))
            elif have.cache_file_id != cf.id and have.source == "local":
                statements.update(db, ArtworkSlot, {"cache_file_id": cf.id, "updated_at": now}, id=have.id)
            states.setdefault((et, eid), []).append(f"art:{slot}")
        statements.insert_many(db, ArtworkSlot, new_slots)
        for (et, eid), keys in states.items():
            md.set_states(et, eid, keys, "local", now=now)
    _import_actor_images(db, data_dir, lib, item, files, touched, rep)


def _import_actor_images(db, data_dir: Path, lib: Library, item, files, touched, rep: ScanReport) -> None:
    if not isinstance(item, MovieItem | ShowItem):
        return
    owned = [o for o in item.files if o.role == "actor" and o.path in touched]
    if not owned:
        return
    et = "movie" if isinstance(item, MovieItem) else "series"
    row = _row_id(Movie if et == "movie" else Series, lib, item.key)
    if row is None:
        return
    cast = {c.name.lower(): c for c in md.get_cast(et, row.id)}
    store = cache.open_store(data_dir)
    for o in owned:
        name = Path(o.path).stem.replace("_", " ").lower()
        member = cast.get(name)
        if member is None:
            continue
        try:
            cf = cache.ingest_local(db, store, data_dir, Path(lib.path) / o.path, kind="actors")
        except Exception as e:
            rep.problems.append((o.path, f"actor image not imported: {getattr(e, 'reason', None) or e}"))
            continue
        with write_tx(db):
            CastMember.update(cache_file_id=cf.id).where(CastMember.id == member.id).execute()


# ------------------------------------------------------------------ probing

def _probe_pending(db, lib: Library, sub: str, workers: int, rep: ScanReport, progress: Progress,
                   pool: ProbePool | None, timeout: float) -> None:
    cond, args = _under(db, "path", sub)
    p = "?" if is_sqlite(db) else "%s"
    # SQLite, without statistics, would pick the wider live-files index (it also starts with
    # library_id) and read every row of the library; PostgreSQL's planner knows the partial one is tiny
    hint = " INDEXED BY media_files_probe_pending" if is_sqlite(db) else ""
    todo = db.execute_sql(f"SELECT id, path, size, mtime_ns FROM media_files{hint} WHERE library_id = {p} "
                          f"AND kind = 'video' AND deleted_at IS NULL AND probed_at IS NULL AND probe_error IS NULL"
                          + cond, [lib.id, *args]).fetchall()
    if not todo:
        return
    if pool is None:   # a scan outside the service (CLI, scripts, tests): a pool for this scan only
        with ProbePool(workers, timeout) as own:
            return _probe_pending(db, lib, sub, workers, rep, progress, own, timeout)
    root = Path(lib.path)
    batch: list[tuple[int, dict | None, str | None]] = []

    def flush() -> None:
        # one transaction per batch: a crash loses at most the batch, whose files stay pending
        with write_tx(db):
            for fid, streams, err in batch:
                MediaFile.update(streams=streams, probe_error=err, probed_at=time.time()).where(
                    MediaFile.id == fid).execute()
        batch.clear()

    last = time.monotonic()
    for done, (i, streams, err) in enumerate(pool.run([str(root / t[1]) for t in todo], timeout), 1):
        fid, path, size, mtime_ns = todo[i]
        # a file changing under the read explains a failed read too: that reason wins
        err = still_written(str(root / path), size, mtime_ns) or err
        batch.append((fid, None if err else streams, err))
        rep.probes += 1
        progress("probe", done, len(todo), "")
        if err:
            rep.problems.append((path, f"stream details: {err}"))
        if len(batch) >= 200 or time.monotonic() - last > 1.0:
            flush()
            last = time.monotonic()
    if batch:
        flush()


def still_written(path: str, size: int, mtime_ns: int) -> str | None:
    """Why the details just read cannot stand: the file changed since the walk (a download or copy
    still writing it). It is read again once a scan sees it settled."""
    try:
        st = os.stat(path)
    except OSError as e:
        return f"the file went away while it was read ({e.strerror})"
    if st.st_size != size or st.st_mtime_ns != mtime_ns:
        return "the file changed while it was read (still being written?); it is read again on the next scan"
    return None
