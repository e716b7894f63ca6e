"""Downloads within a host's budget (metarr.sources.budget): paced, capped in concurrency, a 429 or
503's Retry-After pausing every request to that host, and transient failures tried again with
backoff. What is still failing after that is raised as it is; the caller decides (the job retries
later: a transient failure must never make a worse candidate win)."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from metarr.assets.errors import AssetError, is_transient
from metarr.jobs.retry import backoff_delay
from metarr.sources.ratelimit import Limits

T = TypeVar("T")
TRIES = 4
LONGEST_WAIT = 60.0   # a longer Retry-After is the job's to wait (ledger backoff), not a download thread's


def paced(do: Callable[[], T], key: str, lim: Limits, budgets, reserve: Callable[[], float] | None = None,
          pause: Callable[[float], None] | None = None, sleep=time.sleep, clock=time.time,
          tries: int = TRIES) -> T:
    """`reserve()` returns the epoch send time (default: the process's budget; on PostgreSQL the
    caller passes the database-shared reservation); `pause(until)` records a host pause."""
    reserve = reserve or (lambda: budgets.reserve(key, lim))
    pause = pause or (lambda until: budgets.pause(key, until))
    for attempt in range(1, tries + 1):
        with budgets.slot(key, lim):
            delay = reserve() - clock()
            if delay > 0:
                sleep(delay)
            try:
                return do()
            except AssetError as e:
                if not is_transient(e):
                    raise
                ra = getattr(e, "retry_after", None)
                if ra:
                    pause(clock() + ra)
                if attempt == tries or (ra or 0) > LONGEST_WAIT:
                    raise
        if not ra:
            sleep(backoff_delay(attempt, base=0.5, cap=10.0, rng=random))
    raise AssertionError("unreachable")
