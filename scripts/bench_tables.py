"""The job ledger and the activity log at a large size (#32 item 3), measured in one run.

    python scripts/bench_tables.py --jobs 1000000 --activity 500000 [--database-url postgresql://…]

Fills the jobs table with N finished jobs (succeeded, a few dead and cancelled, over 30 days, of a
dozen types) and 1 % pending ones, and the activity log with M entries, then times (median of 7):
`store.stats` (the dashboard, /metrics and /api/system), the first and a deep page of the jobs
listing (`store.list_jobs`, which also totals the matching jobs), the same deep page by cursor
(`after=`, also one library's), a page of failed jobs, a page of one library's jobs, a page of the activity log (`activity.list_entries`), and `store.purge_history`
of the older half, while another thread enqueues a job every 20 ms (as the workers would write):
the purge's time, its longest write transaction and that writer's longest wait. After the purge the
kept job counts (migration 0036) are checked against a count of the rows. Last line: one JSON
object with the figures and each target's pass/fail (every read, the purge's longest transaction
and the writer's longest wait <= 250 ms).

Run on an older checkout (without `store.purge_batches`) it times the purge as the one transaction
it was there."""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TYPES = ["scan.library", "scan.path", "enrich.movie", "enrich.series", "publish.movie", "publish.series",
         "sync.players", "verify.library", "notify.send", "refresh.movie", "enrich.artist", "publish.artist"]


