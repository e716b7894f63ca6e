"""Collections (TMDB movie sets) as items: list, detail with their movies, edit and locks, enrich and
publish (its movie set folder; `?dry_run=true` for the plan). Artwork candidates, select and
upload are the generic routes of artwork.py (`/api/v1/collections/{id}/candidates` …)."""
from __future__ import annotations

from aiohttp import web

from metarr import metadata as md
from metarr.db.media import Collection
from metarr.enrichment import collections as coll
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.library import collection_view

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import json_body, paging, path_id
from .media import parse_edit

routes = web.RouteTableDef()


async def _exists(request: web.Request, cid: int) -> Collection:
    row = await request.app[bridge_key].run(lambda: Collection.get_or_none(Collection.id == cid))
    if row is None:
        raise not_found(f"collection {cid}")
    return row


async def republish(request: web.Request, cid: int, members: bool) -> list[int]:
    """After the user's change: the set folder (and so the players' sets) and, for a new name or
    overview, its movies' NFOs, where their libraries publish by themselves. The job ids."""
    def specs():
        out = [s for s in (coll.publish_spec(cid, PRIORITY["user"]),) if s is not None]
        return out + (list(coll.republish_members(cid, PRIORITY["user"])) if members else [])
    todo = await request.app[bridge_key].run(specs)
    if not todo:
        return []
    ledger = request.app[services_key].actor("ledger")
    return await request.app[bridge_key].ask(lambda: ledger.enqueue(todo))


@routes.get("/api/v1/collections")
async def list_collections(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    q = (request.query.get("q") or "").strip()[:200] or None
    empty = request.query.get("empty") in ("1", "true")
    rows, total = await request.app[bridge_key].run(lambda: collection_view.list_collections(
        limit=limit, offset=offset, q=q, empty=empty))
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


@routes.get("/api/v1/collections/{id}")
async def detail(request: web.Request) -> web.Response:
    cid = path_id(request)
    d = await request.app[bridge_key].run(collection_view.detail, cid)
    if d is None:
        raise not_found(f"collection {cid}")
    return ok(d)


@routes.route("PATCH", "/api/v1/collections/{id}")
async def patch(request: web.Request) -> web.Response:
    """`name`, `overview`: set and locked (a provider never changes them again)."""
    cid = path_id(request)
    update = parse_edit("collection", await json_body(request))
    if "name" in update.scalars and not update.scalars["name"].strip():
        raise bad_request("'name' cannot be blank", {"field": "name"})
    s = request.app[services_key]
    await _exists(request, cid)
    changed = await request.app[bridge_key].run(md.apply, s.db, "collection", cid, update)
    s.bus.publish("entity.updated", entity="collection", id=cid, fields=changed, source="user")
    if changed:
        await republish(request, cid, members=True)
    return ok(await request.app[bridge_key].run(collection_view.detail, cid))


@routes.put("/api/v1/collections/{id}/locks/{field}")
async def lock(request: web.Request) -> web.Response:
    cid = path_id(request)
    key = request.match_info["field"]
    if key not in md.lockable_keys("collection") and not key.startswith("art:"):
        raise bad_request(f"'{key}' is not a lockable field of a collection")
    locked = (await json_body(request)).get("locked")
    if not isinstance(locked, bool):
        raise bad_request("'locked' must be true or false")
    s = request.app[services_key]
    await _exists(request, cid)
    await request.app[bridge_key].run(md.set_lock, s.db, "collection", cid, key, locked)
    return ok({"field": key, "locked": locked})


@routes.post("/api/v1/collections/{id}/{action:enrich|publish}")
async def trigger(request: web.Request) -> web.Response:
    cid = path_id(request)
    action = request.match_info["action"]
    s = request.app[services_key]
    await _exists(request, cid)
    if action == "publish" and request.query.get("dry_run") in ("1", "true"):
        from metarr.publishing.desired import PublishError
        publisher = s.actor("publisher")
        try:
            return ok(await request.app[bridge_key].ask(lambda: publisher.plan_collection(cid), timeout=120))
        except PublishError as e:
            raise ApiError(409, "cannot_publish", str(e)) from None
    spec = chain.entity_job(action, "collection", cid, None, PRIORITY["user"])
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
    return ok({"job_id": ids[0]}, status=202)
