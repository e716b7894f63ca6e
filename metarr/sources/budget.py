"""Request budgets per remote host, shared by everything in one process that talks to that host:
the provider API traffic and the artwork downloads. A budget is a GCRA pacer (absolute send times),
a pause (after a 429/503 with Retry-After) and a cap on concurrent requests.

Keys: a provider's name for its API host ("tmdb"), and "h:<host:port>" for artwork hosts; an
artwork URL on a provider's API host (as with the emulators, or a self-hosted mirror) takes the
provider's key, so both kinds of request draw on one budget.

A fresh budget starts with no burst credit: the process before this one (killed, restarted) may
have spent the burst just now, and a host counts requests, not processes."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from metarr.sources.ratelimit import Limits, LocalPacer
from metarr.sources.registry import default_limits

# artwork hosts (reference/external-apis.md, reliability-performance.md): CDNs without a published
# number get a polite pace; Cover Art Archive is MusicBrainz's and keeps its strict spacing
DEFAULT_HOST_LIMITS = {
    "image.tmdb.org": Limits(20.0, 10, 6),
    "assets.fanart.tv": Limits(5.0, 5, 4),
    "artworks.thetvdb.com": Limits(10.0, 10, 4),
    "coverartarchive.org": Limits(1.0, 1, 1),
}
OTHER_HOST = Limits(20.0, 10, 6)   # an artwork host of unknown policy (a self-hosted mirror, an emulator)


def host_of(url: str) -> str:
    """`host:port` (default ports filled in), lower case: what two URLs must share to share a budget."""
    u = urlsplit(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    return f"{(u.hostname or '').lower()}:{port}"


def budget_for(url: str, provider_urls: dict[str, str], provider_limits: dict[str, Limits],
               host_limits: dict[str, Limits]) -> tuple[str, Limits]:
    """(budget key, limits) for a download of `url` (pure)."""
    host = host_of(url)
    for name, base in provider_urls.items():
        defaults = default_limits()
        if name in defaults and host_of(base) == host:
            return name, provider_limits.get(name, defaults[name])
    bare = host.rsplit(":", 1)[0]
    lim = host_limits.get(host) or host_limits.get(bare) or DEFAULT_HOST_LIMITS.get(bare, OTHER_HOST)
    return f"h:{host}"[:32], lim   # 32: the shared limit row's key (a cut key only shares a budget)


class Budgets:
    """Thread-safe; held by Services, so the gateway's loop thread and the asset downloaders share it."""

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.pacers: dict[str, LocalPacer] = {}
        self.slots: dict[str, threading.BoundedSemaphore] = {}

    def reserve(self, key: str, lim: Limits) -> float:
        """The epoch time a request may be sent at."""
        interval = 1.0 / lim.rps
        with self.lock:
            now = self.clock()
            pacer = self.pacers.get(key)
            if pacer is None:
                # no burst credit for a new process: the first request goes now, the next one an
                # interval later, as if the burst had just been spent
                pacer = self.pacers[key] = LocalPacer(tat=now + (lim.burst - 1) * interval)
            return now + pacer.reserve(now, interval, lim.burst)

    def pause(self, key: str, until: float) -> None:
        with self.lock:
            self.pacers.setdefault(key, LocalPacer()).pause(until)

    def paused_until(self, key: str) -> float:
        with self.lock:
            p = self.pacers.get(key)
            return p.paused_until if p else 0.0

    @contextmanager
    def slot(self, key: str, lim: Limits):
        """At most `lim.concurrency` requests in flight to this budget (threads)."""
        with self.lock:
            sem = self.slots.setdefault(key, threading.BoundedSemaphore(lim.concurrency))
        with sem:
            yield
