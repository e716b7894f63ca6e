"""JobWorker: runs one job type's handler on its own thread and tells the ledger the outcome."""
from __future__ import annotations

import logging
import time

import peewee
import pykka

from metarr.db.database import job_connection
from metarr.jobs.context import JobContext
from metarr.jobs.model import ClaimedJob, JobResult, Outcome, PermanentError, Progress, RetryLater
from metarr.jobs.registry import HandlerSpec
from metarr.service.redact import describe

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)

# how long an outcome waits for a ledger the supervisor is restarting
LEDGER_WAIT = 60.0


def run_handler(spec: HandlerSpec, job: ClaimedJob, ctx: JobContext) -> Outcome:
    """Call the handler and turn whatever happens into an Outcome (pure apart from the handler)."""
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
        log.warning("job %s (%s) failed: %s", job.id, job.type, e, exc_info=True,
                    extra={"job_id": job.id, "job_type": job.type})
        return Outcome(job.id, job.lease_token, False, error=describe(e, with_type=True),
                       duration=time.monotonic() - t0)


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
                outcome = run_handler(self.spec, job, ctx)
        except peewee.OperationalError as e:
            # no connection for it (all of the process's job connections busy, or the server full):
            # it did not run, and runs again later
            log.warning("job %s: no database connection for it: %s", job.id, e)
            outcome = Outcome(job.id, job.lease_token, False, error=f"database: {describe(e)}", retry_delay=30.0)
        self._report(outcome)

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
