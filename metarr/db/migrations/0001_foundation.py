"""Core tables: jobs, job history, schedules, settings, activity, libraries, shared rate limits."""
from metarr.db.models import CORE_MODELS, Job


def up(db):
    db.create_tables(CORE_MODELS, safe=True)
    # the idempotency lock: at most one pending/running job per key
    table = Job._meta.table_name
    db.execute_sql(
        f"CREATE UNIQUE INDEX IF NOT EXISTS jobs_active_idem ON {table} (idem_key) "
        "WHERE status IN ('pending', 'running') AND idem_key IS NOT NULL")
