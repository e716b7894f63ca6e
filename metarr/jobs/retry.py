"""Retry decisions: exponential backoff with jitter (SPEC §4: base 5 s, cap 1 h)."""
from __future__ import annotations

import random


def backoff_delay(attempts: int, base: float = 5.0, cap: float = 3600.0, rng: random.Random | None = None) -> float:
    """Delay before the next try after `attempts` failed tries. Equal jitter: half fixed, half random,
    so retries of a burst of failures spread out but never come back immediately."""
    exp = min(cap, base * (2 ** max(0, attempts - 1)))
    r = (rng or random).random()
    return exp / 2 + r * exp / 2


def next_state(attempts: int, max_attempts: int, retryable: bool) -> str:
    """'pending' (retry) or 'dead' after a failed try."""
    return "pending" if retryable and attempts < max_attempts else "dead"
