"""Rate limiting and circuit breaking, as pure state machines with an injectable clock."""
from __future__ import annotations

from dataclasses import dataclass


def gcra_reserve(tat: float, now: float, interval: float, burst: int) -> tuple[float, float]:
    """Generic cell rate algorithm as a reservation: returns (new theoretical arrival time, seconds
    to wait before sending). Each caller reserves its slot, so N concurrent callers (threads or
    processes sharing `tat` through the database) are spaced at `interval` after a burst of `burst`."""
    new_tat = max(tat, now) + interval
    wait = max(0.0, new_tat - burst * interval - now)
    return new_tat, wait


@dataclass
class LocalPacer:
    """The same reservation kept in memory, for a deployment of one process (SQLite): going through
    the database there would queue every request behind SQLite's single write lock."""
    tat: float = 0.0
    paused_until: float = 0.0

    def reserve(self, now: float, interval: float, burst: int) -> float:
        start = max(now, self.paused_until)
        self.tat, wait = gcra_reserve(self.tat, start, interval, burst)
        return wait + (start - now)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)


@dataclass
class CircuitBreaker:
    """Closed → open after `threshold` consecutive failures; half-open after `cooldown`, when one
    request at a time finds out (the others fail fast); closed again after `successes` good answers
    in a row, open again at the first failure. `record` returns the change it made ("opened",
    "closed") so the caller can act on it (fill in what was missed)."""
    threshold: int = 5
    cooldown: float = 60.0
    successes: int = 2
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    good: int = 0
    probing: bool = False   # half-open: a request is out finding out

    def allow(self, now: float) -> bool:
        """Whether a request may go now (in half-open: the one probe; the caller is that probe)."""
        if self.state == "open":
            if now - self.opened_at < self.cooldown:
                return False
            self.state, self.good, self.probing = "half_open", 0, False
        if self.state == "half_open":
            if self.probing:
                return False
            self.probing = True
        return True

    def shut(self, now: float, probe: bool = False) -> bool:
        """Whether a request that was let in must give up before it goes out: the circuit opened
        while it waited, or it is half-open and this request is not its probe."""
        return self.state == "open" or (self.state == "half_open" and not probe)

    def abandon(self) -> None:
        """The half-open probe gave up before it was sent: another request may probe."""
        if self.state == "half_open":
            self.probing = False

    def reopens_in(self, now: float) -> float:
        """Seconds until an open circuit lets a request through again (0 when it does now)."""
        return max(0.0, self.opened_at + self.cooldown - now) if self.state == "open" else 0.0

    def record(self, ok: bool, now: float) -> str | None:
        if self.state == "half_open":
            self.probing = False
        if ok:
            self.failures = 0
            if self.state == "half_open":
                self.good += 1
                if self.good >= self.successes:
                    self.state = "closed"
                    return "closed"
            return None
        self.failures += 1
        if self.state == "half_open" or (self.state == "closed" and self.failures >= self.threshold):
            self.state, self.opened_at = "open", now
            return "opened"
        return None


@dataclass(frozen=True)
class Limits:
    rps: float
    burst: int
    concurrency: int
