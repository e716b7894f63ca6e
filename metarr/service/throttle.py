"""Login throttling per client address (pure, injectable clock). Free tries first, then a
lock-out that doubles with each further try up to a cap, and that a quiet spell forgets: an
attacker gets a handful of guesses an hour, the owner who mistyped waits seconds, never forever,
and one address's failures never lock out another.

A try is counted when it starts, before the password is checked (a success forgets the count):
counted only after the check, a burst of simultaneous guesses would all pass the "may it try?"
question while the first were still being hashed."""
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

    def attempt(self, addr: str, now: float) -> float:
        """May this address try now? 0: yes, and the try is counted (as failed until `succeeded`);
        otherwise the seconds it must wait, and nothing is counted."""
        r = self.records.get(addr)
        if r is not None and now - r.last > self.forget_after:
            del self.records[addr]
            r = None
        if r is not None and r.locked_until > now:
            return r.locked_until - now
        if r is None and len(self.records) >= self.max_tracked:
            oldest = min(self.records, key=lambda a: self.records[a].last)
            del self.records[oldest]
        r = self.records.setdefault(addr, _Record())
        r.failures += 1
        r.last = now
        over = r.failures - self.free   # the free-th try already makes the next one wait
        r.locked_until = now + (min(self.cap, self.base * 2 ** over) if over >= 0 else 0.0)
        return 0.0

    def succeeded(self, addr: str) -> None:
        self.records.pop(addr, None)
