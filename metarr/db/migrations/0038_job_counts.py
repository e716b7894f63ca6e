"""job_counts: the finished jobs (every status but pending and running) per (type, status), kept
exact by triggers on `jobs`, so the job stats, /metrics and a jobs list's total read a few dozen
counter rows instead of counting a history of a million jobs (#32 item 3). Triggers, not code in
metarr/jobs/store.py: every writer of `jobs` (the leases' sweep, a batch's cancel, raw SQL
anywhere) keeps them exact. Backfilled from the rows in the same transaction. The pending and
running jobs, counted from their rows at each read, get a small covering partial index (`jobs_live`).

- SQLite (one writer): the triggers add to / take from the counter row itself.
- PostgreSQL: a counter row updated by every finishing job would serialise the workers and, with
  two workers finishing jobs of two types in opposite order, deadlock them. There the triggers only
  append signed deltas to `job_count_deltas` (no row is shared); readers add the deltas to the
  counters, and `metarr.jobs.counts.fold` moves them into `job_counts` now and then. A purge's
  delete is counted per statement (its rows grouped), not per row.
"""
from metarr.db.database import is_sqlite

ACTIVE = "('pending', 'running')"


def up(db):
    db.execute_sql("CREATE TABLE IF NOT EXISTS job_counts (type VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, "
                   "n BIGINT NOT NULL, PRIMARY KEY (type, status))")
    if is_sqlite(db):
        _sqlite(db)
    else:
        _postgres(db)
    # the live rows, counted at every read of the stats, through a covering index of their own
    # (SQLite's planner took the (type, status) index for a GROUP BY and scanned the whole table)
    db.execute_sql(f"CREATE INDEX IF NOT EXISTS jobs_live ON jobs (status, type, run_after, failed, schedule) "
                   f"WHERE status IN {ACTIVE}")
    db.execute_sql("DELETE FROM job_counts")
    db.execute_sql(f"INSERT INTO job_counts (type, status, n) SELECT type, status, COUNT(*) FROM jobs "
                   f"WHERE status NOT IN {ACTIVE} GROUP BY type, status")


def _sqlite(db) -> None:
    add = ("INSERT INTO job_counts (type, status, n) SELECT NEW.type, NEW.status, 1 "
           f"WHERE NEW.status NOT IN {ACTIVE} ON CONFLICT (type, status) DO UPDATE SET n = n + 1;")
    sub = "UPDATE job_counts SET n = n - 1 WHERE type = OLD.type AND status = OLD.status;"
    db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS jobs_count_ins AFTER INSERT ON jobs "
                   f"WHEN NEW.status NOT IN {ACTIVE} BEGIN {add} END")
    # an active status has no counter row, so `sub` of one changes nothing
    db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS jobs_count_upd AFTER UPDATE OF type, status ON jobs "
                   f"WHEN (OLD.status IS NOT NEW.status OR OLD.type IS NOT NEW.type) "
                   f"AND (OLD.status NOT IN {ACTIVE} OR NEW.status NOT IN {ACTIVE}) BEGIN {sub} {add} END")
    db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS jobs_count_del AFTER DELETE ON jobs "
                   f"WHEN OLD.status NOT IN {ACTIVE} BEGIN {sub} END")


def _postgres(db) -> None:
    db.execute_sql("CREATE TABLE IF NOT EXISTS job_count_deltas (id BIGSERIAL PRIMARY KEY, "
                   "type VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, n BIGINT NOT NULL)")
    db.execute_sql(f"""CREATE OR REPLACE FUNCTION jobs_count_row() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status NOT IN {ACTIVE} THEN
        INSERT INTO job_count_deltas (type, status, n) VALUES (OLD.type, OLD.status, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status NOT IN {ACTIVE} THEN
        INSERT INTO job_count_deltas (type, status, n) VALUES (NEW.type, NEW.status, 1);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""")
    db.execute_sql(f"""CREATE OR REPLACE FUNCTION jobs_count_deleted() RETURNS trigger AS $$
BEGIN
    INSERT INTO job_count_deltas (type, status, n)
        SELECT type, status, -COUNT(*) FROM gone WHERE status NOT IN {ACTIVE} GROUP BY type, status;
    RETURN NULL;
END $$ LANGUAGE plpgsql""")
    for name in ("jobs_count_ins", "jobs_count_upd", "jobs_count_del"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON jobs")
    # a pending job's insert and a claim (pending -> running) fire nothing
    db.execute_sql(f"CREATE TRIGGER jobs_count_ins AFTER INSERT ON jobs FOR EACH ROW "
                   f"WHEN (NEW.status NOT IN {ACTIVE}) EXECUTE FUNCTION jobs_count_row()")
    db.execute_sql(f"CREATE TRIGGER jobs_count_upd AFTER UPDATE OF type, status ON jobs FOR EACH ROW "
                   f"WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.type IS DISTINCT FROM NEW.type) "
                   f"AND (OLD.status NOT IN {ACTIVE} OR NEW.status NOT IN {ACTIVE})) "
                   f"EXECUTE FUNCTION jobs_count_row()")
    db.execute_sql("CREATE TRIGGER jobs_count_del AFTER DELETE ON jobs REFERENCING OLD TABLE AS gone "
                   "FOR EACH STATEMENT EXECUTE FUNCTION jobs_count_deleted()")
    db.execute_sql("DELETE FROM job_count_deltas")
