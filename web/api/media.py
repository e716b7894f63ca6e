"""Movies, series/seasons/episodes, artists/albums: browse, detail, edit (locks), phase triggers."""
from __future__ import annotations

import re

from aiohttp import web

from metarr import metadata as md
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.library import browse
from metarr.library import filters as item_filters
from metarr.publishing.publish import republish_after_edit

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import int_param, json_body, paging, path_id

routes = web.RouteTableDef()

PLURAL = {"movies": "movie", "series": "series", "episodes": "episode", "artists": "artist", "albums": "album",
          "seasons": "season"}
INT_FIELDS = {"year", "runtime", "tmdb_id", "tvdb_id", "absolute"}
FLOAT_FIELDS = {"user_rating"}
DATE_FIELDS = {"premiered", "aired"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _filters(request: web.Request, kind: str) -> dict:
    """The list's filters (metarr/library/filters.py); a value that makes no sense is a 400 in words."""
    try:
        f: dict = {"spec": item_filters.parse(kind, request.query)}
    except item_filters.FilterError as e:
        raise bad_request(str(e)) from None
    if request.query.get("deleted") in ("1", "true"):
        f["deleted"] = True
    return f


async def _list(request: web.Request, kind: str) -> web.Response:
    limit, offset = paging(request)
    q = (request.query.get("q") or "").strip()[:200] or None
    sort = request.query.get("sort")
    after = request.query.get("after") or None   # a cursor: meta.next_cursor of the previous page
    if after is not None and len(after) > 2000:
        raise bad_request("'after' is not a cursor this API gave out (too long)")
    try:
        page = await request.app[bridge_key].run(browse.list_entities, kind, limit=limit, offset=offset, q=q,
                                                 sort=sort, after=after, **_filters(request, kind))
    except browse.BadQuery as e:
        raise bad_request(str(e)) from None
    return ok(page.rows, {"total": page.total, "total_estimated": page.total_estimated, "limit": limit,
                          "offset": offset, "next_cursor": page.next_cursor})


async def _detail(request: web.Request, kind: str) -> web.Response:
    eid = path_id(request)
    d = await request.app[bridge_key].run(browse.detail, kind, eid)
    if d is None:
        raise not_found(f"{kind} {eid}")
    return ok(d)


def parse_edit(kind: str, body: dict) -> md.Update:
    """Turn a PATCH body into a user Update, refusing unknown fields and wrong types."""
    scalars, lists, cast = {}, {}, None
    for key, value in body.items():
        if key in md.SCALARS[kind]:
            if value is None or value == "":
                raise bad_request(f"'{key}' cannot be emptied; lock it instead", {"field": key})
            if key in INT_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int) or not (0 <= value < 2**31):
                    raise bad_request(f"'{key}' must be a non-negative integer", {"field": key})
            elif key in FLOAT_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int | float) or not (0 <= value <= 10):
                    raise bad_request(f"'{key}' must be a number from 0 to 10", {"field": key})
            elif not isinstance(value, str) or len(value) > 20000:
                raise bad_request(f"'{key}' must be a string", {"field": key})
            elif key in DATE_FIELDS and not DATE_RE.match(value):
                raise bad_request(f"'{key}' must be YYYY-MM-DD", {"field": key})
            elif key == "imdb_id" and not re.fullmatch(r"tt\d{5,10}", value):
                raise bad_request("'imdb_id' must look like tt0063350", {"field": key})
            scalars[key] = value
        elif key in md.LISTS[kind]:
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 200 for v in value) \
                    or len(value) > 200:
                raise bad_request(f"'{key}' must be a list of strings", {"field": key})
            lists[key] = value
        elif key == "cast" and kind in md.HAS_CAST:
            if not isinstance(value, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                      for c in value):
                raise bad_request("'cast' must be a list of {name, role?, order?}", {"field": key})
            cast = tuple(md.CastEntry(c["name"], c.get("role") if isinstance(c.get("role"), str) else None,
                                      c.get("order") if isinstance(c.get("order"), int) else i,
                                      c.get("thumb") if isinstance(c.get("thumb"), str) else None)
                         for i, c in enumerate(value))
        else:
            raise bad_request(f"'{key}' is not an editable field of a {kind}", {"field": key})
    if not (scalars or lists or cast is not None):
        raise bad_request("nothing to change")
    return md.Update("user", scalars, lists, cast=cast, lock=True)


async def republish_after_user_change(request: web.Request, kind: str, eid: int) -> int | None:
    """When the item's library publishes by itself, a user's edit or uploaded artwork reaches the
    files (and the players) without a click: the publish job's id, or None."""
    s = request.app[services_key]
    if kind == "collection":   # its movie set folder and the players' sets (an image chosen or uploaded)
        from metarr.enrichment.collections import publish_spec
        spec = await request.app[bridge_key].run(publish_spec, eid, PRIORITY["user"])
        if spec is None:
            return None
        ids = await request.app[bridge_key].ask(lambda: s.actor("ledger").enqueue(spec))
        return ids[0] if ids else None
    target = await request.app[bridge_key].run(republish_after_edit, kind, eid)
    if target is None:
        return None
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(chain.entity_job("publish", *target, PRIORITY["user"])))
    return ids[0] if ids else None


