"""The websocket feed (auth by header, session or `apikey` query: see web/auth.py)."""
from __future__ import annotations

from aiohttp import web

from ..keys import hub_key

routes = web.RouteTableDef()


@routes.get("/api/v1/ws")
async def websocket(request: web.Request) -> web.StreamResponse:
    return await request.app[hub_key].serve(request)
