"""The web UI: server-rendered pages (aiohttp-jinja2) over the same read models as the REST API;
actions go through the REST API from a small script (session cookie + CSRF token). Login and the
folder browser live here; the item pages in `items.py`, the service's own pages in `pages.py`."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from metarr.db.models import Library
from metarr.library.paths import browse_roots
from metarr.service import settings

from .. import auth
from ..keys import (
    api_key_key,
    hub_key,
    login_guard_key,
    services_key,
    session_book_key,
    session_secret_key,
)
from ..ratelimit import came_over_https, client_address, ratelimit_key
from ..validate import form_body
from . import collections, items, pages  # noqa: F401 - their routes join the table
from .common import context, routes, run
from .filters import FILTERS

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def setup(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                         context_processors=[context], filters=FILTERS)
    app.router.add_routes(routes)
    app.router.add_static("/static/", str(HERE / "static"), name="static")


# ------------------------------------------------------------------ login

@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, auth.safe_next(request.query.get("next")), None)


def _login_page(request: web.Request, nxt: str, error: str | None, status: int = 200) -> web.Response:
    # the hint names the data directory: `metarr apikey` must be run against the same one
    data_dir = str(request.app[services_key].config.data_dir)
    return aiohttp_jinja2.render_template("login.html", request, {"next": nxt, "error": error, "data_dir": data_dir},
                                          status=status)


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await form_body(request)
    secret = str(form.get("secret", ""))
    nxt = auth.safe_next(str(form.get("next", "/")))   # no open redirect
    s = request.app[services_key]
    addr = client_address(request, request.app[ratelimit_key].trusted)
    guard = request.app[login_guard_key]
    wait = guard.throttle.attempt(addr, time.time())   # counted now: a burst cannot outrun the count
    if wait > 0:
        log.warning("login from %s refused: too many failed logins (retry in %.0f s)", addr, wait)
        resp = _login_page(request, nxt, f"Too many failed logins. Try again in {int(wait) + 1} seconds.", 429)
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    stored = await run(request, settings.get, s.db, "ui.password")
    ok = auth.same(secret, request.app[api_key_key])
    if not ok and stored:
        # PBKDF2 takes a core for a tenth of a second: off the loop, and a few at a time
        async with guard.hashing:
            ok = await run(request, settings.check_password, secret, stored)
    if not ok:
        log.warning("failed login from %s", addr)
        # the form again with a message (a 401 here would only add a console error in the browser)
        return _login_page(request, nxt, "Wrong key or password.")
    guard.throttle.succeeded(addr)
    resp = web.HTTPFound(nxt)
    sid = await run(request, request.app[session_book_key].open, s.db, auth.SESSION_TTL)
    resp.set_cookie(auth.SESSION_COOKIE, auth.make_session(request.app[session_secret_key], sid), httponly=True,
                    samesite="Lax", max_age=auth.SESSION_TTL, path="/",
                    secure=came_over_https(request, request.app[ratelimit_key].trusted))
    raise resp


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    form = await form_body(request)
    secret = request.app[session_secret_key]
    cookie = request.cookies.get(auth.SESSION_COOKIE, "")
    sid = auth.session_id(secret, cookie)
    if sid is not None:
        # a cross-site form must not end the user's session: the page's CSRF token is required
        if not auth.same(str(form.get("csrf", "")), auth.csrf_token(secret, cookie)):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        await run(request, request.app[session_book_key].close, request.app[services_key].db, sid)
        await request.app[hub_key].end_sessions({sid})
    resp = web.HTTPFound("/login")
    resp.del_cookie(auth.SESSION_COOKIE, path="/")
    raise resp


# ------------------------------------------------------------------ folder browser

@routes.get("/ui/browse")
async def browse_dirs(request: web.Request) -> web.Response:
    """Sub-directories of a folder, confined to the allowed roots (setting `ui.browse_roots`)."""
    from ..envelope import ApiError, ok
    s = request.app[services_key]
    def allowed():
        libs = [lib.path for lib in Library.select(Library.path)]
        return browse_roots(settings.get(s.db, "ui.browse_roots") or [], libs, os.path.expanduser("~"))
    roots = [os.path.realpath(r) for r in await run(request, allowed)]
    if not roots:
        raise ApiError(403, "forbidden", "no folder to browse: set ui.browse_roots")
    if not request.query.get("path") and len(roots) > 1:
        # several starting points: offer them as the first listing
        return ok({"path": "", "parent": None, "dirs": [{"name": r, "path": r} for r in roots]})
    want = request.query.get("path") or roots[0]
    real = os.path.realpath(want)
    if not any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots):
        raise ApiError(403, "forbidden", "outside the folders you may browse")

    def listing():
        try:
            with os.scandir(real) as it:
                dirs = sorted((e.name for e in it if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")),
                              key=str.lower)
        except OSError as e:
            raise ApiError(400, "bad_request", f"cannot list {real}: {e.strerror}") from None
        return [{"name": n, "path": os.path.join(real, n)} for n in dirs[:500]]
    dirs = await run(request, listing)
    return ok({"path": real, "parent": os.path.dirname(real) if real not in roots else None, "dirs": dirs})
