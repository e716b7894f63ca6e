"""The jobs a first scan chains, at a large library's size: memory and the longest write transaction (#32).

A first scan of 166,667 movies (1,000,002 files, scripts/bench_scan.py) names every movie as a target
to enrich. This measures only what follows from that, on movies seeded straight into the database
(no files: the walk and the items are bench_scan's business):

  before  the scan holds every target and returns one job spec each; the ledger records the scan's
          success and inserts them all in that one transaction (what Metarr did until #32, and still
          does for a scan of up to followups.DIRECT_LIMIT targets);
  after   the scan writes its targets to scan_targets with each batch of folders (BATCH_UNITS), its
          result chains one followups.scan job, and each page of it chains PAGE jobs and the next
          page (claimed, run and recorded here as the ledger does, without the actors' threads).

Each (mode, database) runs in its own process, twice: once timed (every write transaction of the
follow-up creation timed: the spill, the ledger's completions, a page's delete of the page before),
once under tracemalloc for the peak of Python memory it allocates (the targets, the specs, what the
ledger's completion returns). The machine's other load is not controlled: run it on a quiet machine
for figures to compare across runs; before and after in one run are comparable.

    python scripts/bench_followups.py [--items 166667] [--no-pg] [--no-sqlite] [--modes after] [--no-trace]
                                      [--pg-url postgresql://…]

Last line: one JSON object with the figures and each target's pass/fail (after: longest write
transaction <= 1 s and peak traced memory <= 32 MB, whatever the library's size).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://root@127.0.0.1:5432/test"
TX_TARGET_S, MEM_TARGET_MB = 1.0, 32.0


class _Ctx:
    def __init__(self, services):
        self.services = services

    def progress(self, *_a) -> None:
        pass


def _timed_tx(spans: list[float], real):
    @contextlib.contextmanager
    def write_tx(db):
        t = time.perf_counter()
        with real(db) as tx:
            yield tx
        spans.append(time.perf_counter() - t)
    return write_tx


def _seed(db, n: int):
    from metarr.db.database import write_tx
    from metarr.db.media import Movie
    from metarr.db.models import Library
    now = time.time()
    lib = Library.create(name="Bench", kind="movie", path="/nowhere/films", created_at=now, updated_at=now,
                         watch=False, auto_enrich=True)
    for i in range(0, n, 1000):
        with write_tx(db):
            Movie.insert_many([dict(library_id=lib.id, key=f"f{j}/f{j}.mkv", folder=f"f{j}", title=f"Film {j}",
                                    year=1950 + j % 70, state="discovered", date_added=now, created_at=now,
                                    updated_at=now) for j in range(i, min(n, i + 1000))]).execute()
    first, last, count = db.execute_sql("SELECT MIN(id), MAX(id), COUNT(*) FROM movies").fetchone()
    assert last - first + 1 == count == n, "seeded ids are not contiguous"
    return lib, first


def child(mode: str, db_url: str, n: int, trace: bool) -> dict:
    import tracemalloc

    from actors import scanning
    from actors.handlers import register_all
    from actors.system import open_services
    from metarr.config import load_config
    from metarr.db.database import close_database, write_tx
    from metarr.jobs import chain, store
    from metarr.jobs.model import PRIORITY, JobResult, Outcome
    from metarr.scanning import followups, scanner
    from metarr.scanning.report import ScanReport

    data = Path(tempfile.mkdtemp(prefix="metarr-bench-fu-"))
    config = load_config({"METARR_DATA_DIR": str(data), "METARR_DATABASE_URL": db_url,
                          "METARR_API_KEY": "bench-key-0123456789"})
    s = open_services(config, role="bench")
    register_all(s)
    db = s.db
    lib, first = _seed(db, n)
    (sid, _), = store.enqueue(db, [chain.library_job("scan", lib.id)], time.time())
    scan_job, = store.claim(db, "bench", {"scan.library": 1}, time.time(), 3600)
    spans: list[float] = []
    store.write_tx = followups.write_tx = timed_tx = _timed_tx(spans, write_tx)
    prio = PRIORITY["enrich"]
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    pages = 0
    page_tx: list[float] = []   # each page's completion: its jobs inserted with it
    rep = ScanReport(lib.id)
    if mode == "before":
        for eid in range(first, first + n):
            rep.targets.append(("movie", eid))
        nxt = scanning.next_phase(s, lib, rep.targets, prio)
        store.finish(db, [Outcome(scan_job.id, scan_job.lease_token, True,
                                  result=JobResult(data=rep.to_json(), next=nxt))], time.time())
        del nxt
    else:
        for i in range(first, first + n, scanner.BATCH_UNITS):   # what each batch of folders adds
            for eid in range(i, min(first + n, i + scanner.BATCH_UNITS)):
                rep.targets.append(("movie", eid))
            if followups.overflows(len(rep.targets), rep.targets_stored):
                with timed_tx(db):   # in a scan: inside the batch's own transaction
                    rep.targets_stored += followups.store(db, sid, rep.targets.drain())
        with timed_tx(db):
            rep.targets_stored += followups.store(db, sid, rep.targets.drain())
            rep.followups = followups.count(db, sid)
        nxt = scanning._follow(s, lib, sid, rep, prio)
        store.finish(db, [Outcome(scan_job.id, scan_job.lease_token, True,
                                  result=JobResult(data=rep.to_json(), next=nxt))], time.time())
        while True:
            got = store.claim(db, "bench", {"followups.scan": 1}, time.time(), 3600)
            if not got:
                break
            res = scanning.scan_followups(_Ctx(s), got[0])
            t = time.perf_counter()
            store.finish(db, [Outcome(got[0].id, got[0].lease_token, True, result=res)], time.time())
            page_tx.append(time.perf_counter() - t)
            pages += 1
    total_s = time.perf_counter() - t0
    peak_mb = None
    if trace:
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    jobs, distinct = db.execute_sql("SELECT COUNT(*), COUNT(DISTINCT subject) FROM jobs WHERE type = 'enrich.movie'"
                                    ).fetchone()
    left = db.execute_sql("SELECT COUNT(*) FROM scan_targets").fetchone()[0]
    close_database(db)
    return {"mode": mode, "items": n, "total_s": round(total_s, 2), "write_tx": len(spans),
            "longest_tx_s": round(max(spans), 3), "peak_traced_mb": round(peak_mb, 1) if peak_mb is not None else None,
            "pages": pages, "page_tx_median_s": round(sorted(page_tx)[len(page_tx) // 2], 3) if page_tx else None,
            "enrich_jobs": jobs, "distinct": distinct, "rows_left": left}


def _run_child(mode: str, url: str, n: int, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--db", url, "--items", str(n)] + (["--trace"] if trace else [])
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        raise SystemExit(f"{mode} on {url.split(':')[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(label: str, url_for, n: int, modes=("before", "after"), trace: bool = True) -> dict:
    out = {}
    for mode in modes:
        timed = _run_child(mode, url_for(), n, False)
        timed["peak_traced_mb"] = _run_child(mode, url_for(), n, True)["peak_traced_mb"] if trace else 0.0
        out[mode] = timed
        print(f"{label:<10} {mode:<7} {timed['total_s']:>8.2f} s  longest write tx {timed['longest_tx_s']:>7.3f} s "
              f"({timed['write_tx']} tx, a page's median {timed['page_tx_median_s']} s)  peak {timed['peak_traced_mb']:>7.1f} MB  {timed['enrich_jobs']} jobs "
              f"({timed['distinct']} distinct), {timed['pages']} pages, {timed['rows_left']} rows left", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=166_667)
    ap.add_argument("--pg-url", default=os.environ.get("METARR_BENCH_PG_URL") or DEFAULT_PG)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--modes", default="before,after", help="before,after (default) or one of them")
    ap.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run (peak reported as 0)")
    ap.add_argument("--child", choices=("before", "after"), help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.db, args.items, args.trace)))
        return 0
    from scripts.bench_ledger import _pg_admin, pg_reachable
    n = args.items
    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-fu-"))
    print(f"follow-up jobs of a scan naming {n:,} movies; {os.cpu_count()} CPUs (shared with other work)")
    modes = tuple(m for m in ("before", "after") if m in args.modes.split(","))
    results = {}
    if not args.no_sqlite:
        results["sqlite"] = measure("sqlite", lambda: f"sqlite:///{tmp / uuid.uuid4().hex[:8]}.sqlite", n, modes,
                                    not args.no_trace)
    why = "skipped (--no-pg)" if args.no_pg else pg_reachable(args.pg_url)
    if why is None:
        schemas: list[str] = []

        def pg_url() -> str:
            schemas.append("bench_" + uuid.uuid4().hex[:10])
            return f"{args.pg_url}{'&' if '?' in args.pg_url else '?'}schema={schemas[-1]}"
        try:
            results["postgresql"] = measure("postgresql", pg_url, n, modes, not args.no_trace)
        finally:
            admin = _pg_admin(args.pg_url)
            with admin.connection_context():
                for schema in schemas:
                    admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    else:
        print(f"postgresql: {why}")
    targets = {}
    for name, r in results.items():
        if "after" not in r:
            continue
        a = r["after"]
        targets[f"{name}_every_item_once"] = a["enrich_jobs"] == a["distinct"] == n and a["rows_left"] == 0
        targets[f"{name}_longest_tx_le_{TX_TARGET_S:g}s"] = a["longest_tx_s"] <= TX_TARGET_S
        targets[f"{name}_peak_le_{MEM_TARGET_MB:g}mb"] = a["peak_traced_mb"] <= MEM_TARGET_MB
    print(json.dumps({"items": n, **results, "targets": targets}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
