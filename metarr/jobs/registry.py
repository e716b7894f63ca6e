"""Handlers by job type. Phases register here; the ledger dispatches by type."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from metarr.jobs.model import ClaimedJob, JobResult

Handler = Callable[[Any, ClaimedJob], "JobResult | None"]


@dataclass(frozen=True)
class HandlerSpec:
    type: str
    fn: Handler
    concurrency: int = 1
    # jobs handed to one worker at a time; >1 only for cheap handlers, so claims can be batched
    prefetch: int = 1
    timeout: float = 3600.0


class HandlerRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, HandlerSpec] = {}

    def register(self, type: str, fn: Handler, concurrency: int = 1, prefetch: int = 1, timeout: float = 3600.0) -> None:
        if type in self._specs:
            raise ValueError(f"handler for {type!r} already registered")
        self._specs[type] = HandlerSpec(type, fn, max(1, concurrency), max(1, prefetch), timeout)

    def get(self, type: str) -> HandlerSpec | None:
        return self._specs.get(type)

    def types(self) -> list[str]:
        return sorted(self._specs)

    def specs(self) -> list[HandlerSpec]:
        return [self._specs[t] for t in self.types()]
