"""JobWorker: runs one job type's handler on its own thread and tells the ledger the outcome."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import peewee
import pykka

from metarr.db.database import job_connection
from metarr.db.media import ENTITY_MODELS
from metarr.db.models import Library
from metarr.jobs import waiting
from metarr.jobs.context import JobContext
from metarr.jobs.model import ClaimedJob, JobResult, Outcome, PermanentError, Progress, RetryLater
from metarr.jobs.registry import HandlerSpec
from metarr.service.redact import describe

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)

# how long an outcome waits for a ledger the supervisor is restarting
LEDGER_WAIT = 60.0


def run_handler(spec: HandlerSpec, job: ClaimedJob, ctx: JobContext,
                waits_on: Callable[[BaseException], tuple[str, float] | None] | None = None) -> Outcome:
    """Call the handler and turn whatever happens into an Outcome (pure apart from the handler).
    `waits_on(error)`: (place code, pause) when the failure is the environment's (a disk, the
    database): the job then waits without using up an attempt (metarr/jobs/waiting.py)."""
    t0 = time.monotonic()
    try:
        res = spec.fn(ctx, job)
        if res is not None and not isinstance(res, JobResult):
            res = JobResult(data=res if isinstance(res, dict) else {"value": res})
        return Outcome(job.id, job.lease_token, True, result=res, duration=time.monotonic() - t0)
    except PermanentError as e:
        return Outcome(job.id, job.lease_token, False, error=describe(e), retryable=False, duration=time.monotonic() - t0)
    except RetryLater as e:
        return Outcome(job.id, job.lease_token, False, error=describe(e), retry_delay=e.delay, duration=time.monotonic() - t0)
    except Exception as e:
        blocked = waits_on(e) if waits_on is not None else None
        if blocked is not None:
            code, pause = blocked
            log.warning("job %s (%s) waits %.0f s for %s: %s", job.id, job.type, pause, code, e,
                        extra={"job_id": job.id, "job_type": job.type})
            return Outcome(job.id, job.lease_token, False, error=f"{type(e).__name__}: {e}", retry_delay=pause,
                           blocked=code, duration=time.monotonic() - t0)
        log.warning("job %s (%s) failed: %s", job.id, job.type, e, exc_info=True,
                    extra={"job_id": job.id, "job_type": job.type})
        return Outcome(job.id, job.lease_token, False, error=describe(e, with_type=True),
                       duration=time.monotonic() - t0)


def _library_of(job: ClaimedJob, err: OSError) -> Library | None:
    """The library a job's file error happened in: the job's own, its item's, or the one holding
    the file (a job the user started carries no library)."""
    if job.library_id is not None:
        return Library.get_or_none(Library.id == job.library_id)
    et, eid = (job.payload or {}).get("entity_type"), (job.payload or {}).get("entity_id")
    model = ENTITY_MODELS.get(et) if et else None
    if model is not None and eid is not None:
        row = model.select(model.library_id).where(model.id == int(eid)).first()
        if row is not None:
            return Library.get_or_none(Library.id == row.library_id)
    name = err.filename2 or err.filename   # a copy's error names both: the second is the one written
    if name:
        path = os.path.abspath(os.fsdecode(name))
        found = [lib for lib in Library.select(Library.id, Library.path)
                 if path.startswith(os.path.abspath(lib.path).rstrip(os.sep) + os.sep)]
        return max(found, key=lambda lib: len(lib.path), default=None)
    return None


class JobWorker(MetarrActor):
    """Reports to whichever ledger is live (`state.proxy`): one the supervisor restarted takes the
    outcomes of the jobs the crashed one handed out."""

    def __init__(self, spec: HandlerSpec, state, services, db) -> None:
        super().__init__()
        self.spec = spec
        self.state = state
        self.services = services
        self.db = db

    @safe_handler
    def run(self, job: ClaimedJob) -> None:
        ctx = JobContext(job, self.services, report=self._progress)
        try:
            with job_connection(self.db):
                outcome = run_handler(self.spec, job, ctx, lambda e: self._waits_on(e, job))
        except peewee.OperationalError as e:
            # no connection for it (all of the process's job connections busy, or the server full):
            # it did not run, and runs again later
            log.warning("job %s: no database connection for it: %s", job.id, e)
            outcome = Outcome(job.id, job.lease_token, False, error=f"database: {describe(e)}", retry_delay=30.0)
        self._report(outcome)

    def _waits_on(self, e: BaseException, job: ClaimedJob) -> tuple[str, float] | None:
        """The environment's failure behind `e` (a library or the data dir that cannot be written,
        the database down), as (place code, pause); None for the job's own failure. A permission or
        I/O error counts as the place's only when a test write there fails too."""
        s = self.services
        waits = getattr(s, "waits", None)
        if waits is None:
            return None
        lib = None
        err = waiting.fs_error(e)
        if err is not None:
            try:
                lib = _library_of(job, err)
            except Exception:   # the database too: the file's place is still told by its name
                lib = None
        root = lib.path if lib is not None else None
        b = waiting.classify(e, job.type, lib.id if lib is not None else None, root, s.config.data_dir)
        if b is None:
            return None
        if b.kind in ("no-permission", "io") and b.place != "database":
            ok, _, _ = waiting.probe_place(root if b.library_id is not None else s.config.data_dir)
            if ok:
                return None
        return b.code, waits.note(b.code, time.time())

    def _progress(self, p: Progress) -> None:
        try:
            self.state.proxy.progress.defer(p)
        except pykka.ActorDeadError:
            pass   # progress is a bonus; the outcome is what counts

    def _report(self, outcome: Outcome) -> None:
        end = time.monotonic() + LEDGER_WAIT
        while True:
            try:
                self.state.proxy.finished.defer(outcome)
                return
            except pykka.ActorDeadError:
                if self.state.closing or time.monotonic() > end:
                    # the ledger stopped first (shutdown): the job is taken back on the next start
                    log.info("ledger gone; job %s will be recovered", outcome.job_id)
                    return
                time.sleep(0.2)   # the supervisor is starting the next ledger
