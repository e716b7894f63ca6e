"""Registers every job type's handler. Handlers are thin: they call metarr/ functions."""
from __future__ import annotations

import os
import time
from pathlib import Path

from metarr.jobs import store
from metarr.jobs.model import JobResult, JobSpec


def register_all(s) -> None:
    reg = s.registry
    reg.register("maintenance.purge_jobs", purge_jobs, concurrency=1)
    if s.config.test_jobs:
        reg.register("test.append", test_append, concurrency=2, prefetch=16)
        reg.register("test.noop", test_noop, concurrency=4, prefetch=64)


def purge_jobs(ctx, job):
    days = float((job.payload or {}).get("retention_days", 7))
    n = store.purge_history(ctx.services.db, time.time() - days * 86400)
    return {"purged": n}


def test_noop(ctx, job):
    return None


def test_append(ctx, job):
    """Test-only: appends `<key>` to a file once per key (idempotent effect) and chains the next
    link until `depth` is reached. Used by the crash-safety tests."""
    p = job.payload
    key = f"{p['chain']}:{p['step']}"
    path = Path(p["file"])
    # idempotent by key: a re-run after a crash must not record the effect twice
    seen = path.read_text().split() if path.exists() else []
    if key not in seen:
        with open(path, "a") as f:
            f.write(key + "\n")
            f.flush()
            os.fsync(f.fileno())
    if p.get("sleep"):
        time.sleep(p["sleep"])
    if p["step"] + 1 < p["depth"]:
        nxt = dict(p, step=p["step"] + 1)
        return JobResult(next=(JobSpec("test.append", subject=f"{p['chain']}:{p['step'] + 1}", payload=nxt),))
    return None
