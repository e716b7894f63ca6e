"""Batch actions on many items at once: which items a request means (ids or a filter), which of them
an action can do something for (a publish of unidentified items is refused in the dry run's words,
not queued to "succeed" writing nothing), and the work of one chunk.

A batch is one job tree: `batch.run` (the request) → one `batch.chunk` per CHUNK items → for the
actions that run the chain (enrich, identify, publish; and the publish or cache a change needs)
the items' own jobs. The chunks run one at a time at bulk priority, so the service stays
responsive; cancelling the batch cancels what of its tree has not run (metarr/jobs/tree.py).

    enrich          enrich again (`force`: skip cached provider answers)
    identify        try identification again, for the items that have no provider id (`take_best`:
                    an ambiguous item takes its top-scored candidate, as if the user had picked it)
    publish         write NFO and artwork (items without a provider id are refused)
    lock / unlock   `fields`: ["title", "list:genres", "art:poster", …]
    set             `field` and `value` (an edit, which locks it, as PATCH does); for a list also
                    `add` / `remove` (["4K"]) instead of `value`
    reject_artwork  `slot`: the chosen image of that slot is rejected, the next best is chosen
    apply_mappings  the genre and tag mapping rules applied to the items as they are now

May import: db, service, metadata, jobs, library, enrichment, publishing.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import ENTITY_MODELS, AssetCandidate, EntityList, FieldState
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobSpec
from metarr.library import filters as item_filters
from metarr.service import mappings, settings

ACTIONS = ("enrich", "publish", "identify", "lock", "unlock", "set", "reject_artwork", "apply_mappings")
KINDS = {"movies": "movie", "series": "series", "artists": "artist", "albums": "album"}
CHUNK = 200
MAX_IDS = 100_000
ID_COLUMNS = {"movie": ("tmdb_id", "imdb_id", "tvdb_id"), "series": ("tvdb_id", "tmdb_id", "imdb_id"),
              "artist": ("musicbrainz_id",), "album": ("musicbrainz_id", "musicbrainz_release_id")}
WORDS = {"enrich": "enrich again", "publish": "publish", "identify": "identify", "lock": "lock fields",
         "unlock": "unlock fields", "set": "set a field", "reject_artwork": "reject artwork",
         "apply_mappings": "apply genre and tag mappings"}


class BatchError(ValueError):
    """A batch that cannot be done as asked; `status` 400 (the request) or 409 (the items)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Selection:
    ids: list[int]
    refused: dict[int, str] = field(default_factory=dict)   # left out, with the reason in words


# ------------------------------------------------------------------ what a request means

def select(kind: str, ids: list[Any] | None, spec: item_filters.FilterSpec | None, q: str | None = None) -> list[int]:
    """The live items the request names: its ids (each must exist) or everything its filter finds."""
    model = ENTITY_MODELS[kind]
    live = model.deleted_at.is_null(True)
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                                for i in ids):
            raise BatchError("ids must be a list of item ids (whole numbers)")
        if len(ids) > MAX_IDS:
            raise BatchError(f"a batch takes at most {MAX_IDS} items")
        want = list(dict.fromkeys(ids))
        found: set[int] = set()
        for i in range(0, len(want), 500):
            found |= {r for (r,) in model.select(model.id).where(live & model.id.in_(want[i:i + 500])).tuples()}
        missing = [i for i in want if i not in found]
        if missing:
            raise BatchError(f"no {kind} with id {missing[0]}" + (f" (and {len(missing) - 1} more)"
                                                                    if len(missing) > 1 else ""), 404)
        return want
    query = model.select(model.id).where(live)
    if q:
        query = query.where((model.name if kind == "artist" else model.title).contains(q))
    query = item_filters.where(query, model, kind, {"spec": spec or item_filters.FilterSpec()})
    out = [r for (r,) in query.order_by(model.id).limit(MAX_IDS + 1).tuples()]
    if len(out) > MAX_IDS:
        raise BatchError(f"the filter finds more than {MAX_IDS} items; narrow it")
    return out


