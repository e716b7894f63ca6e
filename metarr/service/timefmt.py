"""Epoch seconds ↔ ISO 8601 (UTC) for the API."""
from __future__ import annotations

import datetime as dt


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
