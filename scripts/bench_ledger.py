#!/usr/bin/env python3
"""Job ledger throughput: enqueue → claim → handler → complete through the real actors.

Runs an ActorSystem in this process with the test-only `test.noop` handler, enqueues N jobs through
the JobLedger actor (in batches, each job with its own idempotency key, as real producers do) and
measures until the last job is recorded `succeeded`. Does the same on PostgreSQL when reachable
(`--pg-url`, default `METARR_BENCH_PG_URL` / `METARR_TEST_DATABASE_URL` / the local server; a
throw-away schema is created and dropped), and, for scale, a bare sqlite3 loop of one INSERT plus one
UPDATE per job, one commit per job (WAL, synchronous=NORMAL).

    python scripts/bench_ledger.py [--jobs 20000] [--batch 1000] [--no-pg] [--profile]

The last line of output is one JSON object: sqlite_jobs_per_s, postgres_jobs_per_s, raw_sqlite_per_s.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://root@127.0.0.1:5432/test"


def bench_actors(db_url: str, data_dir: Path, n: int, batch: int, profile: bool = False) -> dict:
    """Jobs/s through the actors on one database; returns the figures of the run."""
    from actors.system import ActorSystem, open_services
    from metarr.config import load_config
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec

    config = load_config({"METARR_DATA_DIR": str(data_dir), "METARR_DATABASE_URL": db_url,
                          "METARR_API_KEY": "bench-key-0123456789", "METARR_JOB_MODULES": "tests.jobtypes"})
    services = open_services(config, role="bench")
    done = threading.Event()
    succeeded = [0]

    def on_event(e) -> None:
        if e.type == "job.succeeded":
            succeeded[0] += 1  # published by the ledger thread only
            if succeeded[0] >= n:
                done.set()

    services.bus.subscribe(on_event)
    system = ActorSystem(services)
    system.start()
    ledger = services.actor("ledger")
    prof = None
    if profile:
        import yappi  # profiles every thread (the actors run on their own)
        yappi.set_clock_type("wall")
        yappi.start()
    try:
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            specs = [JobSpec("test.noop", subject=f"b{i}") for i in range(start, min(n, start + batch))]
            ledger.enqueue(specs).get(timeout=120)
        t_enq = time.perf_counter() - t0
        if not done.wait(timeout=max(120.0, n / 50)):
            raise RuntimeError(f"only {succeeded[0]} of {n} jobs finished")
        elapsed = time.perf_counter() - t0
    finally:
        if profile:
            import yappi
            yappi.stop()
            prof = yappi.get_func_stats()
        system.stop()
    services.db.connect(reuse_if_open=True)
    s = store.stats(services.db, time.time())
    services.db.close()
    if s.succeeded != n or s.due or s.running or s.dead:
        raise RuntimeError(f"ledger not drained cleanly: {s}")
    if prof is not None:
        prof.sort("tsub").print_all(out=sys.stderr, columns={0: ("name", 80), 1: ("ncall", 9), 2: ("tsub", 8),
                                                               3: ("ttot", 8), 4: ("tavg", 8)})
    return {"jobs": n, "seconds": elapsed, "jobs_per_s": n / elapsed, "enqueue_s": t_enq}


def bench_raw_sqlite(path: Path, n: int) -> dict:
    """The floor of what SQLite costs here: per job one INSERT and one UPDATE in one commit."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=normal")
    con.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, type TEXT, subject TEXT, status TEXT, "
                "priority INTEGER, run_after REAL, finished_at REAL)")
    t0 = time.perf_counter()
    for i in range(n):
        con.execute("BEGIN IMMEDIATE")
        cur = con.execute("INSERT INTO jobs (type, subject, status, priority, run_after) VALUES (?, ?, ?, ?, ?)",
                          ("noop", f"b{i}", "pending", 5, time.time()))
        con.execute("UPDATE jobs SET status = 'succeeded', finished_at = ? WHERE id = ?", (time.time(), cur.lastrowid))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    con.close()
    return {"jobs": n, "seconds": elapsed, "jobs_per_s": n / elapsed}


def _pg_admin(url: str):
    from urllib.parse import urlparse

    import peewee
    u = urlparse(url)
    return peewee.PostgresqlDatabase(u.path.lstrip("/") or "postgres", host=u.hostname or "127.0.0.1",
                                     port=u.port or 5432, user=u.username, password=u.password,
                                     connect_timeout=3)


def pg_reachable(url: str) -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        admin = _pg_admin(url)
        with admin.connection_context():
            admin.execute_sql("SELECT 1")
        return None
    except Exception as e:  # any driver or network failure means: skip
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=20000, help="jobs per run (default 20000)")
    ap.add_argument("--batch", type=int, default=1000, help="jobs per enqueue call (default 1000)")
    ap.add_argument("--pg-url", default=os.environ.get("METARR_BENCH_PG_URL")
                    or os.environ.get("METARR_TEST_DATABASE_URL") or DEFAULT_PG)
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--profile", action="store_true", help="yappi profile of the SQLite run, to stderr")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    n = args.jobs
    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-"))
    rows: list[tuple[str, dict | None, str]] = []
    try:
        raw = bench_raw_sqlite(tmp / "raw.sqlite", n)
        rows.append(("bare sqlite3 INSERT+UPDATE, 1 commit/job", raw, ""))
        lite = bench_actors(f"sqlite:///{tmp / 'ledger.sqlite'}", tmp / "data-sqlite", n, args.batch, args.profile)
        rows.append(("actors on SQLite (WAL, BEGIN IMMEDIATE)", lite, ""))
        pg = None
        why = "skipped (--no-pg)" if args.no_pg else pg_reachable(args.pg_url)
        if why is None:
            schema = "bench_" + uuid.uuid4().hex[:10]
            sep = "&" if "?" in args.pg_url else "?"
            try:
                pg = bench_actors(f"{args.pg_url}{sep}schema={schema}", tmp / "data-pg", n, args.batch)
            finally:
                admin = _pg_admin(args.pg_url)
                with admin.connection_context():
                    admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        rows.append(("actors on PostgreSQL (SKIP LOCKED)", pg, "" if pg else f"unavailable: {why}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"Job ledger benchmark: {n} jobs, no-op handler (test.noop), Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    print(f"{'path':<44} {'jobs':>7} {'seconds':>8} {'jobs/s':>9}  {'enqueue s':>9}")
    print("-" * 82)
    for name, r, note in rows:
        if r is None:
            print(f"{name:<44} {note}")
        else:
            enq = f"{r['enqueue_s']:9.2f}" if "enqueue_s" in r else f"{'-':>9}"
            print(f"{name:<44} {r['jobs']:>7} {r['seconds']:>8.2f} {r['jobs_per_s']:>9,.0f}  {enq}")
    target = 2000
    ok = lite["jobs_per_s"] >= target
    print(f"target ≥ {target:,} jobs/s on SQLite through the actors: {'met' if ok else 'NOT met'}; "
          f"actors reach {lite['jobs_per_s'] / raw['jobs_per_s']:.0%} of the bare sqlite3 loop")
    print(json.dumps({"sqlite_jobs_per_s": round(lite["jobs_per_s"], 1),
                      "postgres_jobs_per_s": round(pg["jobs_per_s"], 1) if pg else None,
                      "raw_sqlite_per_s": round(raw["jobs_per_s"], 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
