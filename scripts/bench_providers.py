"""Enrichment against the TMDB emulator at its enforced rate: how close Metarr runs to the allowed
rate without a single 429, in one process and with two `metarr worker` processes sharing one limit.

    python scripts/bench_providers.py --movies 300 --rps 40
    python scripts/bench_providers.py --movies 300 --rps 40 --database-url postgresql://root@127.0.0.1:5432/test

The emulator refuses (429, TMDB's body, Retry-After) any request beyond `--rps` in a sliding one-second
window, as TMDB's per-IP ceiling does. Metarr's limit for TMDB is set a hair under it
(METARR_PROVIDER_LIMITS=tmdb=<0.95·rps>/1): strict spacing, no burst, because a burst on top of a
steady rate is exactly what a sliding window punishes. Only TMDB is configured, so nothing else
paces the jobs. The achieved rate is measured at the emulator, from the first to the last TMDB
request. The worker part needs PostgreSQL (SQLite is one process by design) and is skipped
without --database-url. Last line: one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web.demo.emulation import EmulatorProcess, servers  # noqa: E402  (after the path is set)

NFO = ('<?xml version="1.0" encoding="UTF-8"?>\n<movie><title>{title}</title><year>{year}</year>'
       '<uniqueid type="tmdb" default="true">{tmdb}</uniqueid></movie>\n')


def build_library(root: Path, movies: int, offset: int) -> None:
    from web.demo.emulation import data
    for i in range(offset, offset + movies):
        m = data.synthetic_movie(i)
        name = f"{m['title']} ({m['release_date'][:4]})"
        d = root / name
        d.mkdir(parents=True)
        (d / f"{name}.mkv").write_bytes(b"\x1aE\xdf\xa3" + b"\0" * 60)   # never probed here
        (d / f"{name}.nfo").write_text(NFO.format(title=m["title"], year=m["release_date"][:4],
                                                  tmdb=data.SYNTHETIC_BASE + i))


def measure(times: list[float]) -> tuple[int, float]:
    """(requests, achieved requests per second) from the emulator's arrival times."""
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (len(times) - 1) / (times[-1] - times[0])


def env_for(emu, data_dir: Path, db_url: str, limit: float) -> dict[str, str]:
    env = {k: v for k, v in emu.env().items()
           if k not in ("METARR_TVDB_API_KEY", "METARR_FANART_API_KEY", "METARR_OMDB_API_KEY")}
    env.update(METARR_DATA_DIR=str(data_dir), METARR_PROVIDER_LIMITS=f"tmdb={limit:g}/1/8", METARR_LOG_LEVEL="INFO")
    if db_url:
        env["METARR_DATABASE_URL"] = db_url
    return env


def wait_done(db, what: str, total: int, timeout: float) -> dict[str, int]:
    end = time.monotonic() + timeout
    last = ""
    while True:
        rows = db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE type = 'enrich.movie' GROUP BY status").fetchall()
        counts = {s: n for s, n in rows}
        done = counts.get("succeeded", 0) + counts.get("failed", 0) + counts.get("dead", 0)
        line = f"  {what}: {done}/{total} enrich jobs done {counts}"
        if line != last:
            print(line, file=sys.stderr, flush=True)
            last = line
        if done >= total:
            return counts
        if time.monotonic() > end:
            raise SystemExit(f"{what}: not done after {timeout:.0f}s: {counts}")
        time.sleep(0.5)


def single_process(tmp: Path, movies: int, rps: int, limit: float) -> dict:
    from actors.system import ActorSystem, open_services
    from metarr.config import load_config
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec
    from metarr.library.libraries import LibraryInput, create
    from metarr.scanning.scanner import scan

    emu = EmulatorProcess("fork", tmdb_rps=rps)   # the cheaper emulator (see EmulatorProcess)
    stats = None
    try:
        lib_root = tmp / "single" / "movies"
        build_library(lib_root, movies, 0)
        s = open_services(load_config(env_for(emu, tmp / "single" / "data", "", limit)), role="serve")
        lib = create(s.db, LibraryInput(name="Bench", kind="movie", path=str(lib_root), watch=False,
                                        auto_enrich=False))
        scan(s.db, s.config.data_dir, lib, do_probe=False)
        system = ActorSystem(s)
        system.start()
        try:
            store.enqueue(s.db, [JobSpec("enrich.library", subject=str(lib.id), payload={"library_id": lib.id})])
            counts = wait_done(s.db, "one process", movies, timeout=30 + 5 * movies / limit)
        finally:
            system.stop()
        stats = emu.stop()["tmdb"]
        n, rate = measure(stats["times"])
        return {"requests": n, "rate": rate, "throttled": stats["throttled"],
                "max_1s": servers.max_in_window(stats["times"]), "jobs": counts}
    finally:
        if stats is None:
            emu.stop()


