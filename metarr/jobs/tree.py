"""The jobs one request started: its own jobs and, through parent_id, every job they chained.

A command that waits for "its" work and then reports it must look at this tree, not at every job
created since it began (schedules and the watcher add jobs of their own meanwhile)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from metarr.db.models import Job
from metarr.jobs.model import ACTIVE

_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


def tree_ids(roots: Iterable[int]) -> set[int]:
    """Every job id reachable from the roots through parent_id (roots included)."""
    seen = set(roots)
    frontier = list(seen)
    while frontier:
        nxt: list[int] = []
        for i in range(0, len(frontier), _CHUNK):
            part = frontier[i:i + _CHUNK]
            for (jid,) in Job.select(Job.id).where(Job.parent_id.in_(part)).tuples():
                if jid not in seen:
                    seen.add(jid)
                    nxt.append(jid)
        frontier = nxt
    return seen


def tree_counts(roots: Iterable[int]) -> Counter[str]:
    """Jobs of the tree by status."""
    ids = sorted(tree_ids(roots))
    counts: Counter[str] = Counter()
    for i in range(0, len(ids), _CHUNK):
        for (status,) in Job.select(Job.status).where(Job.id.in_(ids[i:i + _CHUNK])).tuples():
            counts[status] += 1
    return counts


def tree_done(counts: Counter[str]) -> bool:
    return not any(counts.get(s, 0) for s in ACTIVE)
