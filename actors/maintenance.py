"""Maintenance job handlers: history retention, recycle-bin purge, orphaned cache files."""
from __future__ import annotations

import time

from metarr.assets import cache
from metarr.jobs import store
from metarr.library import recyclebin
from metarr.scanning import followups
from metarr.service import settings


def purge_jobs(ctx, job):
    db = ctx.services.db
    days = float((job.payload or {}).get("retention_days") or settings.get(db, "jobs.history_days"))
    purged = store.purge_history(db, time.time() - days * 86400)
    # a large scan's targets whose follow-up chain never finished (cancelled, dead), once its scan job is gone
    return {"purged": purged, "scan_targets": followups.drop_orphans(db)}


def recycle_purge(ctx, job):
    s = ctx.services
    days = int((job.payload or {}).get("older_than_days") or settings.get(s.db, "recycle.retention_days"))
    return {"purged": recyclebin.purge(s.db, s.config.recycle_dir, days)}


def orphans(ctx, job):
    s = ctx.services
    grace = float((job.payload or {}).get("grace_s", 7 * 86400))
    return cache.orphan_sweep(s.db, s.config.data_dir, s.config.recycle_dir, grace)