def timed(fn, rounds: int = 7) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--activity", type=int, default=50_000)
    ap.add_argument("--database-url", default="", help="default: SQLite in a temporary data dir")
    args = ap.parse_args()

    from metarr.config import load_config
    from metarr.db.database import db_proxy, open_database
    from metarr.db.migrate import migrate
    from metarr.db.models import ActivityLog, Job
    from metarr.jobs import store
    from metarr.service import activity

    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-tables-"))
    try:
        env = {"METARR_DATA_DIR": str(tmp / "data"), **({"METARR_DATABASE_URL": args.database_url}
                                                        if args.database_url else {})}
        cfg = load_config(env)
        cfg.data_dir.mkdir(parents=True)
        db = open_database(cfg.database_url)
        db_proxy.initialize(db)
        migrate(db)
        now = time.time()
        t0 = time.perf_counter()
        for start in range(0, args.jobs, 5000):
            rows = []
            for i in range(start, min(args.jobs, start + 5000)):
                finished = now - (args.jobs - i) * 30 * 86400 / args.jobs
                status = "pending" if i % 100 == 0 else "dead" if i % 97 == 0 else "cancelled" if i % 89 == 0 \
                    else "succeeded"
                rows.append(dict(type=TYPES[i % len(TYPES)], subject=f"movie:{i}", status=status, priority=5,
                                 library_id=1 + i % 3,
                                 run_after=finished, created_at=finished - 5,
                                 finished_at=None if status == "pending" else finished, failed=status == "dead",
                                 last_error="gave up" if status == "dead" else None))
            with db.atomic():
                Job.insert_many(rows).execute()
        for start in range(0, args.activity, 5000):
            with db.atomic():
                ActivityLog.insert_many([dict(ts=now - (args.activity - i), kind="scan" if i % 3 else "enrich",
                                              level="warning" if i % 50 == 0 else "info", message=f"entry {i}")
                                         for i in range(start, min(args.activity, start + 5000))]).execute()
        if not args.database_url:
            db.execute_sql("ANALYZE")
        else:
            db.execute_sql("ANALYZE jobs")
            db.execute_sql("ANALYZE activity_log")
        print(f"filled {args.jobs} jobs and {args.activity} activity entries in {time.perf_counter() - t0:.1f}s",
              file=sys.stderr)
        figures = {}
        if hasattr(store, "purge_batches"):
            # PostgreSQL: the fill's trigger deltas into the counters, as the ledger does every 10 s
            from metarr.jobs import counts
            t = time.perf_counter()
            counts.fold(db)
            figures["fold_after_fill_ms"] = (time.perf_counter() - t) * 1000
            if args.database_url:
                # the fill left a million folded deltas as dead rows, which a read scans until
                # autovacuum (within a minute) clears them; measured once, then as autovacuum leaves it
                figures["stats_before_vacuum_ms"] = timed(lambda: store.stats(db, time.time()), 3)
                db.execute_sql("VACUUM job_count_deltas")
        figures.update({
            "stats_ms": timed(lambda: store.stats(db, time.time())),
            "jobs_page_ms": timed(lambda: store.list_jobs(db, limit=50)),
            "jobs_deep_page_ms": timed(lambda: store.list_jobs(db, limit=50, offset=args.jobs // 2)),
            "jobs_dead_page_ms": timed(lambda: store.list_jobs(db, statuses=["dead"], limit=50)),
            "jobs_library_page_ms": timed(lambda: store.list_jobs(db, limit=50, library_id=2)),
            "activity_page_ms": timed(lambda: activity.list_entries(50, 0)),
            **deep_by_cursor(db, store, args.jobs // 2),
            "activity_warning_page_ms": timed(lambda: activity.list_entries(50, 0, level="warning")),
        })
        purged, figures["purge_ms"], figures["purge_longest_tx_ms"], batches, waits = \
            purge_with_writer(db, store, now - 15 * 86400)
        figures["writer_longest_wait_ms"] = max(waits) if waits else 0.0
        figures["stats_after_purge_ms"] = timed(lambda: store.stats(db, time.time()))
        exact = counts_exact(db, store)
        figures = {k: round(v, 2) for k, v in figures.items()}
        targets = {f"{k}_le_250": v <= 250 for k, v in figures.items()
                   if k not in ("purge_ms", "fold_after_fill_ms", "stats_before_vacuum_ms")}
        if exact is not None:
            targets["counts_exact"] = exact
        for k, v in figures.items():
            print(f"{k:28s} {v:10.2f}")
        print(json.dumps({"jobs": args.jobs, "activity": args.activity,
                          "db": "postgres" if args.database_url else "sqlite", "purged": purged,
                          "purge_batches": batches, "writer_writes": len(waits), **figures,
                          "targets": targets, "all_pass": all(targets.values())}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def deep_by_cursor(db, store, position: int) -> dict[str, float]:
    """The page at `position` (newest first) by cursor, as `GET /api/v1/jobs?after=` pages (#32); and
    one library's, through its index (migration 0040). Nothing on a checkout without cursors."""
    try:
        from metarr.jobs import paging
    except ImportError:
        return {}
    mid = db.execute_sql(f"SELECT id FROM jobs ORDER BY id DESC LIMIT 1 OFFSET {int(position)}").fetchone()[0]
    cursor = paging.encode("-id", mid)
    page = store.list_jobs_page(db, limit=50, after=cursor)
    assert page.rows and page.rows[0]["id"] < mid and page.next_cursor
    return {"jobs_deep_cursor_page_ms": timed(lambda: store.list_jobs_page(db, limit=50, after=cursor)),
            "jobs_library_deep_cursor_page_ms": timed(lambda: store.list_jobs_page(db, limit=50, library_id=2,
                                                                                   after=cursor))}


def purge_with_writer(db, store, older_than: float) -> tuple[int, float, float, int, list[float]]:
    """The purge, while a thread enqueues a job every 20 ms. Returns (jobs purged, its ms, its longest
    transaction's ms, batches, each enqueue's ms)."""
    from metarr.db.database import connection
    from metarr.jobs.model import JobSpec
    stop, waits = threading.Event(), []

    def writer():
        with connection(db):
            k = 0
            while not stop.is_set():
                t = time.perf_counter()
                store.enqueue(db, [JobSpec("bench.writer", f"w{k}", dedupe=False)], time.time())
                waits.append((time.perf_counter() - t) * 1000)
                k += 1
                stop.wait(0.02)

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    time.sleep(0.1)
    t = time.perf_counter()
    if hasattr(store, "purge_batches"):
        txs = [(n, sec * 1000) for n, sec in store.purge_batches(db, older_than)]
        from metarr.jobs import counts
        counts.fold(db)
    else:   # an older checkout: one transaction
        n = store.purge_history(db, older_than)
        txs = [(n, (time.perf_counter() - t) * 1000)]
    total_ms = (time.perf_counter() - t) * 1000
    time.sleep(0.1)
    stop.set()
    th.join()
    return sum(n for n, _ in txs), total_ms, max((ms for _, ms in txs), default=0.0), len(txs), waits


def counts_exact(db, store) -> bool | None:
    """The kept counts equal a count of the rows (None on a checkout without them)."""
    if not hasattr(store, "purge_batches"):
        return None
    from metarr.jobs import counts
    kept = {(t, s): int(n) for t, s, n in db.execute_sql(f"SELECT type, status, n FROM ({counts.history_sql(db)}) h")}
    rows = {(t, s): n for t, s, n in db.execute_sql("SELECT type, status, COUNT(*) FROM jobs "
                                                     "WHERE status NOT IN ('pending', 'running') GROUP BY type, status")}
    return kept == rows


if __name__ == "__main__":
    main()
