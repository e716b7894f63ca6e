"""The websocket feed (auth by header, session or `apikey` query: see web/auth.py)."""
from __future__ import annotations

from aiohttp import web

from .. import auth
from ..keys import hub_key, session_secret_key

routes = web.RouteTableDef()


@routes.get("/api/v1/ws")
async def websocket(request: web.Request) -> web.StreamResponse:
    sid = None
    if request.get("auth") == "session":   # remembered, so that a logout can close this feed
        sid = auth.session_id(request.app[session_secret_key], request.cookies.get(auth.SESSION_COOKIE))
    return await request.app[hub_key].serve(request, session=sid)
