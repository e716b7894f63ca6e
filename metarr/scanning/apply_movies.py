"""Movie items of a unit: found by key, taken over on an upgrade, created, restored."""
from __future__ import annotations

from dataclasses import dataclass

from metarr import metadata as md
from metarr.db.database import is_sqlite
from metarr.db.media import MediaFile, Movie
from metarr.db.models import Library
from metarr.nfo import entity_map as nfo_map
from metarr.scanning.entities import fill, fresh, has_id, identified, ids_update, new_entity
from metarr.scanning.file_rows import link
from metarr.scanning.folder_sql import unit_filter
from metarr.scanning.group import MovieItem
from metarr.scanning.nfo_import import import_nfo, read_nfo
from metarr.scanning.report import ScanContext, ScanReport


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
class UnitMovies:
    """A unit's movies, soft-deleted ones too, by key; `orphans`: those whose video is gone (their key
    is not among the unit's live files), the only rows an upgrade may take over. Kept up to date as
    the unit's items are applied (an orphan taken over leaves the list; new rows are never orphans)."""
    by_key: dict[str, _MovieRow]
    orphans: list[_MovieRow]


def unit_movies(db, lib: Library, unit: str, files: dict[str, MediaFile]) -> UnitMovies:
    """Read once per unit: every movie of a unit has its key under the unit's folder (or no folder at
    all for the library root)."""
    cond, args = unit_filter(db, unit, "key")
    sql = (f"SELECT id, key, folder, disc, deleted_at, title, parsed FROM movies "
           f"WHERE library_id = {'?' if is_sqlite(db) else '%s'}{cond} ORDER BY id")
    parsed = Movie.parsed.python_value
    rows = [_MovieRow(r[0], r[1], r[2], bool(r[3]), r[4], r[5], parsed(r[6]))
            for r in db.execute_sql(sql, [lib.id, *args]).fetchall()]
    return UnitMovies({r.key: r for r in rows}, [r for r in rows if r.key not in files])


def apply_movie(db, lib: Library, m: MovieItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                 rep: ScanReport, now: float, movies: UnitMovies, shas: dict[str, str | None] | None = None) -> int:
    """`movies`: the unit's movies (`unit_movies`), kept up to date here. `shas`: the sha256 of the
    unit's files Metarr wrote (`file_rows.published`), to tell a hand-edited NFO without a lookup."""
    row = movies.by_key.get(m.key)
    if row is None and m.folder:
        # an upgrade or rename: a movie of this folder whose video is gone takes the new file, if it
        # is the same film (a webhook says so, or the names agree) — never a neighbour in a shared folder
        from metarr.scanning.names import norm_title
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
    nfo_done = identified_already = False
    if created:
        parsed = {"title": m.title.title, "year": m.title.year, "source": m.title.source}
        values = dict(library_id=lib.id, key=m.key, folder=m.folder, title=m.title.title, year=m.title.year,
                      disc=m.disc, parsed=parsed)
        # the NFO's fields go into the new row's INSERT (a row just made has no states: the plan needs
        # no read), and so does its `identified` state: two UPDATEs of the row fewer
        known = fresh("movie", {"title": m.title.title, "year": m.title.year}, "title")
        got = read_nfo(db, "movie", m.nfo, lib, rep, nfo_map.movie_update, shas) if m.nfo else None
        changes = md.plan("movie", got.update, *known) if got is not None and got.update is not None else None
        if changes is not None:
            values.update({k: v for k, v in changes.items() if k in md.SCALARS["movie"]})
            if getattr(got.doc, "unknown", None):
                values["nfo_unknown"] = list(got.doc.unknown)
            if has_id(Movie, values):
                values["state"] = identified_already = "identified"
        new = new_entity(Movie, **values)
        row = movies.by_key[m.key] = _MovieRow(new.id, m.key, m.folder, m.disc, None, m.title.title, parsed)
        md.set_state("movie", row.id, "title", "name")
        rep.created += 1
        nfo_done = m.nfo is not None   # read above (an unreadable one is reported there)
        if changes is not None:
            if changes:
                md.write_changes(db, "movie", row.id, got.update, changes, new.updated_at, current=known[0],
                                 fresh=True, scalars=False)
            rep.nfo_imported += 1
        elif got is not None and got.ids:   # a URL-only or broken NFO still names the item
            fill("movie", row.id, ids_update(got.ids, "movie"), "nfo")
    elif row.deleted_at is not None:
        Movie.update(deleted_at=None, updated_at=now).where(Movie.id == row.id).execute()
        row.deleted_at = None
        rep.restored += 1
    if row.folder != m.folder or row.disc != m.disc:
        Movie.update(folder=m.folder, disc=m.disc).where(Movie.id == row.id).execute()
        row.folder, row.disc = m.folder, m.disc
    link(db, files, m.files, "movie", row.id)
    if m.nfo and not nfo_done and (created or m.nfo in touched):
        import_nfo(db, "movie", row.id, m.nfo, lib, rep, nfo_map.movie_update, shas=shas)
    fill("movie", row.id, ids_update(m.ids, "movie"), "name")
    if ctx.ids:
        fill("movie", row.id, ids_update(ctx.ids, "movie"), "webhook")
    if not identified_already:   # an identified row stays so: its ids are never emptied by a fill
        identified(Movie, row.id)
    if created or any(o.path in touched for o in m.files):
        rep.targets.append(("movie", row.id))
    return row.id
