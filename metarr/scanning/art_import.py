"""The user's local artwork (and actor images) copied into the cache and chosen for its slots."""
from __future__ import annotations

import contextlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from metarr import metadata as md
from metarr.assets import cache
from metarr.db import statements
from metarr.db.database import is_sqlite, write_tx
from metarr.db.deferred import together_or_each
from metarr.db.media import Album, Artist, ArtworkSlot, CastMember, Episode, MediaFile, Movie, Season, Series
from metarr.db.models import Library
from metarr.scanning.entities import new_entity
from metarr.scanning.group import ArtistItem, MovieItem, ShowItem
from metarr.scanning.report import ScanReport

log = logging.getLogger(__name__)


def _row_id(model, lib: Library, key: str):
    """The item's row with its id only (entity rows are wide; selecting them all is most of a lookup)."""
    return model.select(model.id).where((model.library_id == lib.id) & (model.key == key)).first()


def _art_targets(lib: Library, item, movie_id: int | None) -> list[tuple[str, int, str, int | None, str]]:
    """(entity type, id, slot, season, path) for the artwork files an item owns. `movie_id`: a
    movie item's row (the unit's apply step has it). Extra backdrops (`fanart1`…) are not a slot
    of their own: the chosen ones are the fanart slot's further ranks, published by Metarr."""
    return [t for t in _all_art_targets(lib, item, movie_id) if not _EXTRA_FANART.match(t[2])]


_EXTRA_FANART = re.compile(r"^fanart\d+$")


def _all_art_targets(lib: Library, item, movie_id: int | None) -> list[tuple[str, int, str, int | None, str]]:
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
                        season = new_entity(Season, series_id=row.id, number=int(number), library_id=lib.id)
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
    with one query each per entity type instead of two per image. PostgreSQL seeks each entity in
    the (entity_type, entity_id, …) index: given the ids as an IN list it read every row of the
    entity type, the ids only a filter, as long as the tables had no statistics (a first scan fills
    them from none): 16-35 ms a batch of 100 movies at 20,000-40,000 movies, ever more (#32)."""
    slots: dict[tuple, _Slot] = {}
    locked: set[tuple] = set()
    by_type: dict[str, set[int]] = {}
    for et, eid, *_ in targets:
        by_type.setdefault(et, set()).add(eid)
    # psycopg reads '%' as the start of a placeholder: a literal one is written twice there
    art, true = ("'art:%'", "1") if is_sqlite(db) else ("'art:%%'", "TRUE")
    for et, ids in by_type.items():
        for sid, eid, slot, cid, source in db.execute_sql(*_of_entities(
                db, "id, entity_id, slot, cache_file_id, source", "artwork_slots", "rank = 0", et, ids)).fetchall():
            slots[(et, eid, slot)] = _Slot(sid, cid, source)
        for eid, fld in db.execute_sql(*_of_entities(
                db, "entity_id, field", "field_states", f"field LIKE {art} AND locked = {true}", et, ids)).fetchall():
            locked.add((et, eid, fld[4:]))
    return slots, locked


def _of_entities(db, columns: str, table: str, cond: str, et: str, ids: set[int]) -> tuple[str, list]:
    """SQL and arguments for `columns` of the rows of `table` of these entities that meet `cond`."""
    p = statements.mark(db)
    if is_sqlite(db):
        return (f"SELECT {columns} FROM {table} WHERE entity_type = ? AND entity_id IN ({statements.marks(db, len(ids))}) "
                f"AND {cond}", [et, *sorted(ids)])
    # an OFFSET 0 subquery is not pulled up into a join: a seek for each id
    return (f"SELECT s.* FROM unnest({p}::int[]) AS e(id) CROSS JOIN LATERAL (SELECT {columns} FROM {table} "
            f"WHERE entity_type = {p} AND entity_id = e.id AND {cond} OFFSET 0) s", [sorted(ids), et])


@dataclass
class AppliedUnit:
    """What the artwork import needs of a unit whose items were just applied."""
    unit: str
    items: list
    files: dict[str, MediaFile]
    touched: set[str]
    ids: dict[str, int]   # movie key -> row id


def import_art(db, data_dir: Path, lib: Library, units: list[AppliedUnit], rep: ScanReport) -> None:
    """Copy the user's own artwork of a batch of units into the cache before anything could replace
    it (one flush to disk for the batch), and use it for the slot unless the slot is locked or
    already holds a choice of the user's. The rows are written in one transaction, together (or, if
    that fails, each unit in a savepoint of its own: one broken folder must not cost the others
    their artwork)."""
    wanted = []   # (unit, (entity type, id, slot, season, path))
    for u in units:
        with _unit_problems(lib, u, rep):
            wanted += [(u, t) for item in u.items for t in _art_targets(lib, item, u.ids.get(item.key))]
    slots, locked = _slot_states(db, [t for _, t in wanted])
    todo = [(u, t, slots.get(t[:3])) for u, t in wanted if t[4] in u.touched or slots.get(t[:3]) is None]
    results: list = []
    if todo:
        store = cache.open_store(data_dir)
        srcs = [Path(lib.path) / t[4] for _, t, _ in todo]
        results = cache.stored_already(db, store, data_dir, srcs)
        copy = [i for i, r in enumerate(results) if r is None]
        for i, asset in zip(copy, store.ingest_files([srcs[i] for i in copy], "assets"), strict=True):
            results[i] = asset   # a copy; the user's file is never touched
    stored: dict[str, list] = {}
    for (u, (et, eid, slot, season, path), have), asset in zip(todo, results, strict=True):
        if isinstance(asset, Exception):  # ImageRejected and I/O errors: reported, the file stays as it is
            rep.problems.append((path, f"artwork not imported: {getattr(asset, 'reason', None) or asset}"))
            continue
        rep.art_imported += 1
        stored.setdefault(u.unit, []).append((et, eid, slot, season, path, have, asset))
    if stored:
        now = time.time()

        def together() -> None:   # the batch's rows as one unit's: a statement per kind of row
            files = {p: f for u in units if u.unit in stored for p, f in u.files.items()}
            _record_art(db, data_dir, files, [s for u in units for s in stored.get(u.unit, ())], locked, now)

        def each() -> None:
            for u in units:
                if u.unit in stored:
                    with _unit_problems(lib, u, rep), write_tx(db):
                        _record_art(db, data_dir, u.files, stored[u.unit], locked, now)

        together_or_each(db, together, each)
    for u in units:
        with _unit_problems(lib, u, rep):
            for item in u.items:
                _import_actor_images(db, data_dir, lib, item, u.files, u.touched, rep)


@contextlib.contextmanager
def _unit_problems(lib: Library, u: AppliedUnit, rep: ScanReport):
    """A failure in one unit's artwork is that unit's problem: the batch goes on."""
    try:
        yield
    except Exception as e:
        log.exception("artwork of %s/%s failed", lib.path, u.unit)
        rep.problems.append((u.unit or "/", f"artwork could not be processed: {type(e).__name__}: {e}"))


def _record_art(db, data_dir: Path, files: dict[str, MediaFile], stored: list, locked: set[tuple], now: float) -> None:
    """Stored artwork (a unit's, or a batch's) into its rows, a statement per kind of row."""
    new_slots, states = [], []
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
        states.append((et, eid, f"art:{slot}"))
    statements.insert_many(db, ArtworkSlot, new_slots)
    md.set_states_of(states, "local", now=now)


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