async def _patch(request: web.Request, kind: str) -> web.Response:
    eid = path_id(request)
    body = await json_body(request)
    if kind == "series" and "episode_order" in body:   # a show's order: renumbered and published again
        from . import orders
        order = orders.parse_order(body.pop("episode_order"))
        update = parse_edit(kind, body) if body else None
        await orders.apply_order(request, eid, order)
        if update is None:
            return ok(await request.app[bridge_key].run(browse.detail, kind, eid))
    else:
        update = parse_edit(kind, body)
    s = request.app[services_key]
    model = md.ENTITY_MODELS[kind]
    if await request.app[bridge_key].run(lambda: model.get_or_none(model.id == eid)) is None:
        raise not_found(f"{kind} {eid}")
    changed = await request.app[bridge_key].run(md.apply, s.db, kind, eid, update)
    s.bus.publish("entity.updated", entity=kind, id=eid, fields=changed, source="user")
    if changed:
        await republish_after_user_change(request, kind, eid)
    d = await request.app[bridge_key].run(browse.detail, kind, eid)
    return ok(d)


async def _lock(request: web.Request, kind: str) -> web.Response:
    eid = path_id(request)
    key = request.match_info["field"]
    if key not in md.lockable_keys(kind) and not key.startswith("art:"):
        raise bad_request(f"'{key}' is not a lockable field of a {kind}")
    body = await json_body(request)
    locked = body.get("locked")
    if not isinstance(locked, bool):
        raise bad_request("'locked' must be true or false")
    s = request.app[services_key]
    model = md.ENTITY_MODELS[kind]
    if await request.app[bridge_key].run(lambda: model.get_or_none(model.id == eid)) is None:
        raise not_found(f"{kind} {eid}")
    await request.app[bridge_key].run(md.set_lock, s.db, kind, eid, key, locked)
    return ok({"field": key, "locked": locked})


async def _trigger(request: web.Request, kind: str) -> web.Response:
    eid = path_id(request)
    action = request.match_info["action"]
    s = request.app[services_key]
    model = md.ENTITY_MODELS[kind]
    if await request.app[bridge_key].run(lambda: model.get_or_none(model.id == eid)) is None:
        raise not_found(f"{kind} {eid}")
    if action == "publish" and request.query.get("dry_run") in ("1", "true"):
        from metarr.publishing.desired import PublishError
        publisher = s.actor("publisher")
        try:
            return ok(await request.app[bridge_key].ask(lambda: publisher.plan(kind, eid), timeout=120))
        except PublishError as e:
            raise ApiError(409, "cannot_publish", str(e)) from None
    jtype = f"{action}.{kind}"
    if s.registry.get(jtype) is None:
        raise ApiError(501, "not_implemented", f"{action} is not available for a {kind}")
    if action == "publish":
        # what the dry run would say (an unidentified item gets no files): said now, in the same
        # words, instead of a queued job that "succeeds" writing nothing
        from metarr.publishing.desired import PublishError, check_publishable
        from metarr.service import settings
        try:
            await request.app[bridge_key].run(lambda: check_publishable(
                kind, eid, bool(settings.get(s.db, "publish.unidentified"))))
        except PublishError as e:
            raise ApiError(409, "cannot_publish", str(e)) from None
    body = await json_body(request, required=False)
    spec = chain.entity_job(action, kind, eid, None, PRIORITY["user"], force=bool(body.get("force")))
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
    return ok({"job_id": ids[0]}, status=202)


def _register(plural: str, kind: str, actions: tuple[str, ...]) -> None:
    async def list_view(request):
        return await _list(request, kind)

    async def detail_view(request):
        return await _detail(request, kind)

    async def patch_view(request):
        return await _patch(request, kind)

    async def lock_view(request):
        return await _lock(request, kind)

    async def trigger_view(request):
        if request.match_info["action"] not in actions:
            raise not_found(f"action {request.match_info['action']!r}")
        return await _trigger(request, kind)

    if kind in browse.SORTS:
        routes.get(f"/api/v1/{plural}")(list_view)
    routes.get(f"/api/v1/{plural}/{{id}}")(detail_view)
    routes.route("PATCH", f"/api/v1/{plural}/{{id}}")(patch_view)
    routes.put(f"/api/v1/{plural}/{{id}}/locks/{{field}}")(lock_view)
    if actions:
        # the actions are spelled out so that POST …/{id}/identify reaches the identify route
        routes.post(f"/api/v1/{plural}/{{id}}/{{action:{'|'.join(actions)}}}")(trigger_view)


for _plural, _kind, _actions in (("movies", "movie", ("enrich", "publish")),
                                 ("series", "series", ("enrich", "publish")),
                                 ("episodes", "episode", ()), ("seasons", "season", ()),
                                 ("artists", "artist", ("enrich", "publish")),
                                 ("albums", "album", ("enrich", "publish"))):
    _register(_plural, _kind, _actions)


@routes.get("/api/v1/series/{id}/episodes")
async def series_episodes(request: web.Request) -> web.Response:
    sid = path_id(request)
    season = int_param(request, "season", -1, -1) if "season" in request.query else None
    from metarr.db.media import Series
    if await request.app[bridge_key].run(lambda: Series.get_or_none(Series.id == sid)) is None:
        raise not_found(f"series {sid}")
    rows = await request.app[bridge_key].run(browse.episodes_of, sid, season)
    from metarr.scanning.kodi_names import kodi_numbers
    for r in rows:   # Kodi numbers a file from its name where the name has numbers (not the NFO's)
        got = kodi_numbers(r["file"]) if r.get("file") else None
        r["kodi_numbers"] = list(got) if got else None
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0})
