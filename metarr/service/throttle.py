"""Failed-login throttling per client address (pure, injectable clock). Free tries first, then a
lock-out that doubles with each further failure up to a cap, and that a quiet spell forgets: an
attacker gets a handful of guesses an hour, the owner who mistyped waits seconds, never forever,
and one address's failures never lock out another."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class LoginThrottle:
    free: int = 5               # failures before any wait
    base: float = 2.0           # seconds of the first lock-out, doubling after
    cap: float = 300.0          # the longest lock-out
    forget_after: float = 900.0  # a quiet spell this long clears an address's record
    max_tracked: int = 10_000   # bounded memory under a spray from many addresses
    records: dict[str, _Record] = field(default_factory=dict)

    def retry_after(self, addr: str, now: float) -> float:
        """Seconds this address must wait before its next try (0: it may try now)."""
        r = self.records.get(addr)
        if r is None:
            return 0.0
        if now - r.last > self.forget_after:
            del self.records[addr]
            return 0.0
        return max(0.0, r.locked_until - now)

    def failed(self, addr: str, now: float) -> float:
        """Record a failure; returns the lock-out it earned (0 while free tries remain)."""
        if addr not in self.records and len(self.records) >= self.max_tracked:
            oldest = min(self.records, key=lambda a: self.records[a].last)
            del self.records[oldest]
        r = self.records.setdefault(addr, _Record())
        if now - r.last > self.forget_after:
            r.failures = 0
        r.failures += 1
        r.last = now
        over = r.failures - self.free
        wait = min(self.cap, self.base * 2 ** (over - 1)) if over > 0 else 0.0
        r.locked_until = now + wait
        return wait

    def succeeded(self, addr: str) -> None:
        self.records.pop(addr, None)