def _identified(kind: str, ids: list[int]) -> set[int]:
    model = ENTITY_MODELS[kind]
    has_id = None
    for col in ID_COLUMNS[kind]:
        c = getattr(model, col).is_null(False)
        has_id = c if has_id is None else has_id | c
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        out |= {r for (r,) in model.select(model.id).where(model.id.in_(ids[i:i + 500]) & has_id).tuples()}
    return out


def eligible(kind: str, action: str, ids: list[int], allow_unidentified: bool) -> Selection:
    """The items the action can do something for; the others with the reason. None left: a 409."""
    if not ids:
        raise BatchError("the selection is empty: no item matches", 409)
    if action not in ("publish", "identify"):
        return Selection(ids)
    known = _identified(kind, ids)
    if action == "publish":
        if allow_unidentified:
            return Selection(ids)
        sel = Selection([i for i in ids if i in known], {i: "not identified" for i in ids if i not in known})
        if not sel.ids:
            raise BatchError(f"cannot publish: {_count(len(ids), kind)} not identified (no provider id), so "
                             "nothing would be written; identify them first, or turn on "
                             "publish.unidentified", 409)
        return sel
    sel = Selection([i for i in ids if i not in known], {i: "already identified" for i in ids if i in known})
    if not sel.ids:
        raise BatchError(f"nothing to identify: {_count(len(ids), kind)} already identified "
                         "(enrich them again instead)", 409)
    return sel


def _count(n: int, kind: str) -> str:
    return f"the {kind} is" if n == 1 else f"all {n} selected items are"


