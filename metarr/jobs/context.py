"""What a handler gets besides its job: the services and a throttled progress reporter."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metarr.jobs.model import ClaimedJob, Progress


@dataclass
class JobContext:
    job: ClaimedJob
    services: Any
    report: Callable[[Progress], None]
    min_interval: float = 0.1
    _last: float = field(default=0.0, init=False)

    def progress(self, current: int, total: int, message: str = "", force: bool = False) -> None:
        """Report progress; calls more often than every `min_interval` are dropped (except the last)."""
        now = time.monotonic()
        if force or current >= total or now - self._last >= self.min_interval:
            self._last = now
            self.report(Progress(self.job.id, current, total, message))
