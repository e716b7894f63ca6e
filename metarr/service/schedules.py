"""Default recurring jobs (SPEC §4): created once, then editable (interval, enabled) via the API."""
from __future__ import annotations

from metarr.db.database import write_tx
from metarr.db.models import Schedule

DAY = 86400
DEFAULTS = (
    # name, job type, interval
    ("purge-job-history", "maintenance.purge_jobs", DAY),
    ("purge-recycle-bin", "maintenance.recycle_purge", DAY),
    ("orphan-cleanup", "maintenance.orphans", DAY),
    ("verify-libraries", "verify.all", DAY),
    ("rescan-libraries", "scan.all", DAY),
    # the even sweep: a slice of the library a day, all of it within refresh.sweep_days
    ("refresh-stale-metadata", "enrich.stale", DAY),
    # providers' change feeds: refresh only what changed upstream
    ("refresh-changes-tmdb", "refresh.changes", DAY, {"provider": "tmdb"}),
    ("refresh-changes-tvdb", "refresh.changes", DAY, {"provider": "tvdb"}),
    ("refresh-changes-fanart", "refresh.changes", DAY, {"provider": "fanart"}),
)


def seed(db, known_types: set[str]) -> None:
    """Insert missing default schedules whose job type has a handler in this build."""
    with write_tx(db):
        have = {s.name for s in Schedule.select(Schedule.name)}
        for name, jtype, interval, *payload in DEFAULTS:
            if name not in have and jtype in known_types:
                # two processes starting at once on a fresh database both get here
                Schedule.insert(name=name, job_type=jtype, interval_s=interval, enabled=True,
                                payload=payload[0] if payload else None).on_conflict_ignore().execute()
