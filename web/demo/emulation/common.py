"""What every emulated provider shares: test keys, fault injection, request stats, rate
limiting middleware, generated images, change feeds."""
from __future__ import annotations

import asyncio
import io
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

ART_HOST = web.AppKey("art_host", str)
URLS = web.AppKey("urls", dict)
TMDB_KEY = "tmdb-test-key-0123456789abcdef01"
TVDB_KEY = "tvdb-test-key"
FANART_KEY = "fanart-test-key"
OMDB_KEY = "omdbkey1"


@dataclass
class Faults:
    """Rates (0..1) of injected failures per request."""
    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_timeout: float = 0.0
    timeout_s: float = 15.0
    rate_truncated: float = 0.0
    rate_wrong_type: float = 0.0
    seed: int = 1


@dataclass
class Stats:
    requests: int = 0
    throttled: int = 0
    faults: int = 0
    fault_kinds: dict = field(default_factory=dict)   # "429" | "503" | "timeout" | "truncated" | "wrong_type" -> n
    calls: list = field(default_factory=list)
    times: deque = field(default_factory=lambda: deque(maxlen=100000))

    def max_in_window(self, window: float = 1.0) -> int:
        """The most requests that arrived within any `window` seconds (the busiest second)."""
        return max_in_window(list(self.times), window)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while t - times[j] > window:
            j += 1
        best = max(best, i - j + 1)
    return best


