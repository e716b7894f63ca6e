"""What `/api/v1/health` (and the dashboard) check: the database answers `SELECT 1` within a short
timeout, the data directory takes a small write, the job ledger runs, and nothing in the health
book (the ledger waiting for the database, an actor that stays down).

Cheap: one probe at a time on a thread of its own (a hung database holds that one thread, not the
bridge pool), its result reused for a second, so a health check every few milliseconds costs the
database and the disk at most one probe a second.
"""
from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from metarr.db.database import connection
from metarr.service.health import probe_dir

TIMEOUT = 2.0      # the database's answer to `SELECT 1`
REUSE = 1.0        # a probe's result serves this long


def _short(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__


class HealthCheck:
    def __init__(self, services, timeout: float = TIMEOUT) -> None:
        self.services = services
        self.timeout = timeout
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
        self._inflight: asyncio.Future | None = None
        self._last: tuple[float, list[str]] | None = None

    def _probe(self) -> list[str]:
        found = []
        try:
            with connection(self.services.db) as conn:
                conn.execute_sql("SELECT 1").fetchone()
        except Exception as e:
            found.append(f"the database cannot be reached: {_short(e)}")
        why = probe_dir(self.services.config.data_dir)
        if why:
            found.append(why)
        return found

    async def _probed(self) -> list[str]:
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < REUSE:
            return self._last[1]
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.get_running_loop().run_in_executor(self.pool, self._probe)
        try:
            found = await asyncio.wait_for(asyncio.shield(self._inflight), self.timeout)
        except TimeoutError:
            return [f"the database did not answer within {self.timeout:g} s"]
        self._last = (time.monotonic(), found)
        return found

    async def problems(self) -> list[str]:
        """What keeps the service from working right now, in words (empty: healthy)."""
        found = list(await self._probed())
        s = self.services
        if s.actors:   # the actor system runs in this process (not in tests of the web alone)
            ledger = s.actor("ledger")
            if ledger is None or not ledger.actor_ref.is_alive():
                found.append("the job ledger is not running")
        found += [p.message for p in s.health.problems() if p.message not in found]
        return found

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


health_check_key = web.AppKey("health_check", HealthCheck)
