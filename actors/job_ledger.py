"""JobLedger: the only writer of job rows. Claims due jobs for its worker pools, records outcomes in
batches (completion and the next link of the chain in one transaction), heartbeats leases, recovers
jobs of dead workers, runs schedules, and publishes job events."""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

import pykka

from metarr.db.database import connection
from metarr.jobs import scheduling, store
from metarr.jobs.model import JobSpec, Outcome, Progress
from metarr.jobs.registry import HandlerRegistry
from metarr.service.events import EventBus

from .base import MetarrActor, safe_handler
from .worker import JobWorker

log = logging.getLogger(__name__)


class _Ticker(threading.Thread):
    """Wakes the ledger periodically (due retries, leases, schedules) by tell, never by ask."""

    def __init__(self, ledger_proxy, interval: float) -> None:
        super().__init__(name="ledger-ticker", daemon=True)
        self.proxy = ledger_proxy
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.proxy.tick.defer()
            except pykka.ActorDeadError:
                return


class JobLedger(MetarrActor):
    def __init__(self, db, bus: EventBus, registry: HandlerRegistry, services, *, lease: float = 30.0,
                 tick: float = 0.25, run_workers: bool = True, worker_id: str | None = None) -> None:
        super().__init__()
        self.db = db
        self.bus = bus
        self.registry = registry
        self.services = services
        self.lease = lease
        self.tick_interval = tick
        self.run_workers = run_workers
        self.worker_id = worker_id or store.new_worker_id()
        self.workers: dict[str, list] = {}
        self.load: dict[str, list[int]] = {}          # jobs handed to each worker of a type
        self.owner: dict[int, tuple[str, int]] = {}   # job id -> (type, worker index)
        self.done: list[Outcome] = []
        self.flush_pending = False
        self.progress_dirty: dict[int, Progress] = {}
        self.last = defaultdict(float)
        self.stopping = False
        self._ticker: _Ticker | None = None

    # ------------------------------------------------------------ lifecycle
    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()
        with connection(self.db):
            for jid, status in store.recover(self.db, time.time(), self.worker_id):
                log.info("recovered job %s -> %s", jid, status)
            store.ensure_schedules(self.db, time.time())
        if self.run_workers:
            for spec in self.registry.specs():
                self.workers[spec.type] = [JobWorker.start(spec, self._self, self.services, self.db).proxy()
                                           for _ in range(spec.concurrency)]
                self.load[spec.type] = [0] * spec.concurrency
        self._ticker = _Ticker(self._self, self.tick_interval)
        self._ticker.start()
        self._self.dispatch.defer()

    def on_stop(self) -> None:
        self.stopping = True
        if self._ticker:
            self._ticker.stopped.set()
        for pool in self.workers.values():
            for w in pool:
                try:
                    w.actor_ref.stop(block=True, timeout=10)
                except Exception:
                    pass
        self._flush()  # record what finished while stopping
        super().on_stop()

    # ------------------------------------------------------------ requests (asks: errors reach the caller's future)
    def enqueue(self, specs: list[JobSpec] | JobSpec) -> list[int]:
        if isinstance(specs, JobSpec):
            specs = [specs]
        now = time.time()
        with connection(self.db):
            ids = store.enqueue(self.db, specs, now)
        for (jid, created), spec in zip(ids, specs, strict=True):
            if created:
                self.bus.publish("job.created", id=jid, type=spec.type, subject=spec.subject, priority=spec.priority)
        self._dispatch()
        return [jid for jid, _ in ids]

    def cancel(self, job_id: int) -> str | None:
        with connection(self.db):
            status = store.cancel(self.db, job_id, time.time())
        if status == "cancelled":
            self.bus.publish("job.cancelled", id=job_id)
        return status

    def retry(self, job_id: int) -> tuple[str | None, int | None]:
        with connection(self.db):
            res = store.retry(self.db, job_id, time.time())
        if res[0] == "pending":
            self.bus.publish("job.created", id=job_id, retried=True)
            self._dispatch()
        return res

    def change_schedule(self, name: str, interval: int | None, enabled: bool | None) -> dict | None:
        """A schedule's new interval / state, its waiting job re-dated, withdrawn or queued with it."""
        with connection(self.db):
            out = scheduling.change(self.db, name, time.time(), interval, enabled)
        for jid in (out or {}).get("cancelled", ()):
            self.bus.publish("job.cancelled", id=jid)
        for jid in (out or {}).get("created", ()):
            self.bus.publish("job.created", id=jid, schedule=name)
        return out

    def run_schedule(self, name: str) -> int | None:
        """"Run now": the schedule's job, due at once (its waiting job pulled forward, not doubled)."""
        with connection(self.db):
            got = scheduling.run_now(self.db, name, time.time())
        if got is None:
            return None
        jid, created = got
        if created:
            self.bus.publish("job.created", id=jid, schedule=name)
        self._dispatch()
        return jid

    # ------------------------------------------------------------ from workers (tell)
    @safe_handler
    def finished(self, outcome: Outcome) -> None:
        self.done.append(outcome)
        owner = self.owner.pop(outcome.job_id, None)
        if owner:
            self.load[owner[0]][owner[1]] -= 1
        self.progress_dirty.pop(outcome.job_id, None)
        if not self.flush_pending:
            # outcomes arriving while this flush waits in the inbox join the same batch
            self.flush_pending = True
            self._self.flush.defer()

    @safe_handler
    def progress(self, p: Progress) -> None:
        if p.job_id in self.owner:
            self.progress_dirty[p.job_id] = p
            self.bus.publish("job.progress", id=p.job_id, current=p.current, total=p.total, message=p.message)

    @safe_handler
    def flush(self) -> None:
        self.flush_pending = False
        self._flush()
        self._dispatch()

    @safe_handler
    def dispatch(self) -> None:
        self._dispatch()

    @safe_handler
    def tick(self) -> None:
        now = time.time()
        with connection(self.db):
            if self.owner and now - self.last["lease"] >= self.lease / 3:
                self.last["lease"] = now
                store.extend_leases(self.db, self.worker_id, now, self.lease)
            if now - self.last["recover"] >= min(5.0, self.lease / 2):
                self.last["recover"] = now
                for jid, status in store.recover(self.db, now, self.worker_id):
                    log.warning("job %s taken back from a lost worker -> %s", jid, status)
                    if status == "dead":
                        self.bus.publish("job.dead", id=jid, error="worker lost")
            if self.progress_dirty and now - self.last["progress"] >= 1.0:
                self.last["progress"] = now
                items, self.progress_dirty = list(self.progress_dirty.values()), {}
                store.save_progress(self.db, items)
            if now - self.last["schedules"] >= 60:
                self.last["schedules"] = now
                store.ensure_schedules(self.db, now)
        self._dispatch()

    # ------------------------------------------------------------ internals
    def _flush(self) -> None:
        if not self.done:
            return
        batch, self.done = self.done, []
        now = time.time()
        with connection(self.db):
            changes = store.finish(self.db, batch, now)
        by_id = {o.job_id: o for o in batch}
        for ch in changes:
            o = by_id[ch["id"]]
            if ch["status"] == "succeeded":
                self.bus.publish("job.succeeded", id=ch["id"], type=ch["type"], subject=ch["subject"],
                                 duration=round(o.duration, 4), result=(o.result.data if o.result else None))
            elif ch["status"] == "retrying":
                self.bus.publish("job.failed", id=ch["id"], type=ch["type"], subject=ch["subject"],
                                 error=ch.get("error"), attempts=ch["attempts"], run_after=ch["run_after"])
            else:
                self.bus.publish("job.dead", id=ch["id"], type=ch["type"], subject=ch["subject"], error=ch.get("error"))
            for jid, jtype, created in ch["next"]:
                if created:
                    self.bus.publish("job.created", id=jid, type=jtype, parent_id=ch["id"])

    def _dispatch(self) -> None:
        if self.stopping or not self.workers:
            return
        capacity = {}
        for jtype in self.workers:
            spec = self.registry.get(jtype)
            free = spec.concurrency * spec.prefetch - sum(self.load[jtype])
            if free > 0:
                capacity[jtype] = free
        if not capacity:
            return
        now = time.time()
        with connection(self.db):
            jobs = store.claim(self.db, self.worker_id, capacity, now, self.lease)
        for job in jobs:
            loads = self.load[job.type]
            idx = min(range(len(loads)), key=loads.__getitem__)
            loads[idx] += 1
            self.owner[job.id] = (job.type, idx)
            self.workers[job.type][idx].run.defer(job)
            self.bus.publish("job.started", id=job.id, type=job.type, subject=job.subject, attempt=job.attempts)

    # ------------------------------------------------------------ introspection
    def in_flight(self) -> int:
        return len(self.owner) + len(self.done)
