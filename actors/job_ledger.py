"""JobLedger: the only writer of job rows. Claims due jobs for its worker pools, records outcomes in
batches (completion and the next link of the chain in one transaction), heartbeats leases, recovers
jobs of dead workers, runs schedules, and publishes job events.

When the database cannot be written (a full disk, a read-only file, PostgreSQL restarting, another
process holding SQLite's lock) the ledger keeps what it could not write (outcomes, told enqueues),
stops claiming, says so in the health book, and tries a real write every second or two; the first
that works writes what it kept and carries on. What it knows lives in a `LedgerState` outside the
actor, so a ledger restarted by the supervisor carries on with the same workers and outcomes.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict

from metarr.db import errors
from metarr.db.database import connection, probe_write
from metarr.db.errors import Trouble, trouble
from metarr.jobs import counts, leases, scheduling, store
from metarr.jobs.model import JobSpec, Outcome, Progress
from metarr.jobs.registry import HandlerRegistry
from metarr.service.events import EventBus

from .base import MetarrActor, safe_handler
from .ledger_state import LedgerState, Ticker, publish_changes
from .worker import JobWorker

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MOST = 0.5, 2.0   # waiting for the database: how often a real write is tried
REMIND_EVERY = 60.0                  # how often a long wait is logged again
COUNTS_EVERY = 10.0                  # how often the job counts' deltas are folded (PostgreSQL)


class JobLedger(MetarrActor):
    def __init__(self, db, bus: EventBus, registry: HandlerRegistry, services, *, lease: float = 30.0,
                 tick: float = 0.25, run_workers: bool = True, worker_id: str | None = None,
                 state: LedgerState | None = None) -> None:
        super().__init__()
        self.db = db
        self.bus = bus
        self.registry = registry
        self.services = services
        self.lease = lease
        self.tick_interval = tick
        self.run_workers = run_workers
        self.st = state or LedgerState(worker_id or store.new_worker_id())
        self.worker_id = self.st.worker_id
        self.flush_pending = False
        self.last = defaultdict(float)
        self.stopping = False
        self.outage: Trouble | None = None     # set while the database cannot be written
        self.outage_since = self.next_try = self.reminded = 0.0
        self.retry_delay = RETRY_FIRST
        self.settle_until = 0.0    # after an outage: others' expired leases are left alone until then
        self.started_db = False    # recovery and schedules at start-up done
        self._ticker: Ticker | None = None

    # ------------------------------------------------------------ lifecycle
    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()
        st = self.st
        st.proxy, st.closing = self._self, False
        self._start_db()
        if self.run_workers and not st.workers:
            for spec in self.registry.specs():
                st.workers[spec.type] = [self._new_worker(spec) for _ in range(spec.concurrency)]
                st.load[spec.type] = [0] * spec.concurrency
        self._ticker = Ticker(self._self, self.tick_interval)
        self._ticker.start()
        self._self.dispatch.defer()

    def _new_worker(self, spec):
        return JobWorker.start(spec, self.st, self.services, self.db).proxy()

    def _start_db(self) -> None:
        def work():
            now = time.time()
            for jid, status in leases.recover(self.db, now, self.worker_id, self.st.mine(),
                                              take_expired=now >= self.settle_until):
                log.info("recovered job %s -> %s", jid, status)
            store.ensure_schedules(self.db, time.time())
        self.started_db = self._db("start-up recovery", work)

    def on_stop(self) -> None:
        self.stopping = True
        self.st.closing = True
        if self._ticker:
            self._ticker.stopped.set()
        for pool in self.st.workers.values():
            for w in pool:
                try:
                    w.actor_ref.stop(block=True, timeout=10)
                except Exception:
                    pass
        self.outage = None   # one last try: record what finished while stopping
        self._flush()
        if self.st.done:
            log.warning("%d job outcome(s) could not be written; those jobs run again after the next start",
                        len(self.st.done))
        super().on_stop()

    def on_failure(self, exception_type, exception_value, traceback) -> None:
        # a crash, not a stop: the workers and what they run are left to the ledger the supervisor
        # starts next (it gets the same state); only this incarnation's ticker ends
        log.error("job ledger crashed: %s", exception_value)
        self.note_crash(exception_value)
        if self._ticker:
            self._ticker.stopped.set()
        real = getattr(self.db, "obj", self.db)
        if real is not None and not real.is_closed():
            real.close()

    # ------------------------------------------------------------ requests (asks: errors reach the caller's future)
    def enqueue(self, specs: list[JobSpec] | JobSpec) -> list[int]:
        if isinstance(specs, JobSpec):
            specs = [specs]
        with self._noting_trouble("enqueueing"), connection(self.db):
            ids = store.enqueue(self.db, specs, time.time())
        self._created(ids, specs)
        self._dispatch()
        return [jid for jid, _ in ids]

    def cancel(self, job_id: int) -> str | None:
        with self._noting_trouble("cancelling"), connection(self.db):
            status = store.cancel(self.db, job_id, time.time())
        if status == "cancelled":
            self.bus.publish("job.cancelled", id=job_id)
        return status

    def cancel_tree(self, job_id: int) -> list[int]:
        """A batch: every job of its tree that has not finished."""
        from metarr.jobs.tree import cancel_tree
        with self._noting_trouble("cancelling"), connection(self.db):
            ids = cancel_tree(self.db, job_id, time.time())
        for jid in ids[:1000]:
            self.bus.publish("job.cancelled", id=jid)
        return ids

    def retry(self, job_id: int) -> tuple[str | None, int | None]:
        with self._noting_trouble("retrying"), connection(self.db):
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

    def status(self) -> dict:
        st = self.st
        out = {"status": "waiting for the database" if self.outage else "ok", "worker_id": self.worker_id,
               "running": len(st.owner), "outcomes_waiting": len(st.done), "enqueues_waiting": len(st.backlog)}
        if self.outage:
            out["reason"] = self.outage.sentence
            out["waiting_s"] = round(time.time() - self.outage_since, 1)
        return out

    # ------------------------------------------------------------ told (never raise: a tell that raises kills the actor)
    @safe_handler
    def submit(self, specs: list[JobSpec]) -> None:
        """Enqueue for a producer that does not wait (watcher, notifier): kept and written later
        when the database cannot take them now."""
        self.st.backlog.extend([specs] if isinstance(specs, JobSpec) else specs)
        self._write_backlog()
        self._dispatch()

    @safe_handler
    def finished(self, outcome: Outcome) -> None:
        st = self.st
        st.done.append(outcome)
        owner = st.owner.pop(outcome.job_id, None)
        if owner:
            st.load[owner[0]][owner[1]] -= 1
        st.progress.pop(outcome.job_id, None)
        if not self.flush_pending and not self.outage:
            # outcomes arriving while this flush waits in the inbox join the same batch
            self.flush_pending = True
            self._self.flush.defer()

    @safe_handler
    def release(self, code: str) -> None:
        """The place `code` works again (actors/waiting_probe.py): the jobs waiting on it are due now."""
        ids: list[int] = []
        if self._db("resuming waiting jobs", lambda: ids.extend(store.release_blocked(self.db, code, time.time()))):
            if ids:
                log.warning("%s works again: %d waiting job(s) resume", code, len(ids))
                self.bus.publish("jobs.resumed", place=code, ids=ids[:100], count=len(ids))
            self._dispatch()

    @safe_handler
    def progress(self, p: Progress) -> None:
        if p.job_id in self.st.owner:
            self.st.progress[p.job_id] = p
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
        if now - self.last["workers"] >= 1.0:
            self.last["workers"] = now
            self._replace_dead_workers()
        if self.outage and (now < self.next_try or not self._resume(now)):
            return
        self._housekeeping(now)
        self._dispatch()

    # ------------------------------------------------------------ internals
    def _housekeeping(self, now: float) -> None:
        st = self.st
        if not self.started_db:
            self._start_db()
        mine = st.mine()
        if mine and now - self.last["lease"] >= self.lease / 3:
            if self._db("renewing leases", lambda: leases.extend_leases(self.db, self.worker_id, mine, now, self.lease)):
                self.last["lease"] = now
        if now - self.last["recover"] >= min(5.0, self.lease / 2):
            self._db("recovering jobs", lambda: self._recover(now))
        if st.progress and now - self.last["progress"] >= 1.0:
            items = list(st.progress.values())
            if self._db("saving progress", lambda: store.save_progress(self.db, items)):
                self.last["progress"] = now
                st.progress.clear()
        if now - self.last["schedules"] >= 60:
            if self._db("keeping schedules", lambda: store.ensure_schedules(self.db, now)):
                self.last["schedules"] = now
        # PostgreSQL: the job counts' deltas into their counters, so a read of the stats sums a few rows
        if now - self.last["counts"] >= COUNTS_EVERY:
            if self._db("folding the job counts", lambda: counts.fold(self.db)):
                self.last["counts"] = now

    def _recover(self, now: float) -> None:
        self.last["recover"] = now
        for jid, status in leases.recover(self.db, now, self.worker_id, self.st.mine(),
                                          take_expired=now >= self.settle_until):
            log.warning("job %s taken back -> %s", jid, status)
            if status == "dead":
                self.bus.publish("job.dead", id=jid, error="taken back on its last attempt")

    def _db(self, what: str, work) -> bool:
        """Run one unit of database work; an environmental failure starts (or prolongs) the wait for
        the database and returns False, anything else is raised (a bug is logged by the handler)."""
        try:
            with connection(self.db):
                work()
            return True
        except Exception as e:
            t = trouble(e)
            if t is None:
                raise
            self._enter_outage(t, e, what)
            return False

    @contextlib.contextmanager
    def _noting_trouble(self, what: str):
        """For asks: the error goes to the caller; an environmental one also starts the wait."""
        try:
            yield
        except Exception as e:
            t = trouble(e)
            if t is not None:
                self._enter_outage(t, e, what)
            raise

    def _enter_outage(self, t: Trouble, e: BaseException, what: str) -> None:
        now = time.time()
        detail = errors.detail(e)
        st = self.st
        if self.outage is None:
            log.error("job ledger: %s failed (%s); jobs wait until the database takes writes again", what, detail)
            self.outage_since = self.reminded = now
            self.retry_delay = RETRY_FIRST
            self.bus.publish("health.changed", status="error", reason=t.sentence)
        else:
            self.retry_delay = min(RETRY_MOST, self.retry_delay * 2)
            if now - self.reminded >= REMIND_EVERY:
                self.reminded = now
                log.error("job ledger: still waiting for the database after %.0f s (%s; %d outcome(s), %d "
                          "enqueue(s) kept)", now - self.outage_since, detail, len(st.done), len(st.backlog))
        self.outage = t
        self.next_try = now + self.retry_delay
        health = getattr(self.services, "health", None)
        if health is not None:
            health.report("database", f"{t.sentence} ({detail})")

    def _resume(self, now: float) -> bool:
        """While waiting for the database: a real write; when it works, write what was kept."""
        try:
            probe_write(self.db, self.worker_id)
        except Exception as e:
            t = trouble(e)
            if t is None:
                raise
            self._enter_outage(t, e, "a test write")
            return False
        st = self.st
        log.warning("job ledger: the database takes writes again after %.0f s; writing %d kept outcome(s) "
                    "and %d enqueue(s)", now - self.outage_since, len(st.done), len(st.backlog))
        self.outage = None
        health = getattr(self.services, "health", None)
        if health is not None:
            health.clear("database")
        self.bus.publish("health.changed", status="ok")
        # the others were cut off too: they get a lease's time (their retries come every 2 s at most)
        # to renew before theirs count as expired
        self.settle_until = now + self.lease
        self.last["lease"] = self.last["recover"] = 0.0
        self._flush()
        self._write_backlog()
        return self.outage is None

    def _flush(self) -> None:
        st = self.st
        if not st.done or self.outage:
            return
        batch = list(st.done)
        now = time.time()
        try:
            with connection(self.db):
                changes = store.finish(self.db, batch, now)
            keep: list[Outcome] = []
        except Exception as e:
            t = trouble(e)
            if t is not None:
                self._enter_outage(t, e, "recording job outcomes")
                return   # kept in st.done, written when the database is back
            log.exception("recording %d job outcome(s) failed; recording them one by one", len(batch))
            changes, keep = self._finish_singly(batch, now)
        st.done[:] = keep
        publish_changes(self.bus, changes, {o.job_id: o for o in batch})

    def _finish_singly(self, batch: list[Outcome], now: float) -> tuple[list[dict], list[Outcome]]:
        """After a batch failed for a reason of its own: each outcome alone; one that still cannot be
        recorded is recorded as a failure of its job (never as a success nobody saw written)."""
        changes: list[dict] = []
        for i, o in enumerate(batch):
            try:
                with connection(self.db):
                    changes += store.finish(self.db, [o], now)
            except Exception as e:
                t = trouble(e)
                if t is not None:
                    self._enter_outage(t, e, "recording job outcomes")
                    return changes, batch[i:]
                log.exception("the outcome of job %s cannot be recorded", o.job_id)
                failed = Outcome(o.job_id, o.lease_token, False, duration=o.duration,
                                 error=f"its outcome could not be recorded: {type(e).__name__}: {e}")
                try:
                    with connection(self.db):
                        changes += store.finish(self.db, [failed], now)
                except Exception:
                    log.exception("job %s: not even its failure can be recorded; it is taken back", o.job_id)
        return changes, []

    def _write_backlog(self) -> None:
        st = self.st
        if not st.backlog or self.outage:
            return
        specs = list(st.backlog)
        try:
            with connection(self.db):
                ids = store.enqueue(self.db, specs, time.time())
        except Exception as e:
            t = trouble(e)
            if t is not None:
                self._enter_outage(t, e, "enqueueing")
                return
            log.exception("%d told enqueue(s) refused; dropped", len(specs))
            ids = None
        del st.backlog[:len(specs)]
        if ids:
            self._created(ids, specs)

    def _created(self, ids: list[tuple[int, bool]], specs: list[JobSpec]) -> None:
        for (jid, created), spec in zip(ids, specs, strict=True):
            if created:
                self.bus.publish("job.created", id=jid, type=spec.type, subject=spec.subject, priority=spec.priority)

    def _replace_dead_workers(self) -> None:
        """A worker whose thread is gone runs nothing: its jobs are taken back at once (they are no
        longer ours) and a new worker takes its place."""
        st = self.st
        if self.stopping or st.closing:
            return
        for jtype, pool in st.workers.items():
            for idx, w in enumerate(pool):
                if w.actor_ref.is_alive():
                    continue
                lost = [jid for jid, own in st.owner.items() if own == (jtype, idx)]
                log.error("a %s worker stopped; %d job(s) it ran are taken back", jtype, len(lost))
                for jid in lost:
                    del st.owner[jid]
                st.load[jtype][idx] = 0
                pool[idx] = self._new_worker(self.registry.get(jtype))
                self.last["recover"] = 0.0

    def _dispatch(self) -> None:
        st = self.st
        if self.stopping or not st.workers or self.outage:
            return
        capacity = {}
        for jtype in st.workers:
            spec = self.registry.get(jtype)
            free = spec.concurrency * spec.prefetch - sum(st.load[jtype])
            if free > 0:
                capacity[jtype] = free
        if not capacity:
            return
        now = time.time()
        jobs = []

        def claim():
            jobs.extend(store.claim(self.db, self.worker_id, capacity, now, self.lease))
        if not self._db("claiming jobs", claim):
            return
        for job in jobs:
            loads = st.load[job.type]
            idx = min(range(len(loads)), key=loads.__getitem__)
            loads[idx] += 1
            st.owner[job.id] = (job.type, idx)
            st.workers[job.type][idx].run.defer(job)
            self.bus.publish("job.started", id=job.id, type=job.type, subject=job.subject, attempt=job.attempts)

    # ------------------------------------------------------------ introspection
    def in_flight(self) -> int:
        return len(self.st.owner) + len(self.st.done)
