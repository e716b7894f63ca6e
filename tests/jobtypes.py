"""Job types used only by the tests and benchmarks, registered through METARR_JOB_MODULES=tests.jobtypes
(actors/handlers.py imports each named module and calls its `register`)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from metarr.jobs.model import JobResult, JobSpec


def register(reg) -> None:
    # prefetch 1: test.append stands for a real (slow) phase. A claimed job is charged an attempt
    # (SPEC §4), so prefetched jobs that never started are charged too when the process dies.
    reg.register("test.append", test_append, concurrency=2, prefetch=1)
    reg.register("test.noop", test_noop, concurrency=4, prefetch=64)
    reg.register("test.record", test_record, concurrency=2, prefetch=2)


def test_noop(ctx, job):
    return None


def test_record(ctx, job):
    """Appends `<job id> <pid> <start> <end>` to a file, one write per run (O_APPEND, so
    lines of several processes never interleave). Used by the scale-out test."""
    p = job.payload
    t0 = time.time()
    if p.get("sleep"):
        time.sleep(p["sleep"])
    line = f"{job.id} {os.getpid()} {t0:.6f} {time.time():.6f}\n".encode()
    fd = os.open(p["file"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return None


def test_append(ctx, job):
    """Appends `<key>` to a file once per key (idempotent effect) and chains the next
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
