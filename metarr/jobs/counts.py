"""The kept counts of finished jobs (migration 0038): how to read them, and (PostgreSQL) folding the
deltas the triggers append into the counter rows.

A finished job is one in any status but pending and running; those two are the live rows, few
however long the history, counted from the rows themselves (the (status, …) index).
"""
from __future__ import annotations

import peewee as pw

from metarr.db.database import is_sqlite, write_tx
from metarr.jobs.model import ACTIVE


def history_sql(db: pw.Database) -> str:
    """A subquery of (type, status, n) rows, n > 0: the finished jobs per type and status, exact as
    of the statement it is part of (so one statement reads them and the live rows in one snapshot)."""
    if is_sqlite(db):
        return "SELECT type, status, n FROM job_counts WHERE n <> 0"
    return ("SELECT type, status, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT type, status, n FROM job_counts "
            "UNION ALL SELECT type, status, n FROM job_count_deltas) c GROUP BY type, status HAVING SUM(n) <> 0")


# the exact predicate of the partial index jobs_live: SQLite uses a partial index only for a query
# whose WHERE has this very term
LIVE = "status IN ('pending', 'running')"


def is_history(status: str) -> bool:
    return status not in ACTIVE


def fold(db: pw.Database) -> int:
    """PostgreSQL: move the deltas into the counters (one transaction, so a reader sees them in one
    place or the other). The counter rows are taken in key order: two folds at once cannot deadlock.
    Returns the deltas folded; SQLite keeps no deltas."""
    if is_sqlite(db):
        return 0
    with write_tx(db):
        row = db.execute_sql(
            "WITH d AS (DELETE FROM job_count_deltas RETURNING type, status, n), "
            "s AS (SELECT type, status, SUM(n) AS n, COUNT(*) AS k FROM d GROUP BY type, status), "
            "u AS (INSERT INTO job_counts (type, status, n) SELECT type, status, n FROM s ORDER BY type, status "
            "ON CONFLICT (type, status) DO UPDATE SET n = job_counts.n + EXCLUDED.n RETURNING 1) "
            "SELECT COALESCE(SUM(k), 0), (SELECT COUNT(*) FROM u) FROM s").fetchone()
    return int(row[0])