class Limiter:
    """Sliding window: more than `limit` requests within `window` seconds are refused."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.hits: deque[float] = deque()

    def allow(self) -> tuple[bool, float]:
        now = time.monotonic()
        while self.hits and now - self.hits[0] > self.window:
            self.hits.popleft()
        if len(self.hits) >= self.limit:
            return False, self.window - (now - self.hits[0])
        self.hits.append(now)
        return True, 0.0


class Spacing:
    """One request per `interval` on average, at most `burst` at once (GCRA): a request that comes
    more than `tolerance` seconds before its turn is refused (and does not count). `tolerance`
    allows for network jitter, never for a second request sent back to back."""

    def __init__(self, interval: float, burst: int = 1, tolerance: float = 0.0) -> None:
        self.interval, self.burst, self.tolerance = interval, burst, tolerance
        self.tat = 0.0   # theoretical arrival time of the next request

    def allow(self) -> tuple[bool, float]:
        now = time.monotonic()
        tat = max(self.tat, now)
        early = tat - now - (self.burst - 1) * self.interval
        if early > self.tolerance:
            return False, early
        self.tat = tat + self.interval
        return True, 0.0


# The services' own limits (reference/external-apis.md §0, reliability-performance.md §B), not
# Metarr's: a client over them is refused as by the real service. Factories: a limiter has state.
DOCUMENTED_LIMITS = {
    # "somewhere in the 40 [-50] requests per second range", per IP; 429 with status_code 25
    "tmdb": lambda: Limiter(40, 1.0),
    # no number published; the only one given is about 100 per 10 s
    "tvdb": lambda: Limiter(100, 10.0),
    # no number published: held to the pace Metarr declares for it (5/s, a burst of 5), so a
    # client that goes faster than it says is caught within a few seconds; 150 ms for the jitter of
    # a loaded machine (Metarr runs at exactly this pace, so 50 ms tripped now and then in CI)
    "fanart": lambda: Spacing(0.2, 5, 0.15),
    # 1 request per second on average per IP, 503 when faster: no back-to-back requests
    "musicbrainz": lambda: Spacing(1.0, 1, 0.1),
}


def image_bytes(kind: str, w: int, h: int, seed: int, fmt: str = "JPEG") -> bytes:
    """A real image, deterministic per (kind, size, seed), so the same art served by two providers
    is byte-identical."""
    rng = random.Random(f"{kind}{w}{h}{seed}")
    base = tuple(rng.randrange(40, 200) for _ in range(3))
    img = Image.new("RGBA" if fmt == "PNG" else "RGB", (w, h), base + ((255,) if fmt == "PNG" else ()))
    step = max(1, w // 10)
    for x in range(0, w, step):
        shade = tuple(min(255, c + rng.randrange(0, 55)) for c in base) + ((255,) if fmt == "PNG" else ())
        img.paste(shade, (x, 0, min(w, x + step // 2), h))
    buf = io.BytesIO()
    img.save(buf, fmt, quality=80) if fmt == "JPEG" else img.save(buf, fmt)
    return buf.getvalue()


def make_middleware(name: str, limiter: Limiter | None, faults: Faults, stats: Stats, over_status: int = 429,
                    over_body=None):
    rng = random.Random(faults.seed)

    @web.middleware
    async def mw(request: web.Request, handler):
        stats.requests += 1
        stats.times.append(time.monotonic())
        stats.calls.append((request.method, request.path_qs, dict(request.headers)))
        if limiter is not None:
            allowed, wait = limiter.allow()
            if not allowed:
                stats.throttled += 1
                headers = {"Retry-After": str(max(1, int(wait + 0.999)))}
                return web.json_response(over_body or {"error": "rate limited"}, status=over_status, headers=headers)
        roll = rng.random()
        edges = [faults.rate_429, faults.rate_503, faults.rate_timeout, faults.rate_truncated, faults.rate_wrong_type]
        acc = 0.0
        for i, rate in enumerate(edges):
            acc += rate
            if roll < acc:
                stats.faults += 1
                kind = ("429", "503", "timeout", "truncated", "wrong_type")[i]
                stats.fault_kinds[kind] = stats.fault_kinds.get(kind, 0) + 1
                if i == 0:
                    return web.json_response({"status_code": 25, "status_message": "Too many requests"}, status=429,
                                             headers={"Retry-After": "1"})
                if i == 1:
                    return web.Response(status=503, text="Service Unavailable")
                if i == 2:
                    await asyncio.sleep(faults.timeout_s)
                    return web.Response(status=504)
                resp = await handler(request)
                body = resp.body if isinstance(resp.body, bytes) else b"{}"
                if i == 3 and resp.content_type.startswith("image/"):
                    return await cut_off(request, resp.content_type, body)
                if i == 3:
                    return web.Response(body=body[: max(1, len(body) // 2)], content_type="application/json")
                return web.Response(body=b"<html><body>Maintenance</body></html>", content_type="text/html")
        return await handler(request)
    return mw


async def cut_off(request: web.Request, content_type: str, body: bytes) -> web.StreamResponse:
    """A transfer that breaks off: the whole length announced, half of it sent, the connection closed."""
    out = web.StreamResponse(headers={"Content-Type": content_type, "Content-Length": str(len(body))})
    await out.prepare(request)
    await out.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return out


def dumps(obj) -> str:
    return json.dumps(obj)


# ---------------------------------------------------------------- change feeds (issue #21)

@dataclass
class ChangeFeed:
    """What changed upstream, shared by the TMDB, TheTVDB and Fanart.tv emulators: ids (by kind:
    "movie" = TMDB movie ids, "tv" = TMDB tv ids, "tvdb" = TheTVDB series ids) changed at a time.
    A changed item's details answer with a revised overview from that time on."""
    at: dict = field(default_factory=dict)   # (kind, id) -> epoch seconds of the change
    page_size: int = 100

    def mark(self, kind: str, ids, when: float) -> None:
        for i in ids:
            self.at[(kind, int(i))] = when

    def mark_fraction(self, kind: str, ids, fraction: float, start: float, end: float, seed: int = 1) -> list[int]:
        """Mark a chosen fraction of `ids` as changed, at times spread between two dates."""
        rng = random.Random(seed)
        ids = sorted(ids)
        picked = sorted(rng.sample(ids, round(len(ids) * fraction)))
        for i in picked:
            self.at[(kind, i)] = rng.uniform(start, end)
        return picked

    def between(self, kind: str, start: float, end: float) -> list[int]:
        return sorted(i for (k, i), t in self.at.items() if k == kind and start <= t <= end)

    def revised(self, kind: str, ident: int) -> bool:
        t = self.at.get((kind, ident))
        return t is not None and t <= time.time()


CHANGES = web.AppKey("changes", ChangeFeed)


def revise(request, kind: str, ident, out: dict, key: str = "overview") -> dict:
    """A changed item answers with new text (so a refresh has something to merge)."""
    feed = request.app.get(CHANGES)
    if feed is not None and str(ident).isdigit() and feed.revised(kind, int(ident)) and out.get(key):
        out[key] = out[key] + " (Revised upstream.)"
        # TMDB's translations are the same texts: revised with them
        for t in (out.get("translations") or {}).get("translations") or []:
            if (t.get("data") or {}).get(key):
                t["data"][key] += " (Revised upstream.)"
    return out


def _epoch_of(date: str, end: bool = False) -> float:
    import datetime as dt
    d = dt.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=dt.UTC).timestamp()
    return d + 86399.999 if end else d
