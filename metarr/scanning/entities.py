"""Item rows shared by every kind of library: create, restore, retire, fill weak fields, mark identified."""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import peewee as pw

from metarr import metadata as md
from metarr.db import statements
from metarr.db.database import is_sqlite
from metarr.db.models import Library
from metarr.scanning.folder_sql import under
from metarr.scanning.report import ScanReport


def soft_delete(model, ids: list[int], rep: ScanReport, now: float) -> None:
    """Entities that no longer have files are soft-deleted (restorable), in one statement."""
    if ids:
        model.update(deleted_at=now, updated_at=now).where(model.id.in_(ids)).execute()
        rep.removed += len(ids)


def retire(model, lib: Library, unit: str, kept: list[int], rep: ScanReport, now: float, db) -> None:
    """Shows or artists of this unit that no longer have files are soft-deleted."""
    if unit == "":
        return   # shows and artists are folders: loose files in the root never hold one
    cond, args = under(db, "key", unit)
    base = f"SELECT id FROM {model._meta.table_name} WHERE library_id = {'?' if is_sqlite(db) else '%s'} AND deleted_at IS NULL"
    soft_delete(model, [eid for (eid,) in db.execute_sql(base + cond, [lib.id, *args]).fetchall() if eid not in kept],
                 rep, now)


def retire_children(model, parent_col, parent_id: int, keep: set[int] | list[int], now: float) -> None:
    """Children (episodes, albums) whose files are gone are soft-deleted (restorable)."""
    for child in model.select(model.id).where((parent_col == parent_id) & model.deleted_at.is_null(True)):
        if child.id not in keep:
            model.update(deleted_at=now, updated_at=now).where(model.id == child.id).execute()


def get_or_create(model, entity_type: str, lib: Library, key: str, name_field: str, values: dict, rep: ScanReport,
                   now: float):
    """(row, created): an existing item by key (restored if it was soft-deleted) or a new one whose
    name comes from the file system (provenance `name`)."""
    row = model.get_or_none((model.library_id == lib.id) & (model.key == key))
    if row is None:
        row = new_entity(model, library_id=lib.id, key=key, **values)
        md.set_state(entity_type, row.id, name_field, "name")
        rep.created += 1
        return row, True
    if row.deleted_at is not None:
        model.update(deleted_at=None, updated_at=now).where(model.id == row.id).execute()
        rep.restored += 1
    return row, False


def new_entity(model, **values):
    now = time.time()
    values = {"date_added": now, "created_at": now, "updated_at": now, **values}
    return model(id=statements.insert(model._meta.database, model, values), **values)


def fill(entity_type: str, eid: int, values: dict, source: str) -> None:
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


def ids_update(ids: dict[str, Any], kind: str) -> dict:
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


_ID_FIELDS = ("tmdb_id", "imdb_id", "tvdb_id", "musicbrainz_id")


def _empty_id(model, f: str):
    return 0 if isinstance(getattr(model, f), pw.IntegerField) else ""


def has_id(model, values: dict[str, Any]) -> bool:
    """Whether a row with these values counts as identified (what `identified` asks the database)."""
    return any(values.get(f) is not None and values.get(f) != _empty_id(model, f)
               for f in _ID_FIELDS if hasattr(model, f))


@lru_cache(maxsize=16)
def _identified_sql(model, sqlite: bool) -> str | None:
    has = []
    for f in _ID_FIELDS:
        if hasattr(model, f):
            empty = "0" if _empty_id(model, f) == 0 else "''"
            has.append(f"({f} IS NOT NULL AND {f} <> {empty})")
    if not has:
        return None
    return (f"UPDATE {model._meta.table_name} SET state = 'identified' WHERE id = {'?' if sqlite else '%s'} "
            f"AND state IN ('discovered', 'unidentified') AND ({' OR '.join(has)})")


def identified(model, eid: int) -> None:
    """An item that has an id now is `identified` (one conditional UPDATE, no read first)."""
    db = model._meta.database
    sql = _identified_sql(model, is_sqlite(db))
    if sql:
        db.execute_sql(sql, (eid,))


def fresh(entity_type: str, values: dict[str, Any], name_field: str) -> tuple[dict, dict]:
    """The current values and field states of a row this scan just created (its name from the file
    system): what the NFO import would otherwise read back with four queries."""
    return md.fresh_current(entity_type, values), {name_field: md.State("name", False)}
