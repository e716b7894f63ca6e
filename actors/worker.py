"""JobWorker: runs one job type's handler on its own thread and tells the ledger the outcome."""
from __future__ import annotations

import logging
import time

import peewee
import pykka

from metarr.db.database import job_connection
from metarr.jobs.context import JobContext
from metarr.jobs.model import ClaimedJob, JobResult, Outcome, PermanentError, RetryLater
from metarr.jobs.registry import HandlerSpec
from metarr.service.redact import describe

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)


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
    def __init__(self, spec: HandlerSpec, ledger, services, db) -> None:
        super().__init__()
        self.spec = spec
        self.ledger = ledger
        self.services = services
        self.db = db

    @safe_handler
    def run(self, job: ClaimedJob) -> None:
        ctx = JobContext(job, self.services, report=self.ledger.progress.defer)
        try:
            with job_connection(self.db):
                outcome = run_handler(self.spec, job, ctx)
        except peewee.OperationalError as e:
            # no connection for it (all of the process's job connections busy, or the server full):
            # it did not run, and runs again later
            outcome = Outcome(job.id, job.lease_token, False, error=f"database: {describe(e)}", retry_delay=30.0)
        try:
            self.ledger.finished.defer(outcome)
        except pykka.ActorDeadError:
            # the ledger stopped first (shutdown): the job's lease expires and it is recovered
            log.info("ledger gone; job %s will be recovered on the next start", job.id)
