"""Decisions of a batch enqueue, apart from its SQL (#32: PostgreSQL inserts a batch of jobs in one
statement, not one round trip per job, and must still answer as one enqueue after another would).

Within one batch the first spec of a key is the one inserted; a later spec of the same key is a
duplicate of it, as it was when each spec was its own INSERT: it returns the first's job and may
raise its priority or pull it earlier.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from metarr.jobs.model import JobSpec


@dataclass
class Plan:
    inserts: list[int] = field(default_factory=list)            # spec indices to insert, in order
    by_key: dict[str, list[int]] = field(default_factory=dict)  # key -> every spec index with it, in order


def plan(specs: Sequence[JobSpec]) -> Plan:
    """Which specs to insert (every unkeyed one, the first of each key) and which share a key."""
    p = Plan()
    for i, spec in enumerate(specs):
        key = spec.idem_key
        if key is None:
            p.inserts.append(i)
            continue
        seen = p.by_key.setdefault(key, [])
        if not seen:
            p.inserts.append(i)
        seen.append(i)
    return p


def insert_order(specs: Sequence[JobSpec], idxs: Sequence[int]) -> list[int]:
    """The order to insert specs[idxs] in, across every statement of the batch: the unkeyed ones
    first (no one waits on them), then by key. A batch waits for a key another transaction inserted
    but has not committed while holding every key it inserted before; if every batch takes its keys
    in one global order, none waits on a key while holding one after it, so no two batches (the
    service and a `metarr` command enqueueing the same keys in opposite orders) wait on each other
    in a cycle, which PostgreSQL breaks by aborting one ("deadlock detected")."""
    return sorted(idxs, key=lambda i: (specs[i].idem_key is not None, specs[i].idem_key or ""))


def raised(current: tuple[int, float], wants: Sequence[tuple[int, float]]) -> tuple[int, float] | None:
    """An active pending job's (priority, run_after) after duplicates asking for `wants`, each as
    they came: the highest priority (lowest number) and the earliest time asked; None if unchanged."""
    prio, ra = current
    for p, r in wants:
        if p < prio or r < ra:
            prio, ra = min(prio, p), min(ra, r)
    return None if (prio, ra) == current else (prio, ra)
