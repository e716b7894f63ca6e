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
    """Closed → open after `threshold` consecutive failures; half-open after `cooldown`; closed again
    after `successes` good answers in a row."""
    threshold: int = 5
    cooldown: float = 300.0
    successes: int = 2
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    good: int = 0

    def allow(self, now: float) -> bool:
        if self.state == "open":
            if now - self.opened_at >= self.cooldown:
                self.state, self.good = "half_open", 0
                return True
            return False
        return True

    def reopens_in(self, now: float) -> float:
        """Seconds until an open circuit lets a request through again (0 when it does now)."""
        return max(0.0, self.opened_at + self.cooldown - now) if self.state == "open" else 0.0

    def record(self, ok: bool, now: float) -> None:
        if ok:
            self.failures = 0
            if self.state == "half_open":
                self.good += 1
                if self.good >= self.successes:
                    self.state = "closed"
            return
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            self.state, self.opened_at = "open", now


@dataclass(frozen=True)
class Limits:
    rps: float
    burst: int
    concurrency: int


def parse_limits(text: str) -> dict[str, Limits]:
    """`METARR_PROVIDER_LIMITS`: `tmdb=38/1/8,fanart=5` — requests per second, then optionally the
    burst and the concurrency; what is left out keeps the provider's default."""
    from metarr.sources.registry import default_limits  # the sources declare their own defaults
    defaults = default_limits()
    out: dict[str, Limits] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, spec = part.partition("=")
        name = name.strip().lower()
        is_host = "." in name or ":" in name or name == "localhost"   # an artwork host: image.tmdb.org=10/5/4
        if name not in defaults and not is_host:
            raise ValueError(f"METARR_PROVIDER_LIMITS: unknown provider {name!r} "
                             f"(one of {', '.join(sorted(defaults))}, or an artwork host name)")
        base = defaults.get(name) or Limits(10.0, 5, 4)
        fields = [f.strip() for f in spec.split("/")]
        try:
            rps = float(fields[0])
            burst = int(fields[1]) if len(fields) > 1 and fields[1] else base.burst
            conc = int(fields[2]) if len(fields) > 2 and fields[2] else base.concurrency
        except ValueError:
            raise ValueError(f"METARR_PROVIDER_LIMITS: {part!r} is not name=rps[/burst[/concurrency]]") from None
        if not (rps > 0 and burst >= 1 and conc >= 1) or len(fields) > 3:
            raise ValueError(f"METARR_PROVIDER_LIMITS: {part!r} needs rps > 0, burst >= 1, concurrency >= 1")
        out[name] = Limits(rps, burst, conc)
    return out
