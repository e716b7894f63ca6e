"""The items a scan chains enrich/publish for, when there are many (#32).

A scan names every item it created or changed; a first scan of 166,667 movies names all of them.
Held in memory and returned as one job spec each, they were inserted by the ledger in the one
transaction that recorded the scan's success. Now a scan in a job keeps up to DIRECT_LIMIT of them
in memory (the webhook's and the watcher's scans: chained directly, as before); past that it writes
them to `scan_targets` with each batch of folders it applies, and its result chains one
`followups.scan` job that turns PAGE of them into jobs per run:

    scan ─▶ followups.scan (page 0) ─▶ PAGE enrich jobs + followups.scan (page 1) ─▶ …

A page's jobs and the next page's job are recorded by the ledger in the transaction that records the
page's success, so a kill at any moment leaves both or neither: the page runs again, and nothing is
lost or doubled. A page deletes the rows of the page before it (their jobs exist: its own job was
created with them); the last, empty page deletes the last rows.
"""
from __future__ import annotations

from collections.abc import Iterable

from metarr.db import statements
from metarr.db.database import write_tx
from metarr.db.media import ScanTarget

DIRECT_LIMIT = 500   # targets a scan chains itself (one transaction of up to this many jobs)
PAGE = 500           # targets a followups.scan job turns into jobs (one transaction: ~0.5 s on PostgreSQL)
_KEY = ("job_id", "entity_type", "entity_id")
Cursor = tuple[str, int]   # the last (entity_type, entity_id) of a page


def overflows(held: int, stored: int) -> bool:
    """Whether a scan's held targets go to the table: once some have, or past the direct limit."""
    return held > 0 and (stored > 0 or held > DIRECT_LIMIT)


def store(db, job_id: int, targets: Iterable[tuple[str, int]]) -> int:
    """Write targets of scan job `job_id` (the caller holds a write transaction); one already there
    (the same item twice, or a rerun of the job) is kept once. Returns how many were given."""
    rows = [{"job_id": job_id, "entity_type": et, "entity_id": eid} for et, eid in targets]
    for i in range(0, len(rows), PAGE):
        statements.insert_many(db, ScanTarget, rows[i:i + PAGE], conflict=_KEY)
    return len(rows)


def held(db, job_id: int) -> bool:
    m = statements.mark(db)
    return db.execute_sql(f"SELECT 1 FROM scan_targets WHERE job_id = {m} LIMIT 1", (job_id,)).fetchone() is not None


def count(db, job_id: int) -> int:
    m = statements.mark(db)
    return db.execute_sql(f"SELECT COUNT(*) FROM scan_targets WHERE job_id = {m}", (job_id,)).fetchone()[0]


def page(db, job_id: int, after: Cursor | None, limit: int | None = None) -> list[Cursor]:
    """The next `limit` (PAGE) targets after the cursor, in key order."""
    m = statements.mark(db)
    limit = PAGE if limit is None else limit
    cond, args = ("", []) if after is None else (f" AND (entity_type, entity_id) > ({m}, {m})", list(after))
    rows = db.execute_sql(f"SELECT entity_type, entity_id FROM scan_targets WHERE job_id = {m}{cond} "
                          f"ORDER BY entity_type, entity_id LIMIT {int(limit)}", [job_id, *args]).fetchall()
    return [(et, int(eid)) for et, eid in rows]


def forget(db, job_id: int, upto: Cursor | None = None) -> int:
    """Delete the targets up to the cursor (all without one), PAGE per transaction. Returns how many."""
    m = statements.mark(db)
    cond, args = ("", []) if upto is None else (f" AND (entity_type, entity_id) <= ({m}, {m})", list(upto))
    gone = 0
    while True:
        with write_tx(db):
            n = db.execute_sql(f"DELETE FROM scan_targets WHERE (job_id, entity_type, entity_id) IN "
                               f"(SELECT job_id, entity_type, entity_id FROM scan_targets WHERE job_id = {m}{cond} "
                               f"LIMIT {PAGE})", [job_id, *args]).rowcount
        gone += n
        if n < PAGE:
            return gone


def drop_orphans(db) -> int:
    """Targets of scan jobs no longer in the history (a chain that died or was cancelled, purged since)."""
    with write_tx(db):
        return db.execute_sql("DELETE FROM scan_targets WHERE NOT EXISTS "
                              "(SELECT 1 FROM jobs WHERE jobs.id = scan_targets.job_id)").rowcount
