"""An item's page (`GET /api/v1/{kind}/{id}`) in one statement: the entity's row with its lists,
cast, ratings, field states, artwork, poster, files, artwork candidates and collection as JSON
arrays from correlated subqueries.

Nine selects, one after the other, were nine round trips on PostgreSQL (each parsed and planned
anew; under load each one waits for the CPU again) and nine peewee cursor wrappers on SQLite. Each
part is a JSON array of rows, a row an array of its columns in the order of `Part.columns`; the
values go through the peewee field's `python_value`, so a row reads as the driver would have
given it (booleans, floats, JSON in TEXT columns). Both databases order the parts as the separate
selects did (the same ORDER BY; SQLite's json_group_array keeps the order of an ordered subquery).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import peewee as pw

from metarr import metadata as md
from metarr.db import prepared
from metarr.db.database import db_proxy, is_sqlite
from metarr.db.media import (
    ArtworkSlot,
    AssetCandidate,
    CacheFile,
    CastMember,
    Collection,
    EntityList,
    FieldState,
    MediaFile,
    Rating,
)


@dataclass(frozen=True)
class Part:
    name: str
    model: Any                      # the table the rows come from (alias `p`)
    columns: tuple[str, ...]        # `p.<field>` or `j.<field>` (the joined table's)
    order: str                      # the ORDER BY, as the separate select had it
    where: str = ""                 # besides belonging to the entity
    join: Any = None                # LEFT JOIN this model AS `j` ON j.id = p.<join_on>
    join_on: str = "cache_file_id"
    owner: str = "entity"           # "entity": entity_type/entity_id; else the outer row's column


PARTS = (
    Part("lists", EntityList, ("p.name", "p.value"), "p.name, p.position"),
    Part("cast", CastMember, ("p.name", "p.role", "p.position", "p.thumb_url", "p.cache_file_id", "j.sha256"),
         "p.position, p.id", join=CacheFile),
    Part("ratings", Rating, ("p.source", "p.value", "p.votes", "p.max", "p.is_default"),
         "p.is_default DESC, p.source"),
    Part("states", FieldState, ("p.field", "p.source", "p.locked", "p.origin"), "p.id"),
    Part("assets", ArtworkSlot, ("p.slot", "p.season", "p.rank", "p.source", "j.sha256", "j.width", "j.height"),
         "p.slot, p.season, p.rank", join=CacheFile),
    Part("files", MediaFile, ("p.id", "p.path", "p.kind", "p.role", "p.size", "p.streams", "p.probe_error"),
         "p.path", where="p.deleted_at IS NULL"),
    Part("candidates", AssetCandidate,
         ("p.id", "p.slot", "p.season", "p.provider", "p.url", "p.width", "p.height", "p.language", "p.votes",
          "p.likes", "p.score", "p.breakdown", "p.selected", "p.rejected", "p.selected_by", "p.cache_file_id",
          "p.status_reason"), "p.slot, p.score DESC"),
)
COLLECTION = Part("collection", Collection, ("p.id", "p.name", "p.tmdb_id"), "p.id", owner="collection_id")
# the picture a grid shows, first choice first (browse.GRID_SLOTS)
GRID_SLOTS = {"episode": ("thumb",), "artist": ("thumb", "poster"), "album": ("thumb", "poster")}


def _table(model) -> str:
    return model._meta.table_name


def _field(part: Part, column: str):
    alias, name = column.split(".")
    return (part.join if alias == "j" else part.model)._meta.fields[name]


def _column(part: Part, column: str) -> str:
    alias, name = column.split(".")
    return f'{alias}."{_field(part, column).column_name}"'


def _part_sql(part: Part, kind: str, sqlite: bool) -> str:
    cols = ", ".join(_column(part, c) for c in part.columns)
    src = f'"{_table(part.model)}" AS p'
    if part.join is not None:
        src += f' LEFT JOIN "{_table(part.join)}" AS j ON j.id = p."{part.join_on}"'
    if part.owner == "entity":
        # `kind` is a key of md.ENTITY_MODELS (code, not input): a literal, so the id is the one parameter
        where = f"p.entity_type = '{kind}' AND p.entity_id = t1.id"
    else:
        where = f'p.id = t1."{part.owner}"'
    if part.where:
        where += f" AND {part.where}"
    if sqlite:
        return (f"(SELECT json_group_array(json(x)) FROM (SELECT json_array({cols}) AS x FROM {src} "
                f"WHERE {where} ORDER BY {part.order}))")
    return f"(SELECT json_agg(json_build_array({cols}) ORDER BY {part.order}) FROM {src} WHERE {where})"


def poster_sql(kind: str, owner: str = "t1.id") -> str:
    """The grid's picture of the row whose id is `owner`: the sha256 of the first of GRID_SLOTS at
    rank 0 (the main one, not a season's, first)."""
    slots = GRID_SLOTS.get(kind, ("poster",))
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(slots))
    return (f'(SELECT c.sha256 FROM "{_table(ArtworkSlot)}" AS s JOIN "{_table(CacheFile)}" AS c '
            f"ON c.id = s.cache_file_id WHERE s.entity_type = '{kind}' AND s.entity_id = {owner} "
            f"AND s.slot IN ({', '.join(repr(s) for s in slots)}) AND s.rank = 0 "
            f"ORDER BY CASE s.slot {order} END, s.season IS NOT NULL, s.season, s.id LIMIT 1)")


def _build(kind: str, sqlite: bool):
    def build(entity_id):
        model = md.ENTITY_MODELS[kind]
        parts = [p for p in PARTS if p.name != "cast" or kind in md.HAS_CAST]
        if kind == "movie":
            parts.append(COLLECTION)
        extra = [pw.SQL(_part_sql(p, kind, sqlite)).alias(f"_part_{p.name}") for p in parts]
        extra.append(pw.SQL(poster_sql(kind)).alias("_poster"))
        return model.select(model, *extra).where(model.id == entity_id)
    return build


def _rows(part: Part, raw) -> list[SimpleNamespace]:
    """A part's rows as objects with the columns' field names (the joined table's too)."""
    if raw is None:
        return []
    if isinstance(raw, str):   # SQLite: the JSON text; psycopg2 decodes a json column itself
        raw = json.loads(raw)
    fields = [_field(part, c) for c in part.columns]
    names = [c.split(".")[1] for c in part.columns]
    return [SimpleNamespace(**{n: (None if v is None else f.python_value(v)) for n, f, v in zip(names, fields, row, strict=True)})
            for row in raw if row is not None]


@dataclass
class Loaded:
    """An entity's row and the parts of its page."""
    row: Any
    poster_sha: str | None
    parts: dict[str, list[SimpleNamespace]]


def load(kind: str, entity_id: int) -> Loaded | None:
    sqlite = is_sqlite(db_proxy)
    found = prepared.select(f"detail_page:{kind}:{int(sqlite)}", _build(kind, sqlite), entity_id)
    if not found:
        return None
    r = found[0]
    parts = {p.name: _rows(p, getattr(r, f"_part_{p.name}", None)) for p in (*PARTS, COLLECTION)}
    return Loaded(r, getattr(r, "_poster", None), parts)
