"""Applying one unit (top-level folder) of a scan: its file links and items, then its artwork."""
from __future__ import annotations

from metarr.db.database import write_tx
from metarr.db.media import Artist, MediaFile, Movie, Series
from metarr.db.models import Library
from metarr.scanning.apply_movies import apply_movie, unit_movies
from metarr.scanning.apply_music import apply_artist
from metarr.scanning.apply_tv import apply_show
from metarr.scanning.art_import import AppliedUnit
from metarr.scanning.entities import retire, soft_delete
from metarr.scanning.file_rows import own_files, published, unit_files
from metarr.scanning.group import group_unit
from metarr.scanning.report import ScanContext, ScanReport
from metarr.scanning.unit_reads import UnitReads


def apply_unit(db, lib: Library, unit: str, touched: set[str], ctx: ScanContext, rep: ScanReport,
               now: float, reads: UnitReads | None = None) -> AppliedUnit:
    """The unit's items, in a transaction of its own (a savepoint inside the caller's batch); what
    its artwork import needs is returned (that runs once for a batch of units, `import_art`).
    `reads`: the unit's rows as read for its batch (`unit_reads.read_units`), else read here."""
    files = reads.files if reads is not None else unit_files(db, lib, unit)
    # the unit's own share of the scan's touched paths: a copy of the whole set per unit made a first
    # scan quadratic (and a batch of units held a copy each)
    ours = reads.published if reads is not None else published(lib, files)
    touched = {p for p in files if p in touched} - own_files(files, ours)
    plan = group_unit(lib.kind, list(files))
    rep.problems += plan.notes
    ids: dict[str, int] = {}   # movie key -> row id, for the artwork import
    with write_tx(db):
        for o in plan.unowned:
            if o.path in files:
                MediaFile.update(entity_type=None, entity_id=None, kind=o.kind, role=o.role).where(
                    MediaFile.id == files[o.path].id).execute()
        if lib.kind == "movie":
            movies = reads.movies if reads is not None and reads.movies is not None else unit_movies(db, lib, unit, files)
            shas = {p: sha for p, (*_, sha) in ours.items()}
            kept = [apply_movie(db, lib, m, files, touched, ctx, rep, now, movies, shas) for m in plan.items]
            soft_delete(Movie, [r.id for r in movies.by_key.values() if r.deleted_at is None and r.id not in kept],
                         rep, now)
            ids = dict(zip((m.key for m in plan.items), kept, strict=True))
        elif lib.kind == "tv":
            kept = [apply_show(db, lib, s, files, touched, ctx, rep, now) for s in plan.items]
            retire(Series, lib, unit, kept, rep, now, db)
        else:
            kept = [apply_artist(db, lib, a, files, touched, ctx, rep, now) for a in plan.items]
            retire(Artist, lib, unit, kept, rep, now, db)
    return AppliedUnit(unit, plan.items, files, touched, ids)
