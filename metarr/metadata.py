"""Field-level metadata: merge decisions (pure) and applying them with provenance and locks.

Every scalar field, every list (`list:genres`), the cast and the ratings have a FieldState row
saying who set the value and whether it is locked. A locked field never changes by automation;
an empty value never erases; a value from a higher-priority source is not replaced by a lower one.

May import: db, service.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from metarr.db import prepared, statements
from metarr.db.database import write_tx
from metarr.db.media import ENTITY_MODELS, CastMember, EntityList, FieldState, Rating
from metarr.service import mappings, settings
from metarr.service.values import CastEntry, RatingEntry

SCALARS: dict[str, tuple[str, ...]] = {
    "movie": ("title", "original_title", "sort_title", "year", "premiered", "plot", "outline", "tagline", "runtime",
              "content_rating", "set_name", "set_overview", "trailer", "tmdb_id", "imdb_id", "tvdb_id", "user_rating"),
    "series": ("title", "original_title", "sort_title", "year", "premiered", "plot", "outline", "runtime",
               "content_rating", "status", "tmdb_id", "imdb_id", "tvdb_id", "user_rating"),
    "season": ("title", "plot", "premiered", "tmdb_id", "tvdb_id"),
    "episode": ("title", "plot", "aired", "runtime", "tmdb_id", "tvdb_id", "imdb_id", "absolute", "user_rating"),
    "artist": ("name", "sort_name", "biography", "formed", "musicbrainz_id"),
    "album": ("title", "year", "plot", "label", "musicbrainz_id", "musicbrainz_release_id", "user_rating"),
    "collection": ("name", "overview"),
}
LISTS: dict[str, tuple[str, ...]] = {
    "movie": ("genres", "studios", "countries", "tags", "directors", "writers"),
    "series": ("genres", "studios", "countries", "tags"),
    "season": (),
    "episode": ("directors", "writers"),
    "artist": ("genres", "styles", "moods"),
    "album": ("genres", "styles", "moods"),
    "collection": (),
}
HAS_CAST = {"movie", "series", "episode"}
IDS = ("tmdb_id", "imdb_id", "tvdb_id", "musicbrainz_id", "musicbrainz_release_id")

# rank of a source when deciding whether a new value may replace the current one
SOURCE_RANK = {"user": 100, "webhook": 50, "nfo": 40, "local": 40}
DEFAULT_PROVIDER_ORDER = ("tmdb", "tvdb", "musicbrainz", "omdb", "fanart")


@dataclass(frozen=True)
class Update:
    """Values from one source. None / '' / [] mean 'no value' and never erase."""
    source: str
    scalars: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    cast: tuple[CastEntry, ...] | None = None
    ratings: tuple[RatingEntry, ...] | None = None
    lock: bool = False   # user edits lock what they touch
    # where each value came from beyond the source: the language of a text (de, en-US), the
    # country of a certification (DE); recorded with the field's provenance
    origins: dict[str, str] = field(default_factory=dict)
    # the languages wanted, best first: between two providers, a text in a better language wins
    # over the provider order (a German plot from TheTVDB over TMDB's English one)
    preference: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    source: str
    locked: bool
    origin: str | None = None


def source_rank(source: str, provider_order: tuple[str, ...] = DEFAULT_PROVIDER_ORDER) -> int:
    if source.startswith("provider:"):
        name = source.split(":", 1)[1]
        return 30 - (provider_order.index(name) if name in provider_order else len(provider_order))
    return SOURCE_RANK.get(source, 0)


def empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def may_set(new_source: str, current: State | None, *, overwrite_nfo: bool = False,
            provider_order: tuple[str, ...] = DEFAULT_PROVIDER_ORDER) -> bool:
    """The merge rule for one field (pure)."""
    if new_source == "user":
        return True  # the user may always edit; the edit then locks
    if current is None:
        return True
    if current.locked:
        return False
    if overwrite_nfo and current.source in ("nfo", "local") and new_source.startswith("provider:"):
        return True
    return source_rank(new_source, provider_order) >= source_rank(current.source, provider_order)


def language_rank(origin: str | None, preference: tuple[str, ...]) -> int:
    """Position of a text's language in the wanted order (regions match their language); the end
    for an unknown or unwanted one."""
    if not origin:
        return len(preference)
    base = origin.split("-")[0]
    for i, want in enumerate(preference):
        if origin == want or base == want.split("-")[0]:
            return i
    return len(preference)


def _language_decides(name: str, update: Update, state: State | None) -> bool | None:
    """Between two different providers, the better language of a text decides (None: it does not:
    same provider, no languages known, a locked field or a value that is not a provider's)."""
    origin = update.origins.get(name)
    if (not update.preference or origin is None or state is None or state.locked
            or not (update.source.startswith("provider:") and state.source.startswith("provider:"))
            or state.source == update.source or not origin[:2].islower()):
        return None
    new, cur = language_rank(origin, update.preference), language_rank(state.origin, update.preference)
    return None if new == cur else new < cur


def plan(entity_type: str, update: Update, current: dict[str, Any], states: dict[str, State],
         **rules: Any) -> dict[str, Any]:
    """Which keys to change: scalar names, `list:<name>`, `cast`, `ratings` → new value."""
    out: dict[str, Any] = {}
    # a user's edit records its lock even on an unchanged value; an NFO's lock (a hand-edited NFO)
    # only on what actually changed
    user_lock = update.lock and update.source == "user"
    for name, value in update.scalars.items():
        if name not in SCALARS[entity_type] or empty(value):
            continue
        by_language = _language_decides(name, update, states.get(name))
        if by_language is not None:
            if by_language and value != current.get(name):
                out[name] = value
        elif value != current.get(name) and may_set(update.source, states.get(name), **rules):
            out[name] = value
        elif update.lock and update.source == "user":
            out[name] = value  # same value, but the user asked for it: record the lock
    for name, values in update.lists.items():
        if name not in LISTS[entity_type] or empty(values):
            continue
        key = f"list:{name}"
        clean = _dedupe(values)
        if (clean != current.get(key) or user_lock) and may_set(update.source, states.get(key), **rules):
            out[key] = clean
    if update.cast and entity_type in HAS_CAST and may_set(update.source, states.get("cast"), **rules):
        cast = list(update.cast)
        if update.source in ("nfo", "local"):
            cast = keep_known_thumbs(cast, current.get("cast") or [])
        if cast != current.get("cast") or user_lock:
            out["cast"] = cast
    # each source owns its own rating row, so only a lock stops a rating update
    rstate = states.get("ratings")
    if update.ratings and (update.source == "user" or rstate is None or not rstate.locked):
        have = current.get("ratings") or {}
        if update.lock or any(have.get(r.source) != _rating_key(r.value, r.votes, r.max, r.default)
                              for r in update.ratings):
            out["ratings"] = list(update.ratings)
    return out


def keep_known_thumbs(cast: list[CastEntry], current: list[CastEntry]) -> list[CastEntry]:
    """An NFO's `<thumb>` of `.actors/Name.jpg` (what Metarr published) or none at all does not
    contradict the image URL Metarr knows for that actor: keep it, so a hand edit elsewhere in the
    NFO costs no actor photo."""
    known = {c.name: c.thumb_url for c in current if c.thumb_url and c.thumb_url.startswith("http")}
    return [c if (c.thumb_url or "").startswith("http") or c.name not in known
            else CastEntry(c.name, c.role, c.order, known[c.name]) for c in cast]


def repair_cast_thumbs(db, entity_type: str, entity_id: int, offered: Iterable[CastEntry]) -> int:
    """A provider's actor images for cast members that have none (or only a local path): filled in
    without touching who is in the cast, which may be the user's. Returns how many were repaired."""
    urls = {c.name: c.thumb_url for c in offered if c.thumb_url and c.thumb_url.startswith("http")}
    n = 0
    with write_tx(db):
        for cm in get_cast(entity_type, entity_id):
            if cm.name in urls and not (cm.thumb_url or "").startswith("http"):
                CastMember.update(thumb_url=urls[cm.name], cache_file_id=None).where(CastMember.id == cm.id).execute()
                n += 1
    return n


def _dedupe(values: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for v in values:
        v = str(v).strip()
        if v and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
    return out


# ------------------------------------------------------------------ database side

def load_states(entity_type: str, entity_id: int) -> dict[str, State]:
    rows = prepared.select("load_states", lambda t, i: FieldState.select().where(
        (FieldState.entity_type == t) & (FieldState.entity_id == i)), entity_type, entity_id)
    return {r.field: State(r.source, r.locked, r.origin) for r in rows}


def load_current(entity_type: str, entity_id: int) -> dict[str, Any]:
    model = ENTITY_MODELS[entity_type]
    row = model.get_by_id(entity_id)
    cur = {name: getattr(row, name) for name in SCALARS[entity_type]}
    lists = get_lists(entity_type, entity_id)
    for name in LISTS[entity_type]:
        cur[f"list:{name}"] = lists.get(name, [])
    if entity_type in HAS_CAST:
        cur["cast"] = [CastEntry(c.name, c.role, c.position, c.thumb_url) for c in get_cast(entity_type, entity_id)]
    # the stored ratings by source, so an unchanged rating is not rewritten (nor the row bumped)
    cur["ratings"] = {r.source: _rating_key(r.value, r.votes, r.max, r.is_default)
                      for r in get_ratings(entity_type, entity_id)}
    return cur


def _rating_key(value, votes, max_, default) -> tuple:
    return (round(float(value or 0), 4), int(votes or 0), round(float(max_ or 10), 4), bool(default))


def get_lists(entity_type: str, entity_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    q = prepared.select("get_lists", lambda t, i: EntityList.select().where(
        (EntityList.entity_type == t) & (EntityList.entity_id == i)).order_by(EntityList.name, EntityList.position),
        entity_type, entity_id)
    for r in q:
        out.setdefault(r.name, []).append(r.value)
    return out


def get_cast(entity_type: str, entity_id: int) -> list[CastMember]:
    return prepared.select("get_cast", lambda t, i: CastMember.select().where(
        (CastMember.entity_type == t) & (CastMember.entity_id == i)).order_by(CastMember.position, CastMember.id),
        entity_type, entity_id)


def get_ratings(entity_type: str, entity_id: int) -> list[Rating]:
    return prepared.select("get_ratings", lambda t, i: Rating.select().where(
        (Rating.entity_type == t) & (Rating.entity_id == i)).order_by(Rating.is_default.desc(), Rating.source),
        entity_type, entity_id)


def fresh_current(entity_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """What `load_current` would read back from a row just created with `values` (column defaults
    for the rest, no lists, no cast): a scan that created the row need not ask."""
    fields = ENTITY_MODELS[entity_type]._meta.fields
    cur: dict[str, Any] = {}
    for name in SCALARS[entity_type]:
        default = fields[name].default
        cur[name] = values[name] if name in values else (default() if callable(default) else default)
    for name in LISTS[entity_type]:
        cur[f"list:{name}"] = []
    if entity_type in HAS_CAST:
        cur["cast"] = []
    return cur


def apply(db, entity_type: str, entity_id: int, update: Update, *, now: float | None = None,
          known: tuple[dict[str, Any], dict[str, State]] | None = None, **rules: Any) -> list[str]:
    """Plan and write an update in one transaction; returns the keys changed. `known`: the row's
    current values and field states when the caller already has them (a row it just created)."""
    now = now or time.time()
    if update.source.startswith("provider:") and any(n in update.lists for n in mappings.SETTINGS):
        # the user's genre / tag mapping rules, where a provider's names are merged (locks still hold)
        update = replace(update, lists=mappings.map_lists(update.lists, settings.mapping_rules(db)))
    with write_tx(db):
        current, states = known or (load_current(entity_type, entity_id), load_states(entity_type, entity_id))
        changes = plan(entity_type, update, current, states, **rules)
        relabel = _origin_only(entity_type, update, current, states, changes)
        if relabel:   # the same text, now known to be in another language: provenance only
            set_states(entity_type, entity_id, relabel, update.source, now=now, origins=update.origins)
        if not changes:
            return []
        write_changes(db, entity_type, entity_id, update, changes, now, fresh=known is not None, current=current)
        return sorted(changes)


def write_changes(db, entity_type: str, entity_id: int, update: Update, changes: dict[str, Any], now: float, *,
                  current: dict[str, Any], fresh: bool = False, scalars: bool = True) -> None:
    """Write what `plan` decided, with its provenance. `fresh`: `current` is a row the caller just
    created (it has no list rows to delete); `scalars=False`: the caller wrote the scalar fields
    itself (into the row it inserted)."""
    model = ENTITY_MODELS[entity_type]
    values = {k: v for k, v in changes.items() if k in SCALARS[entity_type]}
    if values and scalars:
        statements.update(db, model, {**values, "updated_at": now}, id=entity_id)
    lists = {key[5:]: value for key, value in changes.items() if key.startswith("list:")}
    if lists:   # every changed list in one delete and one insert
        # a row the caller just created has no list rows to delete
        statements.delete_in(db, EntityList, "name", sorted(n for n in lists if not fresh or current.get(f"list:{n}")),
                             entity_type=entity_type, entity_id=entity_id)
        statements.insert_many(db, EntityList, [
            dict(entity_type=entity_type, entity_id=entity_id, name=name, value=v, position=i)
            for name, value in lists.items() for i, v in enumerate(value or ())])
    for key, value in changes.items():
        if key.startswith("list:"):
            continue
        elif key == "cast":
            CastMember.delete().where((CastMember.entity_type == entity_type)
                                      & (CastMember.entity_id == entity_id)).execute()
            statements.insert_many(db, CastMember, [
                dict(entity_type=entity_type, entity_id=entity_id, name=c.name[:500], role=c.role,
                     position=c.order if c.order is not None else i, thumb_url=c.thumb_url)
                for i, c in enumerate(value or ())])
        elif key == "ratings" and value:
            by_source = {r.source: r for r in value}   # one row per source, the last offer wins
            statements.insert_many(db, Rating, [
                dict(entity_type=entity_type, entity_id=entity_id, source=r.source, value=r.value,
                     votes=r.votes or 0, max=r.max or 10, is_default=r.default) for r in by_source.values()],
                conflict=("entity_type", "entity_id", "source"), update=("value", "votes", "max", "is_default"))
    set_states(entity_type, entity_id, list(changes), update.source, locked=True if update.lock else None, now=now,
               origins=update.origins)


def _origin_only(entity_type: str, update: Update, current: dict[str, Any], states: dict[str, State],
                 changes: dict[str, Any]) -> list[str]:
    """Fields whose value the update leaves as it is but whose language or country it names anew
    (the library's language changed, and the German title is the English one)."""
    return [k for k, origin in update.origins.items()
            if k not in changes and k in SCALARS[entity_type] and k in states and not states[k].locked
            and states[k].source == update.source and states[k].origin != origin
            and current.get(k) == update.scalars.get(k)]


def set_state(entity_type: str, entity_id: int, key: str, source: str, locked: bool | None = None,
              now: float | None = None) -> None:
    set_states(entity_type, entity_id, [key], source, locked, now)


def set_states(entity_type: str, entity_id: int, keys: list[str], source: str, locked: bool | None = None,
               now: float | None = None, origins: dict[str, str] | None = None) -> None:
    """Record who set these fields (and lock or unlock them, unless `locked` is None) in one statement;
    `origins`: the language or country each value came from (none recorded: no longer known)."""
    set_states_of([(entity_type, entity_id, k) for k in keys], source, locked, now, origins)


def set_states_of(fields: list[tuple[str, int, str]], source: str, locked: bool | None = None,
                  now: float | None = None, origins: dict[str, str] | None = None) -> None:
    """`set_states` for (entity type, id, key) of any number of items, in one statement."""
    if not fields:
        return
    now = now or time.time()
    origins = origins or {}
    statements.insert_many(FieldState._meta.database, FieldState, [
        dict(entity_type=et, entity_id=eid, field=k, source=source, origin=origins.get(k),
             locked=bool(locked), updated_at=now)
        for et, eid, k in fields], conflict=("entity_type", "entity_id", "field"),
        update=("source", "origin", "updated_at") + (("locked",) if locked is not None else ()))


def set_lock(db, entity_type: str, entity_id: int, key: str, locked: bool) -> None:
    now = time.time()
    with write_tx(db):
        row = FieldState.get_or_none((FieldState.entity_type == entity_type) & (FieldState.entity_id == entity_id)
                                     & (FieldState.field == key))
        if row is None:
            set_state(entity_type, entity_id, key, "user", locked=locked, now=now)
        else:
            FieldState.update(locked=locked, updated_at=now).where(FieldState.id == row.id).execute()


def locks_json(entity_type: str, entity_id: int) -> dict[str, dict]:
    return {k: lock_json(s.source, s.locked, s.origin) for k, s in load_states(entity_type, entity_id).items()}


def lock_json(source: str, locked: bool, origin: str | None) -> dict:
    out = {"source": source, "locked": locked}
    if origin:   # the language a text came from; a certification's country
        out["country" if origin[:2].isupper() else "language"] = origin
    return out


def lockable_keys(entity_type: str) -> list[str]:
    keys = list(SCALARS[entity_type]) + [f"list:{n}" for n in LISTS[entity_type]] + ["ratings"]
    if entity_type in HAS_CAST:
        keys.append("cast")
    return keys