def two_workers(tmp: Path, movies: int, rps: int, limit: float, db_url: str) -> dict:
    from metarr.config import load_config
    from metarr.db.database import db_proxy, open_database
    from metarr.db.migrate import migrate
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec
    from metarr.library.libraries import LibraryInput, create
    from metarr.scanning.scanner import scan
    from tests.integration.procs import Worker, stop_all

    schema = f"bench_{uuid.uuid4().hex[:8]}"   # a schema of its own: the database may hold other data
    url = f"{db_url}{'&' if '?' in db_url else '?'}schema={schema}"
    admin = open_database(db_url)
    admin.execute_sql(f"CREATE SCHEMA {schema}")
    emu = EmulatorProcess("fork", tmdb_rps=rps)   # the cheaper emulator (see EmulatorProcess)
    stats = None
    workers: list = []
    try:
        lib_root = tmp / "workers" / "movies"
        build_library(lib_root, movies, 50000)
        data_dir = tmp / "workers" / "data"   # one shared data dir (the cache volume of a real deployment)
        env = env_for(emu, data_dir, url, limit)
        cfg = load_config(env)
        db = open_database(cfg.database_url)
        db_proxy.initialize(db)   # before migrating: the models are bound to the proxy
        migrate(db)
        lib = create(db, LibraryInput(name="Bench", kind="movie", path=str(lib_root), watch=False, auto_enrich=False))
        scan(db, cfg.data_dir, lib, do_probe=False)
        for k in range(2):
            workers.append(Worker(env, tmp / f"worker-{k}.log"))
            workers[-1].wait_ready()
        store.enqueue(db, [JobSpec("enrich.library", subject=str(lib.id), payload={"library_id": lib.id})])
        counts = wait_done(db, "two workers", movies, timeout=60 + 5 * movies / limit)
        per_worker = dict(db.execute_sql("SELECT worker_id, COUNT(*) FROM jobs WHERE type = 'enrich.movie' "
                                         "GROUP BY worker_id").fetchall())
        for w in workers:
            w.stop()
        stats = emu.stop()["tmdb"]
        n, rate = measure(stats["times"])
        db.close()
        return {"requests": n, "rate": rate, "throttled": stats["throttled"],
                "max_1s": servers.max_in_window(stats["times"]), "jobs": counts, "per_worker": per_worker}
    finally:
        stop_all(workers)
        if stats is None:
            emu.stop()
        admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--movies", type=int, default=300)
    ap.add_argument("--rps", type=int, default=40, help="the rate the TMDB emulator enforces")
    ap.add_argument("--database-url", default=os.environ.get("METARR_TEST_DATABASE_URL", ""),
                    help="PostgreSQL for the two-worker run (default: $METARR_TEST_DATABASE_URL)")
    args = ap.parse_args()
    limit = round(args.rps * 0.95, 2)
    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-providers-"))
    try:
        one = single_process(tmp, args.movies, args.rps, limit)
        print(f"one process: {one['requests']} TMDB requests at {one['rate']:.1f}/s (allowed {args.rps}/s, "
              f"Metarr's limit {limit}/s), busiest second {one['max_1s']}, 429s: {one['throttled']}, jobs {one['jobs']}")
        out = {"rate_ratio": round(one["rate"] / args.rps, 3), "count_429": one["throttled"],
               "workers_rate_ratio": None, "workers_count_429": None, "allowed_rps": args.rps, "limit_rps": limit,
               "movies": args.movies}
        if args.database_url.startswith("postgres"):
            two = two_workers(tmp, args.movies, args.rps, limit, args.database_url)
            print(f"two workers: {two['requests']} TMDB requests at {two['rate']:.1f}/s, busiest second "
                  f"{two['max_1s']}, 429s: {two['throttled']}, jobs {two['jobs']}, per worker {two['per_worker']}")
            out.update(workers_rate_ratio=round(two["rate"] / args.rps, 3), workers_count_429=two["throttled"])
        else:
            print("two workers: skipped (needs --database-url postgresql://…)")
        print(json.dumps(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
