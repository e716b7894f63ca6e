"""Provider traffic: every request to a provider goes through one `ProviderTraffic` on one asyncio
loop with one aiohttp session. Per provider: a rate limit (GCRA reservations of absolute send times,
shared through the database between worker processes on PostgreSQL, in memory in a one-process
SQLite deployment), a concurrency cap, Retry-After handling (pausing the whole provider),
exponential backoff with jitter on 5xx/timeouts, a circuit breaker and a response cache with TTL.
The ProviderGateway actor (actors/provider_gateway.py) owns the loop thread and hands requests in."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict

from metarr.db.database import connection, is_sqlite
from metarr.jobs.retry import backoff_delay
from metarr.sources import registry, shared
from metarr.sources.budget import Budgets
from metarr.sources.http import (
    AuthError,
    Endpoint,
    NotFound,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    Request,
    Unavailable,
    fetch,
)
from metarr.sources.ratelimit import CircuitBreaker

log = logging.getLogger(__name__)
MAX_TRIES = 4
PROBE_EVERY = 1.0     # how often open circuits are looked at for their half-open probe
REFILL_EVERY = 60.0   # how often providers with a closed circuit are asked to fill in what they missed
LATE_FRACTION = 0.5   # of a slot: how late after its reserved time a request may still go out
# a provider that allows no burst (MusicBrainz: one a second, no two closer) counts the gap between
# two requests: a request sent late narrows the gap to the next one by as much, so it may be late by
# only a sliver of a slot, well inside the server's tolerance
STRICT_LATE_FRACTION = 0.05
MAX_RESERVES = 5


def endpoints_from_config(config, keys: dict[str, str] | None = None) -> dict[str, Endpoint]:
    return registry.endpoints(config.provider_urls, config.provider_keys if keys is None else keys)


class ProviderTraffic:
    """Lives on one event loop (`loop`); `run(request)` is awaited there."""

    def __init__(self, config, db, loop: asyncio.AbstractEventLoop, limits=None,
                 timeouts: dict[str, float] | None = None, budgets: Budgets | None = None,
                 keys: dict[str, str] | None = None) -> None:
        self.config = config
        self.db = db
        self.loop = loop
        self.limits = dict(registry.default_limits(), **config.provider_limits, **(limits or {}))
        self.keys = dict(config.provider_keys if keys is None else keys)
        self.timeouts = {**getattr(config, "provider_timeouts", {}), **(timeouts or {})}
        self.endpoints = self._endpoints()
        cooldown = getattr(config, "provider_cooldown", None)
        self.breakers = defaultdict(lambda: CircuitBreaker() if cooldown is None else CircuitBreaker(cooldown=cooldown))
        # `recovered(provider)`: a circuit closed again (or, now and then, is closed): what was
        # enriched without that provider is filled in (the ProviderGateway sets it)
        self.recovered = None
        self.counts = defaultdict(lambda: defaultdict(int))
        self.last_error: dict[str, str] = {}
        self.latency: dict[str, float] = {}
        # one process (SQLite): pace in memory, report request counts in batches; several processes
        # (PostgreSQL): every reservation goes through the shared row
        self.local = is_sqlite(db)
        self.budgets = budgets or Budgets()   # shared with the artwork downloads of this process
        self.uncounted: dict[str, int] = defaultdict(int)
        self.background: set[asyncio.Task] = set()
        self.saving = False

    def _endpoints(self) -> dict[str, Endpoint]:
        eps = endpoints_from_config(self.config, self.keys)
        for name, seconds in self.timeouts.items():
            if name in eps:
                eps[name].timeout = seconds
        return eps

    def set_keys(self, keys: dict[str, str]) -> bool:
        """New provider keys (entered in the UI): the endpoints are rebuilt, a provider whose key
        changed logs in again (TheTVDB). Run on the loop thread. False when nothing changed."""
        if keys == self.keys:
            return False
        self.keys = dict(keys)
        self.endpoints = self._endpoints()
        return True

    async def open(self) -> None:
        import aiohttp
        self.sems = {p: asyncio.Semaphore(lim.concurrency) for p, lim in self.limits.items()}
        self.opened: dict[str, asyncio.Event] = defaultdict(asyncio.Event)   # set while a circuit is open
        self.tvdb_lock = asyncio.Lock()
        self.session = aiohttp.ClientSession()
        self.prober = self.loop.create_task(self._probe_circuits())

    async def close(self) -> None:
        self.prober.cancel()
        if self.background:
            await asyncio.wait(self.background, timeout=5)
        await self._save_counts()
        await self.session.close()

    def status(self) -> dict:
        """Per provider: state, pause, counts (a database read: call it from a worker thread)."""
        with connection(self.db):
            db_state = shared.state(self.db)
        out = {}
        for p in sorted(set(self.endpoints) | set(registry.default_limits())):
            b = self.breakers[p]
            st = db_state.get(p, {})
            state = "unconfigured" if p not in self.endpoints else (
                "circuit_open" if b.state == "open" else "circuit_half_open" if b.state == "half_open" else
                ("cooling_down" if st.get("paused_until") else "ok"))
            out[p] = {"state": state, "cooling_down_until": st.get("paused_until"),
                      # plus what the in-memory pacer has not written yet
                      "requests_today": st.get("requests_today", 0) + self.uncounted.get(p, 0),
                      **dict(self.counts[p]),
                      "last_error": self.last_error.get(p), "latency_ms": self.latency.get(p)}
        return out

    async def _db(self, fn, *args):
        def call():
            with connection(self.db):
                return fn(*args)
        return await self.loop.run_in_executor(None, call)

    async def run(self, req: Request):
        ep = self.endpoints.get(req.provider)
        if ep is None:
            raise Unavailable(req.provider, "not configured (no API key)")
        key = req.cache_key()
        if req.cache_ttl and not req.fresh:   # a change feed named it: ask again, store the answer
            value, hit = await self._db(shared.cache_get, key)
            if hit:
                self.counts[req.provider]["cache_hits"] += 1
                return value
        breaker = self.breakers[req.provider]
        now = time.time()
        if not breaker.allow(now):
            raise Unavailable(req.provider, "circuit open after repeated failures", breaker.reopens_in(now))
        probe = breaker.state == "half_open"   # this request finds out whether the provider is back
        try:
            return await self._send(req, ep, key, breaker, probe)
        finally:
            if probe:
                breaker.abandon()   # a probe that ended without an answer either way: the next one probes

    async def _send(self, req: Request, ep: Endpoint, key: str, breaker: CircuitBreaker, probe: bool):
        lim = self.limits[req.provider]
        relogged = False
        for attempt in range(1, MAX_TRIES + 1):
            sent_token = None
            try:
                # the concurrency slot first, then the rate slot: a request that reserved its send time
                # and then queued for a connection would go out late and bunch with the next ones,
                # and a bunch is what a sliding-window limit counts
                async with self._connection(req.provider, breaker, probe):
                    await self._wait_for_slot(req.provider, lim)
                    if breaker.shut(time.time(), probe):   # opened while this one waited: no send
                        raise Unavailable(req.provider, "circuit open after repeated failures",
                                          breaker.reopens_in(time.time()))
                    if req.provider == "tvdb" and req.auth:
                        # right before sending: the request goes with the newest token (its failures
                        # are retried like the request's own)
                        await self._tvdb_login(ep)
                        sent_token = ep.headers.get("Authorization")
                    t0 = time.monotonic()
                    self.counts[req.provider]["requests"] += 1
                    value = await fetch(self.session, ep, req, time.time())
            except Unavailable:
                raise
            except NotFound:
                self._record(req.provider, True)
                if req.not_found_ok:
                    return None
                raise
            except RateLimited as e:
                self.counts[req.provider]["rate_limited"] += 1
                self.last_error[req.provider] = str(e)
                self.budgets.pause(req.provider, time.time() + e.retry_after)
                await self._db(shared.pause, self.db, req.provider, time.time() + e.retry_after)
                if attempt == MAX_TRIES:
                    raise
                continue  # the reservation after the pause spaces the retry
            except AuthError as e:
                self.last_error[req.provider] = str(e)
                if req.provider == "tvdb" and req.auth:
                    if ep.headers.get("Authorization") != sent_token:
                        continue   # another request renewed the token (or is renewing it) meanwhile
                    if not relogged:
                        ep.headers.pop("Authorization", None)   # token expired: log in again once
                        relogged = True
                        continue
                self._record(req.provider, False)
                raise
            except ProviderError as e:
                self.counts[req.provider]["errors"] += 1
                self.last_error[req.provider] = str(e)
                hung = isinstance(e, ProviderTimeout)
                if hung:
                    # no answer at all: each one counts, or a hanging provider holds every caller for
                    # several timeouts apiece before its circuit opens
                    self._record(req.provider, False)
                if not e.retryable or attempt == MAX_TRIES or breaker.shut(time.time(), probe):
                    # the breaker counts requests that failed for good, not each try: two unlucky
                    # requests must not shut a provider that answers most requests for minutes
                    if not hung:
                        self._record(req.provider, False)
                    raise
                await asyncio.sleep(backoff_delay(attempt, base=0.5, cap=20.0, rng=random))
                if breaker.shut(time.time(), probe):
                    raise Unavailable(req.provider, "circuit open after repeated failures",
                                      breaker.reopens_in(time.time())) from e
                continue
            self.latency[req.provider] = round((time.monotonic() - t0) * 1000, 1)
            self._record(req.provider, True)
            if req.cache_ttl:
                # written behind the answer: the caller does not wait for the database
                self._later(self._db(shared.cache_put, self.db, key, req.provider, value, req.cache_ttl))
            return value
        raise Unavailable(req.provider, "gave up")

    def _record(self, provider: str, ok: bool) -> None:
        change = self.breakers[provider].record(ok, time.time())
        if change == "opened":
            self.opened[provider].set()   # the requests queued for its connections give up now
            log.warning("%s: circuit open after repeated failures (%s); its calls fail at once until a probe "
                        "succeeds", provider, self.last_error.get(provider))
        elif change == "closed":
            self.opened[provider] = asyncio.Event()
            log.warning("%s answers again: circuit closed; what was enriched without it is filled in", provider)
            if self.recovered is not None:
                self.recovered(provider)

    @contextlib.asynccontextmanager
    async def _connection(self, provider: str, breaker: CircuitBreaker, probe: bool):
        """The provider's concurrency slot; a request queued for it gives up as soon as the circuit
        opens (a hanging provider must not keep callers waiting behind the ones that hang)."""
        if breaker.shut(time.time(), probe):
            raise Unavailable(provider, "circuit open after repeated failures", breaker.reopens_in(time.time()))
        sem = self.sems[provider]
        if sem.locked() and not probe:   # queued: until a slot is free or the circuit opens, whichever first
            acquire = asyncio.ensure_future(sem.acquire())
            opened = asyncio.ensure_future(self.opened[provider].wait())
            await asyncio.wait({acquire, opened}, return_when=asyncio.FIRST_COMPLETED)
            opened.cancel()
            if not acquire.done() or breaker.shut(time.time(), probe):
                acquire.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await acquire
                if acquire.done() and not acquire.cancelled():
                    sem.release()   # got the slot in the same instant: give it back
                raise Unavailable(provider, "circuit open after repeated failures", breaker.reopens_in(time.time()))
        else:
            await sem.acquire()
        try:
            yield
        finally:
            sem.release()

    async def _probe_circuits(self) -> None:
        """The half-open probe: an open circuit whose cool-down is over sends the provider's own test
        request (twice, the closing needs two good answers) instead of waiting for a caller that may
        never come; now and then a closed one is asked to fill in what was missed (after a restart)."""
        last_refill = time.monotonic()
        while True:
            await asyncio.sleep(PROBE_EVERY)
            try:
                for name, b in list(self.breakers.items()):
                    if b.state != "closed" and name in self.endpoints and b.reopens_in(time.time()) == 0:
                        src = registry.get(name)
                        for _ in range(b.successes):
                            if src is None or b.state == "open" and b.reopens_in(time.time()) > 0:
                                break
                            try:
                                await self.run(src.probe)
                            except ProviderError:
                                break
                if time.monotonic() - last_refill >= REFILL_EVERY and self.recovered is not None:
                    last_refill = time.monotonic()
                    for name in sorted(self.endpoints):
                        if self.breakers[name].state == "closed":
                            self.recovered(name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("probing open circuits failed")

    async def _wait_for_slot(self, provider: str, lim) -> None:
        """Sleep until a reserved send time, and send no later than a fraction of a slot after it.
        A send that a busy loop or a slow database round trip made late would bunch with the sends
        of the slots after it (from this process or another) and a sliding-window limit counts such
        a bunch; a late request gives its slot up and reserves a new one instead."""
        late_ok = (STRICT_LATE_FRACTION if lim.burst <= 1 else LATE_FRACTION) / lim.rps
        for _ in range(MAX_RESERVES):
            send_at = await self._reserve(provider, lim)
            delay = send_at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.time() - send_at <= late_ok:
                return
            self.counts[provider]["late"] += 1
        # still late after several tries: the loop is overloaded; go rather than starve

    async def _reserve(self, provider: str, lim) -> float:
        """The epoch time this request may be sent at (an absolute time, so the time the database
        round trip took is not added to the wait)."""
        if not self.local:
            return await self._db(shared.reserve, self.db, provider, 1.0 / lim.rps, lim.burst)
        self.uncounted[provider] += 1
        if not self.saving and sum(self.uncounted.values()) >= 20:
            self.saving = True
            self._later(self._save_counts())
        return self.budgets.reserve(provider, lim)

    async def _save_counts(self) -> None:
        counts, self.uncounted = dict(self.uncounted), defaultdict(int)
        try:
            for provider, n in counts.items():
                if n:
                    await self._db(shared.count_requests, self.db, provider, n)
        finally:
            self.saving = False

    def _later(self, coro) -> None:
        """Run `coro` on the loop without waiting for it; a failure is logged, never raised."""
        task = self.loop.create_task(coro)
        self.background.add(task)

        def done(t: asyncio.Task) -> None:
            self.background.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.warning("provider gateway: background write failed: %s", t.exception())
        task.add_done_callback(done)

    async def _tvdb_login(self, ep: Endpoint) -> None:
        async with self.tvdb_lock:
            if "Authorization" in ep.headers:
                return
            body = {"apikey": self.keys["tvdb"]}
            res = await fetch(self.session, ep, Request("tvdb", "/login", method="POST", body=body, auth=False,
                                                        cache_ttl=0), time.time())
            ep.headers["Authorization"] = f"Bearer {res['data']['token']}"
