"""The one bridge between actor threads and the asyncio loop.

Loop → actors: blocking work (a pykka ask, a peewee query) runs on a bounded thread pool, never on
the loop. Actors → loop: bus events are handed over with `call_soon_threadsafe`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from metarr.db.database import connection
from metarr.service.events import Event, EventBus

log = logging.getLogger(__name__)


class Bridge:
    def __init__(self, loop: asyncio.AbstractEventLoop, db, pool_size: int = 8) -> None:
        self.loop = loop
        self.db = db
        self.pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="bridge")
        self._unsub: list[Callable[[], None]] = []

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a blocking function (DB query, file system) off the loop, with a DB connection."""
        def call():
            with connection(self.db):
                return fn(*args, **kwargs)
        return await self.loop.run_in_executor(self.pool, call)

    async def ask(self, proxy_call: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Ask an actor: `proxy_call` returns a pykka future; we wait for it on the pool."""
        return await self.loop.run_in_executor(self.pool, lambda: proxy_call().get(timeout=timeout))

    def forward(self, bus: EventBus, sink: Callable[[Event], None]) -> None:
        """Deliver every bus event to `sink` on the loop thread."""
        def on_event(event: Event) -> None:
            if self.loop.is_closed():
                return
            try:
                self.loop.call_soon_threadsafe(sink, event)
            except RuntimeError:
                pass  # loop closing during shutdown
        self._unsub.append(bus.subscribe(on_event))

    def close(self) -> None:
        for u in self._unsub:
            u()
        self._unsub.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)
