"""What a batch of units reads before its items are applied: their file rows, the rows Metarr
published among them and (movie libraries) their movies, one statement each for the whole batch.

Read unit by unit these were three round trips a folder on PostgreSQL, most of what remained of a
first scan's waits once the writes were deferred (#32). The rows are split by unit (`split`); a unit
only writes its own rows, so what was read at the batch's start is what each unit would have read
at its turn — except rows shared by two units of the batch (a file "A" in the library root and a
folder "A": the unit "A" has always read the path "A" too), whose units read theirs at their turn.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from metarr.db import statements
from metarr.db.database import is_sqlite
from metarr.db.media import MediaFile, Movie
from metarr.db.models import Library
from metarr.scanning.apply_movies import UnitMovies, _MovieRow
from metarr.scanning.file_rows import published_paths

T = TypeVar("T")


def units_of(path: str, units: set[str]) -> tuple[str, ...]:
    """The units among `units` whose reads hold `path` (a file path or a movie key): its top-level
    folder; a path without a folder belongs to the root unit "" and to a unit of its exact name (as
    `folder_sql.unit_filter` has it)."""
    i = path.find("/")
    if i >= 0:
        u = path[:i]
        return (u,) if u in units else ()
    return tuple(u for u in ("", path) if u in units)


def split(units: Iterable[str], rows: Iterable[T], path: Callable[[T], str]) -> tuple[dict[str, list[T]], set[str]]:
    """`rows` by unit, in their order, every unit present (maybe empty); and the units that share a
    row with another unit (those must read their own at their turn)."""
    out: dict[str, list[T]] = {u: [] for u in units}
    known = set(out)
    shared: set[str] = set()
    for r in rows:
        owners = units_of(path(r), known)
        for u in owners:
            out[u].append(r)
        if len(owners) > 1:
            shared.update(owners[1:])   # the root unit comes first in a batch: its reads stay true
    return out, shared


@dataclass
class UnitReads:
    """What `apply_unit` reads of one unit (see `read_units`)."""
    files: dict[str, MediaFile]
    published: dict[str, tuple[int, int, str | None]]
    movies: UnitMovies | None


def _select(db, table: str, column: str, lib_id: int, units: list[str], live: bool) -> tuple[str, list]:
    """SQL for a library's rows whose `column` is inside one of `units` or equals a unit's name (as
    `folder_sql.unit_filter` has it), and its arguments. A unit's folder is the range [unit/, unit0)
    ('0' follows '/'), a seek on the (library_id, column) index for each unit; PostgreSQL compares
    with the byte-order operators its text_pattern_ops index serves, whatever the collation, and
    seeks unit by unit in a LATERAL that is not pulled up (OFFSET 0): with a first scan's stale
    statistics it would rather read all of the library's rows for each unit. The root unit's rows
    (no folder) have no range: the library's rows are read once for it, as before."""
    m = statements.mark(db)
    alive = " AND deleted_at IS NULL" if live else ""
    parts, args = [], []
    named = [u for u in units if u]
    if named and is_sqlite(db):
        values = ", ".join(["(?, ?)"] * len(named))
        parts.append(f"WITH u(lo, hi) AS (VALUES {values}) SELECT r.* FROM u JOIN {table} r ON r.library_id = ? "
                     f"AND r.{column} >= u.lo AND r.{column} < u.hi{alive.replace(' deleted', ' r.deleted')}")
        parts.append(f"SELECT * FROM {table} WHERE library_id = ? AND {column} IN ({statements.marks(db, len(named))}){alive}")
        args += [*(a for u in named for a in (u + "/", u + "0")), lib_id, lib_id, *named]
    elif named:
        values = ", ".join(["(%s, %s)"] * len(named))
        parts.append(f"WITH u(lo, hi) AS (VALUES {values}) SELECT r.* FROM u CROSS JOIN LATERAL (SELECT * FROM {table} "
                     f"WHERE library_id = %s AND {column} ~>=~ u.lo AND {column} ~<~ u.hi{alive} OFFSET 0) r")
        parts.append(f"SELECT r.* FROM unnest(%s::text[]) AS n(name) CROSS JOIN LATERAL (SELECT * FROM {table} "
                     f"WHERE library_id = %s AND {column} = n.name{alive} OFFSET 0) r")
        args += [*(a for u in named for a in (u + "/", u + "0")), lib_id, named, lib_id]
    if "" in units:
        parts.append(f"SELECT * FROM {table} WHERE library_id = {m} AND {column} NOT LIKE "
                     f"'{'%/%' if is_sqlite(db) else '%%/%%'}'{alive}")
        args.append(lib_id)
    # a row may come twice (a root file "A" and a unit "A"): the caller drops the copy (UNION would
    # need an equality on every column, and JSON columns have none on PostgreSQL)
    return " UNION ALL ".join(f"SELECT * FROM ({p}) q{i}" for i, p in enumerate(parts)), args


def read_units(db, lib: Library, units: list[str]) -> dict[str, UnitReads]:
    """The reads of `units` (a batch, in its order), by unit; a unit missing from the answer reads
    its own at its turn (it shares a row with another unit of the batch)."""
    if not units:
        return {}
    sql, args = _select(db, "media_files", "path", lib.id, units, live=True)
    if not is_sqlite(db):
        # not knowing the ranges, PostgreSQL guesses ~1% of the library a unit and compiles the
        # statement (JIT: 10-30 ms, where finding the few hundred rows takes 2); off for the rest of
        # the batch's transaction too, whose statements are all small. Sent with it: no round trip
        sql = "SET LOCAL jit = off; " + sql
    rows = list({r.id: r for r in MediaFile.raw(sql, *args)}.values())
    files, shared = split(units, rows, lambda r: r.path)
    ours = published_paths(db, lib.id, [r.path for r in rows])
    movies: dict[str, list[_MovieRow]] | None = None
    if lib.kind == "movie":
        sql, args = _select(db, "movies", "key", lib.id, units, live=False)
        cols = "id, key, folder, disc, deleted_at, title, parsed"
        parsed = Movie.parsed.python_value
        found = list({r[0]: _MovieRow(r[0], r[1], r[2], bool(r[3]), r[4], r[5], parsed(r[6]))
                      for r in db.execute_sql(f"SELECT {cols} FROM ({sql}) s ORDER BY id", args).fetchall()}.values())
        movies, also = split(units, found, lambda r: r.key)
        shared |= also
    out = {}
    for u in units:
        if u in shared:
            continue
        by_path = {r.path: r for r in files[u]}
        mine = movies[u] if movies is not None else None
        out[u] = UnitReads(by_path, {p: ours[p] for p in by_path if p in ours},
                           None if mine is None else UnitMovies({r.key: r for r in mine},
                                                                [r for r in mine if r.key not in by_path]))
    return out
