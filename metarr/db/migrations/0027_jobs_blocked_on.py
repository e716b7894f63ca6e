"""jobs.blocked_on: the place and trouble a job waits on ("library:3/full", "data/read-only",
"database/unreachable"; metarr/jobs/waiting.py), with a partial index for the probe that reads the
few waiting jobs out of a table of many."""
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Job


def up(db):
    add_column_if_missing(db, Job, "blocked_on")
    db.execute_sql("CREATE INDEX IF NOT EXISTS jobs_blocked_on ON jobs (blocked_on) WHERE blocked_on IS NOT NULL")
