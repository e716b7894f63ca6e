"""ProviderGateway: the actor in front of all provider traffic. It owns one asyncio loop thread on
which `metarr.sources.traffic.ProviderTraffic` paces, retries, breaks circuits and caches.

`submit(request)` answers at once with a concurrent future; the caller (a worker thread) waits on
it. So the actor is never blocked by a slow provider, and a slow MusicBrainz never holds up TMDB."""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time

import pykka

from metarr.db.database import connection
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.service import redact
from metarr.sources import gaps
from metarr.sources import keys as provider_keys
from metarr.sources.http import Request
from metarr.sources.traffic import ProviderTraffic

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)
KEYS_FRESH = 10.0   # seconds


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
        self.keys_read_at = time.monotonic()
        self.traffic = ProviderTraffic(self.services.config, self.services.db, self.loop, limits, timeouts,
                                       budgets=self.services.budgets, keys=self._keys())
        proxy = self.actor_ref.proxy()

        def recovered(provider: str) -> None:   # on the loop thread: a tell, never an ask
            try:
                proxy.refill.defer(provider)
            except pykka.ActorDeadError:
                pass
        self.traffic.recovered = recovered
        asyncio.run_coroutine_threadsafe(self.traffic.open(), self.loop).result(10)

    def on_stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.traffic.close(), self.loop).result(10)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        super().on_stop()

    # ------------------------------------------------------------ told
    @safe_handler
    def refill(self, provider: str) -> None:
        """`provider` answers again: the items enriched without it are enriched again (queued at
        bulk priority; one pending job per item however often this is told)."""
        with connection(self.services.db):
            items = gaps.missing_from(provider)
        if not items:
            return
        log.info("%s answers again: %d item(s) enriched without it are enriched again", provider, len(items))
        specs = [chain.entity_job("enrich", et, eid, lib, PRIORITY["bulk"]) for et, eid, lib in items]
        ledger = self.services.actor("ledger")
        if ledger is not None:
            ledger.submit.defer(specs)

    # ------------------------------------------------------------ asks
    def submit(self, req: Request) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(self.traffic.run(req), self.loop)

    def configured(self) -> list[str]:
        # keys entered in the UI (by this or another process) are picked up within KEYS_FRESH seconds
        if time.monotonic() - self.keys_read_at > KEYS_FRESH:
            self.reload_keys()
        return sorted(self.traffic.endpoints)

    def reload_keys(self) -> list[str]:
        """Read the provider keys again (environment first, then those entered in the UI)."""
        self.keys_read_at = time.monotonic()
        keys = self._keys()
        redact.remember(*keys.values())
        asyncio.run_coroutine_threadsafe(self._apply(keys), self.loop).result(10)
        return sorted(self.traffic.endpoints)

    async def _apply(self, keys: dict[str, str]) -> None:
        self.traffic.set_keys(keys)

    def _keys(self) -> dict[str, str]:
        with connection(self.services.db):
            keys = provider_keys.effective(self.services.config.provider_keys, self.services.db)
        redact.remember(*keys.values())   # from the first start, and whichever process stored them
        return keys

    def status(self) -> dict:
        return {"status": "ok", "providers": self.traffic.status()}