def check_params(kind: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """The action's own parameters, checked (`set` is checked by the caller's edit rules too)."""
    if action not in ACTIONS:
        raise BatchError(f"action must be one of {', '.join(ACTIONS)}, not {str(action)[:40]!r}")
    if action in ("lock", "unlock"):
        fields_ = params.get("fields")
        if not isinstance(fields_, list) or not fields_ or not all(isinstance(f, str) for f in fields_):
            raise BatchError(f"{action} needs 'fields': a list such as [\"title\", \"list:genres\", \"art:poster\"]")
        allowed = set(md.lockable_keys(kind))
        bad = [f for f in fields_ if f not in allowed and not (f.startswith("art:") and f[4:] in
                                                                 item_filters.SLOTS.get(kind, ()))]
        if bad:
            raise BatchError(f"{bad[0][:40]!r} is not a lockable field of a {kind}")
        return {"fields": list(dict.fromkeys(fields_))}
    if action == "reject_artwork":
        slot = params.get("slot")
        if slot not in item_filters.SLOTS.get(kind, ()):
            raise BatchError(f"reject_artwork needs 'slot', one of {', '.join(item_filters.SLOTS.get(kind, ()))}")
        return {"slot": slot}
    if action == "enrich":
        return {"force": True} if params.get("force") else {}
    if action == "identify":
        return {"take_best": True} if params.get("take_best") else {}
    if action == "set":
        name = params.get("field")
        if name in md.LISTS[kind] and ("add" in params or "remove" in params):
            out: dict[str, Any] = {"field": name}
            for k in ("add", "remove"):
                v = params.get(k, [])
                if not isinstance(v, list) or not all(isinstance(x, str) and 0 < len(x.strip()) <= 200 for x in v) \
                        or len(v) > 200:
                    raise BatchError(f"'{k}' must be a list of names")
                out[k] = [x.strip() for x in v]
            return out
        if "value" not in params:
            raise BatchError("set needs 'field' and 'value' (for a list: 'add' or 'remove' also work)")
        return {"field": name, "value": params["value"]}
    return {}


def specs(kind: str, action: str, ids: list[int], params: dict[str, Any], priority: int = PRIORITY["user"]) -> JobSpec:
    return chain.batch_job(kind, action, ids, params, priority)


def chunks(kind: str, action: str, ids: list[int], params: dict[str, Any]) -> tuple[JobSpec, ...]:
    return tuple(chain.batch_chunk(kind, action, ids[i:i + CHUNK], params, i // CHUNK)
                 for i in range(0, len(ids), CHUNK))


# ------------------------------------------------------------------ one chunk's work

@dataclass
class ChunkResult:
    done: int = 0
    skipped: Counter = field(default_factory=Counter)
    next: list[JobSpec] = field(default_factory=list)
    stopped: bool = False

    def to_json(self) -> dict:
        return {"done": self.done, "skipped": dict(self.skipped), "queued": len(self.next),
                **({"stopped": "cancelled"} if self.stopped else {})}


def run_chunk(db, kind: str, action: str, ids: list[int], params: dict[str, Any], *,
              allow_unidentified: bool = False, progress: Callable[[int, int], None] = lambda a, b: None,
              wanted: Callable[[], bool] = lambda: True) -> ChunkResult:
    """Do the action for these items; `wanted` is asked between items (False: the batch was
    cancelled, the rest is left)."""
    model = ENTITY_MODELS[kind]
    res = ChunkResult()
    rows = {r.id: r for r in model.select().where(model.id.in_(ids) & model.deleted_at.is_null(True))}
    known = _identified(kind, list(rows)) if action in ("publish", "identify") else set()
    rules = settings.mapping_rules(db) if action == "apply_mappings" else {}
    if action in ("lock", "unlock"):   # a chunk's locks in one transaction of three statements
        live = [i for i in ids if i in rows]
        lock_many(db, kind, live, params["fields"], action == "lock")
        res.done, res.skipped["gone"] = len(live), len(ids) - len(live)
        res.skipped += Counter()   # drops a zero count
        progress(len(ids), len(ids))
        return res
    for n, eid in enumerate(ids, 1):
        if n % 20 == 1 and n > 1 and not wanted():
            res.stopped = True
            break
        row = rows.get(eid)
        if row is None:
            res.skipped["gone"] += 1
            continue
        why = _one(db, kind, action, row, params, res, known, rules, allow_unidentified)
        if why:
            res.skipped[why] += 1
        else:
            res.done += 1
        progress(n, len(ids))
    return res


def _one(db, kind, action, row, params, res: ChunkResult, known, rules, allow_unidentified) -> str | None:
    eid, lib = row.id, row.library_id
    bulk = PRIORITY["bulk"]
    if action in ("enrich", "identify"):
        if action == "identify" and eid in known:
            return "already identified"
        if action == "identify" and params.get("take_best") and row.state == "ambiguous":
            if not _take_best(db, kind, row):
                return "no candidate to take"
        res.next.append(chain.entity_job("enrich", kind, eid, lib, bulk, force=bool(params.get("force")) or None))
        return None
    if action == "publish":
        if eid not in known and not allow_unidentified:
            return "not identified"
        res.next.append(chain.entity_job("publish", kind, eid, lib, bulk))
        return None
    if action == "set":
        changed = md.apply(db, kind, eid, _set_update(kind, eid, params))
        return _republish(res, kind, eid) if changed else "unchanged"
    if action == "reject_artwork":
        return _reject(db, kind, eid, params["slot"], res, lib)
    if action == "apply_mappings":
        changed = apply_mappings(db, kind, eid, rules)
        return _republish(res, kind, eid) if changed else "unchanged"
    raise ValueError(action)


def _take_best(db, kind: str, row) -> bool:
    """The user asked for the top-scored candidate of an ambiguous item: it is taken as their pick (the id
    set and locked, as choosing it on the item's page does). The candidates came from the provider's own
    search, so the id exists there; the enrichment that follows fetches its metadata."""
    from metarr.enrichment import identify
    top = (row.candidates or [None])[0]
    column = identify.COLUMNS.get((top or {}).get("provider"))
    if not top or column is None or not hasattr(ENTITY_MODELS[kind], column) or top.get("id") in (None, ""):
        return False
    value = top["id"] if column == "musicbrainz_id" else int(top["id"])
    identify.take_pick(db, kind, row.id, column, value)
    return True


def lock_many(db, kind: str, ids: list[int], keys: list[str], locked: bool) -> None:
    """Lock (unlock) these fields of these items: existing provenance kept, a field nobody set yet
    recorded as the user's (as md.set_lock does for one)."""
    if not ids:
        return
    now = time.time()
    with write_tx(db):
        where = ((FieldState.entity_type == kind) & FieldState.entity_id.in_(ids) & FieldState.field.in_(keys))
        FieldState.update(locked=locked, updated_at=now).where(where).execute()
        have = set(FieldState.select(FieldState.entity_id, FieldState.field).where(where).tuples())
        new = [dict(entity_type=kind, entity_id=i, field=k, source="user", locked=locked, updated_at=now)
               for i in ids for k in keys if (i, k) not in have]
        for j in range(0, len(new), 500):
            FieldState.insert_many(new[j:j + 500]).execute()


def _set_update(kind: str, eid: int, params: dict[str, Any]) -> md.Update:
    name = params["field"]
    if "value" in params:
        if name in md.LISTS[kind]:
            return md.Update("user", lists={name: list(params["value"])}, lock=True)
        return md.Update("user", {name: params["value"]}, lock=True)
    have = md.get_lists(kind, eid).get(name, [])
    drop = {x.lower() for x in params.get("remove", [])}
    new = [v for v in have if v.lower() not in drop] + list(params.get("add", []))
    if not new:   # an Update never empties a list: removing the last value is written here
        with write_tx(md.ENTITY_MODELS[kind]._meta.database):
            EntityList.delete().where((EntityList.entity_type == kind) & (EntityList.entity_id == eid)
                                      & (EntityList.name == name)).execute()
            md.set_state(kind, eid, f"list:{name}", "user", locked=True)
        return md.Update("user")
    return md.Update("user", lists={name: new}, lock=True)


def _republish(res: ChunkResult, kind: str, eid: int) -> None:
    """A changed item of a library that publishes by itself is written again (as an edit is)."""
    from metarr.publishing.publish import republish_after_edit
    target = republish_after_edit(kind, eid)
    if target is not None:
        res.next.append(chain.entity_job("publish", *target, PRIORITY["bulk"]))


def _reject(db, kind: str, eid: int, slot: str, res: ChunkResult, lib: int) -> str | None:
    from metarr.enrichment import artwork_selection
    if artwork_selection.slot_locked(kind, eid, slot):
        return "slot locked"
    chosen = [c.id for c in AssetCandidate.select(AssetCandidate.id).where(
        (AssetCandidate.entity_type == kind) & (AssetCandidate.entity_id == eid) & (AssetCandidate.slot == slot)
        & (AssetCandidate.selected == True))]  # noqa: E712
    if not chosen:
        return "no provider image chosen"
    for cid in chosen:
        artwork_selection.user_choice(db, kind, eid, cid, "reject")
    artwork_selection.auto_select(db, kind, eid)
    res.next.append(chain.entity_job("cache", kind, eid, lib, PRIORITY["bulk"]))
    return None


def apply_mappings(db, kind: str, eid: int, rules: dict[str, dict[str, str | None]]) -> list[str]:
    """The mapping rules applied to one item's genres and tags as they are now; a locked list is
    left as it is. Returns the lists changed (their provenance stays whose it was)."""
    if not rules:
        return []
    states = md.load_states(kind, eid)
    lists = md.get_lists(kind, eid)
    changed = []
    for name, r in rules.items():
        if name not in md.LISTS[kind] or name not in lists:
            continue
        st = states.get(f"list:{name}")
        if st is not None and st.locked:
            continue
        new = mappings.map_values(lists[name], r)
        if new == lists[name]:
            continue
        with write_tx(db):
            EntityList.delete().where((EntityList.entity_type == kind) & (EntityList.entity_id == eid)
                                      & (EntityList.name == name)).execute()
            if new:
                EntityList.insert_many([dict(entity_type=kind, entity_id=eid, name=name, value=v, position=i)
                                        for i, v in enumerate(new)]).execute()
            model = ENTITY_MODELS[kind]
            model.update(updated_at=time.time()).where(model.id == eid).execute()
        changed.append(name)
    return changed
