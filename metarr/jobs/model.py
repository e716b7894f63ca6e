"""Typed values that cross threads between the ledger, the workers and the web."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pending", "running", "succeeded", "dead", "cancelled"]
ACTIVE = ("pending", "running")
STATUSES: tuple[str, ...] = ("pending", "running", "succeeded", "dead", "cancelled")
FINISHED = ("succeeded", "dead", "cancelled")

# SPEC §4 default priorities (1 = highest)
PRIORITY = {"webhook": 2, "user": 3, "sync": 4, "scan": 5, "enrich": 5, "publish": 5, "bulk": 7, "maintenance": 9}


@dataclass(frozen=True)
class JobSpec:
    """A job to create. `dedupe` makes (type, subject) the idempotency key."""
    type: str
    subject: str = ""
    payload: dict[str, Any] | None = None
    priority: int = 5
    delay: float = 0.0
    max_attempts: int = 5
    dedupe: bool = True
    library_id: int | None = None
    schedule: str | None = None

    @property
    def idem_key(self) -> str | None:
        return f"{self.type}|{self.subject}" if self.dedupe else None


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    type: str
    subject: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    max_attempts: int
    lease_token: int
    library_id: int | None = None
    schedule: str | None = None


@dataclass(frozen=True)
class JobResult:
    """What a handler returns: a small result document and the next links of the chain."""
    data: dict[str, Any] | None = None
    next: tuple[JobSpec, ...] = ()


@dataclass(frozen=True)
class Outcome:
    job_id: int
    lease_token: int
    ok: bool
    result: JobResult | None = None
    error: str | None = None
    retryable: bool = True
    duration: float = 0.0
    retry_delay: float | None = None
    blocked: str | None = None     # the environment's failure it waits on (metarr/jobs/waiting.py): no attempt used


@dataclass(frozen=True)
class Progress:
    job_id: int
    current: int
    total: int
    message: str = ""


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad input, missing file): the job goes dead at once."""


class RetryLater(Exception):
    """Not a failure of the work itself (e.g. player busy): retry after `delay` seconds."""

    def __init__(self, message: str, delay: float = 30.0):
        super().__init__(message)
        self.delay = delay


@dataclass
class Stats:
    due: int = 0
    running: int = 0
    retrying: int = 0
    scheduled: int = 0
    dead: int = 0
    succeeded: int = 0
    cancelled: int = 0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class JobPage:
    """A page of the jobs list; `total_estimated` when the total is an estimate (a library's jobs
    above `api.exact_total_limit`); `next_cursor` pages on (None at the end, or for a sort cursors
    do not page)."""
    rows: list[dict[str, Any]]
    total: int
    total_estimated: bool = False
    next_cursor: str | None = None
