"""What every configuration record (players, groups, path mappings, notification channels) shares:
a page of rows, and "does it exist". Blocking; worker threads (the web bridge) only."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Invalid(ValueError):
    """A value that cannot be stored; `field` names the one to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def page(query, to_json: Callable[[Any], dict], limit: int, offset: int) -> tuple[list[dict], int]:
    return [to_json(r) for r in query.limit(limit).offset(offset)], query.count()
