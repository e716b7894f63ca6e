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


def tree_progress(root: int) -> dict:
    """A batch's progress: its whole tree by status, how much of it is finished."""
    counts = tree_counts([root])
    total = sum(counts.values())
    finished = total - sum(counts.get(s, 0) for s in ACTIVE)
    return {"root": root, "total": total, "finished": finished, "by_status": dict(counts),
            "progress": round(finished / total, 4) if total else 1.0, "done": tree_done(counts)}


def cancel_tree(db, root: int, now: float) -> list[int]:
    """Cancel every job of the tree that has not finished (a running one's outcome is then ignored,
    and with it the jobs it would have chained). Repeated until a pass finds none: a job finishing
    meanwhile may have added children."""
    from metarr.db.database import write_tx
    cancelled: list[int] = []
    for _ in range(5):
        with write_tx(db):
            ids = sorted(tree_ids([root]))
            active = []
            for i in range(0, len(ids), _CHUNK):
                active += [j for (j,) in Job.select(Job.id).where(Job.id.in_(ids[i:i + _CHUNK])
                                                                  & Job.status.in_(ACTIVE)).tuples()]
            for i in range(0, len(active), _CHUNK):
                Job.update(status="cancelled", finished_at=now, lease_token=Job.lease_token + 1,
                           lease_until=None).where(Job.id.in_(active[i:i + _CHUNK]) & Job.status.in_(ACTIVE)).execute()
        if not active:
            break
        cancelled += active
    return cancelled
