"""A batch over 10,000 items while the service is used: does it stay responsive?

A real `metarr serve` (SQLite in a fresh data dir, or a fresh schema of the given PostgreSQL) with
N movies. A client asks, one request after another, for the API's movie list (a filtered page),
`/api/v1/health` and the UI's grid page; first idle, then while one batch runs to its end (`set`: a
tag added to every movie a filter finds, an edit per item; `--action lock|apply_mappings` for the
others). Prints p50/p99 per request idle and during the batch, their ratio, the batch's time and
items per second; the last line is one JSON object.

    python scripts/bench_batch.py [--items 10000] [--action set|lock|apply_mappings] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.service import free_port, start_serve, wait_healthy  # noqa: E402

KEY = "bench-batch-key-0123456789"
PATHS = {"list": "/api/v1/movies?limit=50&state=enriched&missing=poster&sort=-year",
         "health": "/api/v1/health", "ui_grid": "/movies?state=enriched"}


def _req(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"X-Api-Key": KEY, "Content-Type": "application/json", **(headers or {})}
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data, r.getheader("Set-Cookie")


def _login(port) -> str:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/login", body=urllib.parse.urlencode({"secret": KEY, "next": "/"}),
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    return (r.getheader("Set-Cookie") or "").split(";")[0]


def _seed(env: dict, n: int) -> None:
    """N movies as enrichment leaves them (no files: the batch and the lists only read rows)."""
    from actors.system import open_services
    from metarr.config import load_config
    from metarr.db.database import close_database, write_tx
    from metarr.db.media import EntityList, Movie
    from metarr.db.models import Library
    s = open_services(load_config(env), role="cli")
    now = time.time()
    lib = Library.create(name="Bench", kind="movie", path=str(Path(env["METARR_DATA_DIR"]).parent / "films"),
                         created_at=now, updated_at=now, watch=False)
    with write_tx(s.db):
        for i in range(0, n, 500):
            Movie.insert_many([dict(library_id=lib.id, key=f"f{j}/f{j}.mkv", folder=f"f{j}", title=f"Film {j}",
                                    year=1950 + j % 70, state="enriched", tmdb_id=100000 + j, date_added=now,
                                    created_at=now, updated_at=now) for j in range(i, min(n, i + 500))]).execute()
        ids = [r for (r,) in Movie.select(Movie.id).tuples()]
        for i in range(0, len(ids), 250):   # genres for apply_mappings to map
            EntityList.insert_many([dict(entity_type="movie", entity_id=m, name="genres", value=g, position=k)
                                    for m in ids[i:i + 250] for k, g in enumerate(("Sci-Fi", "Drama"))]).execute()
    close_database(s.db)


def _sample(port, cookie, until, pause=0.02) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in PATHS}
    while not until():
        for name, path in PATHS.items():
            t = time.perf_counter()
            status, _, _ = _req(port, "GET", path, headers={"Cookie": cookie} if name == "ui_grid" else None)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
            out[name].append((time.perf_counter() - t) * 1000)
        time.sleep(pause)
    return out


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 1) if xs else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--action", default="set", choices=("lock", "set", "apply_mappings"),
                    help="lock: two fields (one statement per chunk); set: a tag added to each item (an edit "
                         "per item, the heaviest); apply_mappings: the genre rules on each item")
    ap.add_argument("--idle-seconds", type=float, default=8.0)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-batch-"))
    (tmp / "films").mkdir()
    port = free_port()
    db_url = f"sqlite:///{tmp / 'data' / 'metarr.sqlite'}"
    if args.database_url:
        sep = "&" if "?" in args.database_url else "?"
        db_url = f"{args.database_url}{sep}schema=bench_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "METARR_DATA_DIR": str(tmp / "data"), "METARR_DATABASE_URL": db_url, "METARR_API_KEY": KEY,
           "METARR_PORT": str(port), "METARR_HOST": "127.0.0.1", "METARR_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}   # this checkout, not another one an installed `metarr` points at
    for k in [k for k in env if k.endswith("_API_KEY") and k != "METARR_API_KEY"]:
        env.pop(k)
    (tmp / "data").mkdir()
    t0 = time.perf_counter()
    _seed(env, args.items)
    print(f"seeded {args.items} movies in {time.perf_counter() - t0:.1f} s")
    log = tmp / "serve.log"
    proc = start_serve(env, log)
    try:
        wait_healthy(proc, port, log)
        cookie = _login(port)
        if args.action == "apply_mappings":
            _req(port, "PATCH", "/api/v1/settings", {"enrich.genre_map": {"Sci-Fi": "Science Fiction"}})
        time.sleep(2)   # the start-up's own work (schedules, recovery) settles
        end = time.monotonic() + args.idle_seconds
        idle = _sample(port, cookie, lambda: time.monotonic() > end)
        body = {"filter": {"state": "enriched"}, "action": args.action}
        if args.action == "lock":
            body["fields"] = ["title", "plot"]
        elif args.action == "set":
            body.update(field="tags", add=["batch"])
        t = time.perf_counter()
        status, data, _ = _req(port, "POST", "/api/v1/movies/batch", body)
        accept_ms = (time.perf_counter() - t) * 1000
        if status != 202:
            raise SystemExit(f"batch refused: {status} {data[:300]!r}")
        job = json.loads(data)["data"]["job_id"]
        state = {"tree": None}

        def done() -> bool:
            _, d, _ = _req(port, "GET", f"/api/v1/jobs/{job}/tree")
            state["tree"] = json.loads(d)["data"]
            return state["tree"]["done"]
        busy = _sample(port, cookie, done)
        batch_s = time.perf_counter() - t
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except Exception:
            proc.kill()
    tree = state["tree"]
    out = {"items": args.items, "action": args.action, "database": "postgresql" if args.database_url else "sqlite",
           "batch_s": round(batch_s, 1), "items_per_s": round(args.items / batch_s), "accept_ms": round(accept_ms, 1),
           "tree_jobs": tree["total"], "tree_status": tree["by_status"]}
    print(f"batch: {args.items} items ({args.action}) in {batch_s:.1f} s ({out['items_per_s']}/s), accepted in "
          f"{accept_ms:.0f} ms, {tree['total']} jobs: {tree['by_status']}")
    print(f"{'request':<10} {'idle p50':>9} {'idle p99':>9} {'busy p50':>9} {'busy p99':>9} {'p99 ×':>6}  n idle/busy")
    for name in PATHS:
        i50, i99, b50, b99 = _pct(idle[name], 50), _pct(idle[name], 99), _pct(busy[name], 50), _pct(busy[name], 99)
        ratio = round(b99 / i99, 2) if i99 else None
        out[name] = {"idle_p50_ms": i50, "idle_p99_ms": i99, "busy_p50_ms": b50, "busy_p99_ms": b99,
                     "p99_ratio": ratio, "n_idle": len(idle[name]), "n_busy": len(busy[name]),
                     "busy_mean_ms": round(statistics.mean(busy[name]), 1) if busy[name] else None}
        print(f"{name:<10} {i50:>9} {i99:>9} {b50:>9} {b99:>9} {ratio!s:>6}  {len(idle[name])}/{len(busy[name])}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
