"""Per-client rate limiting (SPEC §6): a token bucket per client, 429 + `Retry-After` when empty.

Who is a client:
- a request carrying the valid API key (header, or `apikey` query where that is accepted) is
  `key@<address>`: every program using the key gets its own bucket per address, so one busy script
  cannot starve the UI or another script;
- a request with a valid session cookie is `session:<hash of the cookie>`;
- anything else (no or wrong credentials) is `anon@<address>`: guessing keys is throttled too.

`<address>` is the TCP peer. `X-Forwarded-For` is read only when the peer is one of the configured
`METARR_TRUSTED_PROXIES` (addresses or CIDR networks); the client is then the right-most address in
the header that is not itself a trusted proxy. A forged header from anyone else is ignored.

The rate is the setting `api.rate_limit_per_minute` (default 1200; 0 turns limiting off). A bucket
holds one minute's worth of tokens (the burst) and refills continuously.

What is limited: `/api/…` and `/metrics`. Exempt: `/api/v1/health` (public liveness probe, constant
work), the websocket upgrade (a long-lived connection, not a request stream), UI pages and static
files. Webhooks (`/api/v1/webhooks/…`) are limited *separately*: their own bucket per client at the
same rate, so a burst of *arr events (a season pack import) never uses up the budget of the UI or
of API scripts, and an API flood cannot make Radarr's webhooks fail.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

from . import auth
from .envelope import error_body
from .keys import api_key_key, bridge_key, services_key, session_secret_key

SETTING = "api.rate_limit_per_minute"
REFRESH_SECONDS = 5.0       # how long a read of the setting is trusted
MAX_BUCKETS = 10_000        # least recently used buckets beyond this are forgotten (memory bound)
EXEMPT_PATHS = ("/api/v1/health", "/api/v1/ws")
WEBHOOK_PREFIX = "/api/v1/webhooks/"


def limited(path: str) -> bool:
    if path in EXEMPT_PATHS:
        return False
    return path.startswith("/api/") or path == "/metrics"


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets keyed by client; `per_minute` tokens, refilled at per_minute/60 a second."""

    def __init__(self, per_minute: float, clock=time.monotonic) -> None:
        self.per_minute = float(per_minute)
        self.clock = clock
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()
        self.rejected = 0
        self.allowed = 0

    def set_rate(self, per_minute: float) -> None:
        if float(per_minute) != self.per_minute:
            self.per_minute = float(per_minute)
            self.buckets.clear()

    def take(self, key: str) -> float:
        """0 when allowed; otherwise the seconds until a token is available."""
        if self.per_minute <= 0:
            self.allowed += 1
            return 0.0
        now = self.clock()
        rate = self.per_minute / 60.0
        b = self.buckets.get(key)
        if b is None:
            b = Bucket(self.per_minute, now)
            self.buckets[key] = b
            if len(self.buckets) > MAX_BUCKETS:
                self.buckets.popitem(last=False)
        else:
            self.buckets.move_to_end(key)
            b.tokens = min(self.per_minute, b.tokens + (now - b.updated) * rate)
            b.updated = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            self.allowed += 1
            return 0.0
        self.rejected += 1
        return (1.0 - b.tokens) / rate


def _networks(items) -> list:
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return out


def _in(addr: str, nets: list) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in n for n in nets)


def client_address(request: web.Request, trusted: list) -> str:
    peer = request.remote or "unknown"
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer   # garbage in the header: fall back to the proxy itself
    return hops[0] if hops else peer


def came_over_https(request: web.Request, trusted: list) -> bool:
    """HTTPS to this service, or a trusted proxy says the browser's request was (X-Forwarded-Proto)."""
    if request.secure:
        return True
    if not trusted or not _in(request.remote or "unknown", trusted):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https"


class RateLimiter:
    def __init__(self, trusted_proxies=(), per_minute: float = 1200) -> None:
        self.trusted = _networks(trusted_proxies)
        self.buckets = TokenBuckets(per_minute)
        self.fetched = 0.0

    def invalidate(self) -> None:
        """Read the setting again on the next request (called when settings change)."""
        self.fetched = 0.0

    async def refresh(self, app: web.Application) -> None:
        if time.monotonic() - self.fetched < REFRESH_SECONDS:
            return
        from metarr.service import settings
        self.fetched = time.monotonic()
        if bridge_key not in app:
            return
        s = app[services_key]
        try:
            value = await app[bridge_key].run(settings.get, s.db, SETTING)
            self.buckets.set_rate(float(value) if value is not None else 0.0)
        except Exception:   # a DB hiccup keeps the last rate
            pass

    def client_key(self, request: web.Request, api_key: str, secret: bytes) -> str:
        addr = client_address(request, self.trusted)
        how = auth.authenticate(request, api_key, secret)
        if how == "key":
            who = f"key@{addr}"
        elif how == "session":
            cookie = request.cookies.get(auth.SESSION_COOKIE, "")
            who = "session:" + hashlib.sha256(cookie.encode()).hexdigest()[:16]
        else:
            who = f"anon@{addr}"
        if request.path.startswith(WEBHOOK_PREFIX):
            who = "webhook:" + who
        return who


ratelimit_key = web.AppKey("ratelimit", RateLimiter)


def middleware(limiter: RateLimiter):
    @web.middleware
    async def rate_limit_middleware(request: web.Request, handler):
        if not limited(request.path):
            return await handler(request)
        app = request.app
        await limiter.refresh(app)
        wait = limiter.buckets.take(limiter.client_key(request, app[api_key_key], app[session_secret_key]))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            resp = error_body(429, "rate_limited",
                              f"too many requests: limit is {limiter.buckets.per_minute:g} a minute; "
                              f"retry after {retry} s", {"retry_after": retry})
            resp.headers["Retry-After"] = str(retry)
            return resp
        return await handler(request)
    return rate_limit_middleware
