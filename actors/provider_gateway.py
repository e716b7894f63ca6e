"""ProviderGateway: the actor in front of all provider traffic. It owns one asyncio loop thread on
which `metarr.sources.traffic.ProviderTraffic` paces, retries, breaks circuits and caches.

`submit(request)` answers at once with a concurrent future; the caller (a worker thread) waits on
it. So the actor is never blocked by a slow provider, and a slow MusicBrainz never holds up TMDB."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading

from metarr.sources.http import Request
from metarr.sources.traffic import ProviderTraffic

from .base import MetarrActor


class ProviderGateway(MetarrActor):
    def __init__(self, services, limits=None, timeouts: dict[str, float] | None = None) -> None:
        super().__init__()
        self.services = services
        self.options = (limits, timeouts)

    def on_start(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="provider-loop", daemon=True)
        self.thread.start()
        limits, timeouts = self.options
        self.traffic = ProviderTraffic(self.services.config, self.services.db, self.loop, limits, timeouts,
                                       budgets=self.services.budgets)
        asyncio.run_coroutine_threadsafe(self.traffic.open(), self.loop).result(10)

    def on_stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.traffic.close(), self.loop).result(10)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        super().on_stop()

    # ------------------------------------------------------------ asks
    def submit(self, req: Request) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(self.traffic.run(req), self.loop)

    def configured(self) -> list[str]:
        return sorted(self.traffic.endpoints)

    def status(self) -> dict:
        return {"status": "ok", "providers": self.traffic.status()}
