"""Activity log."""
from __future__ import annotations

from aiohttp import web

from metarr.service import activity

from ..envelope import ok
from ..keys import bridge_key
from ..validate import paging

routes = web.RouteTableDef()


@routes.get("/api/v1/activity")
async def list_activity(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    level = request.query.get("level") if request.query.get("level") in ("info", "warning", "error") else None
    rows, total = await request.app[bridge_key].run(activity.list_entries, limit, offset,
                                                    (request.query.get("kind") or "")[:64] or None, level)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})
