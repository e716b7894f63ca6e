"""Settings: read all, change some."""
from __future__ import annotations

from aiohttp import web

from metarr.service import settings

from ..envelope import bad_request, ok
from ..keys import bridge_key, services_key
from ..validate import json_body

routes = web.RouteTableDef()


def _public(values: dict) -> dict:
    # the UI password is a secret: say whether one is set, never what it is
    out = dict(values)
    out["ui.password"] = bool(out.get("ui.password"))
    return out


@routes.get("/api/v1/settings")
async def get_settings(request: web.Request) -> web.Response:
    s = request.app[services_key]
    values = await request.app[bridge_key].run(settings.get_all, s.db)
    return ok(_public(values))


@routes.route("PATCH", "/api/v1/settings")
@routes.put("/api/v1/settings")
async def put_settings(request: web.Request) -> web.Response:
    s = request.app[services_key]
    body = await json_body(request)
    before = await request.app[bridge_key].run(settings.get, s.db, "publish.movieset_folder")
    try:
        await request.app[bridge_key].run(settings.put_many, s.db, body)
    except ValueError as e:
        raise bad_request(str(e)) from None
    if "publish.movieset_folder" in body:
        await _movieset_folder_moved(request, before)
    if "ui.password" in body:
        # a new password ends every signed-in browser, this one included
        from ..keys import hub_key, session_book_key
        await request.app[bridge_key].run(request.app[session_book_key].close_all, s.db)
        await request.app[hub_key].end_sessions()
    from ..ratelimit import ratelimit_key
    if ratelimit_key in request.app:
        request.app[ratelimit_key].invalidate()   # a new api.rate_limit_per_minute applies at once
    values = await request.app[bridge_key].run(settings.get_all, s.db)
    return ok(_public(values))


async def _movieset_folder_moved(request: web.Request, before: str) -> None:
    """Another movie set folder (or none): every collection is published again, so the sets' images
    are written there and those in the old folder go to the recycle bin."""
    s = request.app[services_key]
    if await request.app[bridge_key].run(settings.get, s.db, "publish.movieset_folder") == before:
        return
    from metarr.enrichment.collections import republish_all
    from metarr.jobs.model import PRIORITY
    specs = await request.app[bridge_key].run(republish_all, PRIORITY["bulk"])
    if specs:
        ledger = s.actor("ledger")
        await request.app[bridge_key].ask(lambda: ledger.enqueue(specs))
