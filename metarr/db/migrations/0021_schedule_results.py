"""How each schedule's last job ended, kept on the schedule (job history is purged after a week,
a schedule's last result must outlive it)."""
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Schedule


def up(db):
    for name in ("last_status", "last_result"):
        add_column_if_missing(db, Schedule, name)
