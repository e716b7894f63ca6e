"""What keeps the service from working right now, told by the parts that find out (the job ledger
when it cannot write, the supervisor when an actor stays down) and read by `/api/v1/health`,
`/api/v1/status` and the dashboard without asking any actor (a stuck actor cannot stall them).

May import: db (the package's rule).
"""
from __future__ import annotations

import errno
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    key: str        # who reported it: "database", "data_dir", "actor:<name>"
    message: str    # in words, for the user
    since: float


class HealthBook:
    """Thread-safe: reports come from actor threads, reads from the web's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._problems: dict[str, Problem] = {}

    def report(self, key: str, message: str, now: float | None = None) -> None:
        with self._lock:
            old = self._problems.get(key)
            since = old.since if old is not None else (now or time.time())
            self._problems[key] = Problem(key, message, since)

    def clear(self, key: str) -> None:
        with self._lock:
            self._problems.pop(key, None)

    def problems(self) -> list[Problem]:
        with self._lock:
            return sorted(self._problems.values(), key=lambda p: (p.since, p.key))


PROBE_NAME = ".metarr-write-probe"


def probe_dir(path: Path, size: int = 4096) -> str | None:
    """Can the data directory take a small write right now? None if so, else why not (in words).
    A few kilobytes written and removed: cheap enough for every health check, and what a full or
    read-only disk refuses (root ignores permissions, not a full or read-only mount)."""
    probe = Path(path) / PROBE_NAME
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if os.write(fd, b"\0" * size) < size:   # a short write: the disk is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        finally:
            os.close(fd)
        os.unlink(probe)
        return None
    except OSError as e:
        try:
            os.unlink(probe)
        except OSError:
            pass
        return f"the data directory {path} cannot be written: {e.strerror or e}"
