"""Recycle bin: list, restore, purge (SPEC §5.8)."""
from __future__ import annotations

from aiohttp import web

from metarr.library import recyclebin

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import int_param, json_body, paging, path_id

routes = web.RouteTableDef()


@routes.get("/api/v1/recycle-bin")
async def list_bin(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    state = request.query.get("state", "present")
    if state not in ("present", "restored", "all"):
        raise bad_request("state must be present, restored or all")
    rows, total = await request.app[bridge_key].run(recyclebin.list_entries, limit, offset, state,
                                                    (request.query.get("q") or "")[:200] or None)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


@routes.post("/api/v1/recycle-bin/{id}/restore")
async def restore(request: web.Request) -> web.Response:
    eid = path_id(request)
    body = await json_body(request, required=False)
    overwrite = body.get("overwrite", False)
    if not isinstance(overwrite, bool):
        raise bad_request("'overwrite' must be true or false")
    s = request.app[services_key]
    try:
        e = await request.app[bridge_key].run(recyclebin.restore_entry, s.db, s.config.recycle_dir, eid, overwrite,
                                              s.config.cache_dir)
    except recyclebin.RestoreRefused as r:
        raise ApiError(410 if r.code == "gone" else 409, r.code, str(r)) from None
    except ValueError as v:  # path confinement refused the target
        raise bad_request(str(v)) from None
    if e is None:
        raise not_found(f"recycle bin entry {eid}")
    s.bus.publish("activity", kind="recycle.restored", message=f"restored {e.original_path}")
    return ok(recyclebin.entry_json(e))


@routes.post("/api/v1/recycle-bin/purge")
async def purge(request: web.Request) -> web.Response:
    """Remove entries older than `older_than_days` (default: the retention setting)."""
    from metarr.service import settings
    s = request.app[services_key]
    default = await request.app[bridge_key].run(settings.get, s.db, "recycle.retention_days")
    days = int_param(request, "older_than_days", int(default), 0, 36500)
    n = await request.app[bridge_key].run(recyclebin.purge, s.db, s.config.recycle_dir, days)
    return ok({"purged": n, "older_than_days": days})
