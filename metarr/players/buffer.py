"""The durable debounce buffer of player sync (table sync_changes).

`sync.entity` jobs add the changes they resolved; one `sync.flush` job, run a debounce window later,
claims every unclaimed change under its own job id, plans the player calls and chains them as
`sync.player` jobs in the same transaction that records its success. A flush killed half-way is run
again by the ledger and finds its claimed rows again; rows of flushes that succeeded are deleted by
the next flush. So a crash at any moment loses no notification, and sends none twice."""
from __future__ import annotations

import time

from metarr.db.database import is_sqlite, write_tx
from metarr.db.integrations import SyncChange
from metarr.players.model import Change


def add(db, changes: list[Change], now: float | None = None) -> None:
    now = now or time.time()
    with write_tx(db):
        for i in range(0, len(changes), 200):
            SyncChange.insert_many([{"change": c.to_json(), "created_at": now} for c in changes[i:i + 200]]).execute()


def flush_pending(db) -> bool:
    """Is a flush job waiting to run? (It will claim whatever is in the buffer when it starts.)"""
    p = "?" if is_sqlite(db) else "%s"
    return db.execute_sql(f"SELECT 1 FROM jobs WHERE type = {p} AND status = 'pending' LIMIT 1",
                          ("sync.flush",)).fetchone() is not None


def claim(db, job_id: int) -> list[Change]:
    """Claim the unclaimed changes (and those of flushes that died) for `job_id`; return all of its."""
    p = "?" if is_sqlite(db) else "%s"
    with write_tx(db):
        db.execute_sql("DELETE FROM sync_changes WHERE flush_job IN (SELECT id FROM jobs WHERE status = 'succeeded')")
        db.execute_sql(f"UPDATE sync_changes SET flush_job = {p} WHERE flush_job IS NULL OR flush_job IN "
                       "(SELECT id FROM jobs WHERE status IN ('dead', 'cancelled')) OR flush_job NOT IN "
                       "(SELECT id FROM jobs)", (job_id,))
    rows = SyncChange.select(SyncChange.change).where(SyncChange.flush_job == job_id).order_by(SyncChange.id)
    return [Change.from_json(r.change) for r in rows]


def waiting(db) -> int:
    return SyncChange.select().where(SyncChange.flush_job.is_null(True)).count()
