"""What every page module shares: the route table, rendering with the navigation and the CSRF
token, and running database reads off the event loop."""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from .. import auth
from ..keys import bridge_key, session_secret_key

NAV = [("/", "Dashboard"), ("/libraries", "Libraries"), ("/movies", "Movies"), ("/collections", "Collections"),
       ("/series", "TV"), ("/music", "Music"),
       ("/jobs", "Jobs"), ("/players", "Players"), ("/settings", "Settings"), ("/recycle-bin", "Recycle bin"),
       ("/activity", "Activity")]
routes = web.RouteTableDef()


async def context(request: web.Request) -> dict:
    session = request.cookies.get(auth.SESSION_COOKIE, "")
    secret = request.app[session_secret_key]
    return {"nav": NAV, "csrf": auth.csrf_token(secret, session) if session else ""}


def render(template: str, request: web.Request, active: str, **ctx) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, {"active": active, **ctx})


async def run(request, fn, *args):
    return await request.app[bridge_key].run(fn, *args)
