"""Middlewares: JSON errors for every failure (never an HTML page or a traceback), and auth."""
from __future__ import annotations

import logging

from aiohttp import web

from metarr.db.errors import trouble

from . import auth, limits
from .envelope import ApiError, error_body
from .keys import api_key_key, session_book_key, session_secret_key

log = logging.getLogger(__name__)

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                 422: "unprocessable", 429: "rate_limited", 503: "unavailable"}


def _wants_html(request: web.Request) -> bool:
    return not request.path.startswith("/api/") and request.path != "/metrics"


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as e:
        resp = error_body(e.status, e.code, e.message, e.details)
        resp.headers.update(e.headers)
        return resp
    except web.HTTPException as e:
        if e.status < 400:
            raise
        if _wants_html(request) and e.status == 404:
            import aiohttp_jinja2
            try:
                return aiohttp_jinja2.render_template("404.html", request, {"path": request.path[:300]}, status=404)
            except Exception:   # an app without the UI templates (tests of the API alone)
                return web.Response(status=404, text="<h1>Not found</h1><p><a href='/'>Metarr</a></p>",
                                    content_type="text/html")
        message = {404: "no such route", 405: "method not allowed", 413: "request body too large"}.get(e.status, e.reason)
        resp = error_body(e.status, _STATUS_CODES.get(e.status, "error"), message)
        for h in ("Allow", "Retry-After"):
            if h in e.headers:
                resp.headers[h] = e.headers[h]
        return resp
    except Exception as e:
        busy = trouble(e)
        if busy is not None:   # the environment's, not a bug: say what and when to try again
            log.warning("%s %s: %s (%s)", request.method, request.path, busy.kind, e)
            resp = error_body(503, "unavailable", busy.sentence, {"reason": busy.kind})
            resp.headers["Retry-After"] = str(busy.retry_after)
            return resp
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_body(500, "internal", "internal error (see the server log)")


# the UI loads its own script and styles only (no inline script), images also from artwork hosts,
# and no other site may frame it (clickjacking)
UI_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: http: https:; "
          "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every response (pages, API, static files, errors): no MIME sniffing, no framing, no
    referrer to other sites; pages also get the content security policy."""
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        h.setdefault("Content-Security-Policy", UI_CSP)
    else:
        h.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")


@web.middleware
async def body_limit_middleware(request: web.Request, handler):
    """400 for a NUL character in the address; 413 up front for a declared body over the route's limit, read or not by the handler (bodies
    without a length are cut off by the handlers' bounded reads)."""
    if "\x00" in request.path or "\x00" in request.query_string:
        # no field can hold it, and PostgreSQL refuses it in a query: a 400, not a 500 from deep down
        raise ApiError(400, "bad_request", "the address holds a NUL character (%00)")
    if request.method in ("POST", "PUT", "PATCH") and request.content_length is not None \
            and request.content_length > limits.body_limit(request.path):
        raise ApiError(413, "too_large", f"request body too large (limit {limits.body_limit(request.path)} bytes)")
    return await handler(request)


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if auth.is_public(request.path):
        return await handler(request)
    app = request.app
    how = auth.authenticate(request, app[api_key_key], app[session_secret_key], app[session_book_key])
    if how is None:
        if _wants_html(request):
            raise web.HTTPFound("/login?next=" + request.path_qs.replace("&", "%26"))
        raise ApiError(401, "unauthorized", "missing or wrong API key (send it in the X-Api-Key header)")
    if how == "session" and request.path.startswith("/api/") and not auth.csrf_ok(request, app[session_secret_key]):
        raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token for a cookie-authenticated write")
    if how == "session" and request.path == "/api/v1/ws" and not auth.origin_ok(request):
        raise ApiError(403, "origin", "a websocket with the session cookie must come from this service's own pages")
    request["auth"] = how
    return await handler(request)
