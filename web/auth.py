"""API key, session cookie and CSRF checks (SPEC §6, §8). Keys are compared in constant time;
there is no 'local network needs no auth' bypass."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from aiohttp import web

SESSION_COOKIE = "metarr_session"
SESSION_TTL = 30 * 86400
PUBLIC_PATHS = ("/api/v1/health", "/login", "/logout", "/favicon.ico")
PUBLIC_PREFIXES = ("/static/",)
QUERY_KEY_PREFIXES = ("/api/v1/webhooks/", "/api/v1/ws")


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def make_session(secret: bytes, sid: str, now: float | None = None) -> str:
    """The cookie: expiry and server-side session id, signed (the id alone is what logout ends)."""
    body = f"{int((now or time.time()) + SESSION_TTL)}.{sid}"
    return f"{body}.{hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()}"


def session_id(secret: bytes, value: str | None, now: float | None = None) -> str | None:
    """The session id of a well-signed, unexpired cookie (whether it is still open is the book's)."""
    parts = (value or "").split(".")
    if len(parts) != 3:
        return None
    exp, sid, sig = parts
    good = hmac.new(secret, f"{exp}.{sid}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sig.encode(), good.encode()):
        return None
    try:
        return sid if int(exp) > (now or time.time()) else None
    except ValueError:
        return None


def csrf_token(secret: bytes, session: str) -> str:
    return hmac.new(secret, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()[:32]


def safe_next(value: str | None) -> str:
    """Where a login may send the browser: a path of this service, else "/". Browsers drop tabs and
    line breaks inside a URL and read a backslash as a slash (`/%09/evil.example` and `/\\evil.example`
    are `//evil.example`, another site), so the path is judged as a browser reads it."""
    value = value or "/"
    as_read = value.translate({9: None, 10: None, 13: None}).replace("\\", "/")
    if not value.startswith("/") or as_read.startswith("//") or any(ord(c) < 0x20 or ord(c) == 0x7f for c in value):
        return "/"
    return value


def basic_password(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8", "replace")
    except (ValueError, UnicodeDecodeError):
        return None
    return raw.split(":", 1)[1] if ":" in raw else None


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def authenticate(request: web.Request, api_key: str, secret: bytes, book=None) -> str | None:
    """How the request proved itself: 'key', 'session', or None."""
    path = request.path
    if same(request.headers.get("X-Api-Key"), api_key):
        return "key"
    if path.startswith(QUERY_KEY_PREFIXES):
        if same(request.query.get("apikey"), api_key):
            return "key"
        if path.startswith("/api/v1/webhooks/") and same(basic_password(request.headers.get("Authorization")), api_key):
            return "key"
    sid = session_id(secret, request.cookies.get(SESSION_COOKIE))
    if sid is not None and (book is None or book.valid(sid)):
        return "session"
    return None


def origin_ok(request: web.Request) -> bool:
    """A cookie-authenticated websocket must come from a page of this service (cross-site websocket
    hijacking: the browser sends the cookie to any page's websocket)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True     # not a browser
    from urllib.parse import urlsplit
    return urlsplit(origin).netloc.lower() == (request.host or "").lower()


def csrf_ok(request: web.Request, secret: bytes) -> bool:
    """Cookie-authenticated writes need the per-session token in a header (or form field for pages)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    session = request.cookies.get(SESSION_COOKIE, "")
    token = request.headers.get("X-CSRF-Token")
    return token is not None and hmac.compare_digest(token.encode(), csrf_token(secret, session).encode())
