#!/usr/bin/env python3
"""REST API latency with a large library: movie list (a page of 50, sorted, filtered) and movie
detail, next to `/api/v1/health` measured in the same run, against a real `metarr serve` subprocess
on SQLite.

Seeds N movies (default 50,000) straight into a fresh database with `insert_many`, with two genres,
a cast member, a rating and a video file (with streams) for each, then starts `metarr serve` on a free
port (rate limiting off for the run: `api.rate_limit_per_minute` = 0) and measures with keep-alive
HTTP connections:
- latency (p50/p99) of sequential requests, one at a time;
- requests/s of the list with `--concurrency` clients in parallel.

    python scripts/bench_api.py [--movies 50000] [--requests 600] [--concurrency 4] [--keep DIR]

Targets (SPEC issue 7): list p99 <= 25 ms, detail p99 <= 10 ms. The last line of output is one JSON
object: list_p50_ms, list_p99_ms, detail_p99_ms, health_p99_ms, list_rps.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.service import start_serve, wait_healthy  # noqa: E402

API_KEY = "bench-key-0123456789"
WORDS = ("silent river night king shadow last city dream blue iron storm golden lost secret winter star "
         "dark red house road fire ghost empire queen wild heart stone glass moon echo paper summer edge "
         "broken hidden black white ocean desert garden tower forest machine signal orbit frozen").split()
GENRES = ("Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
          "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "Thriller", "War", "Western")
QUERIES = ("storm", "ghost", "iron", "moon", "queen", "glass", "orbit", "the", "golden city", "red")


def seed(db_url: str, n: int, rng: random.Random) -> None:
    from metarr.db.database import db_proxy, open_database, write_tx
    from metarr.db.media import CastMember, EntityList, MediaFile, Movie, Rating
    from metarr.db.migrate import migrate
    from metarr.db.models import Library, Setting

    db = open_database(db_url)
    db_proxy.initialize(db)
    migrate(db)
    now = time.time()
    with db.connection_context():
        with write_tx(db):
            lib = Library.create(name="Movies", kind="movie", path="/bench/movies", enabled=False, watch=False,
                                 created_at=now, updated_at=now)
            Setting.insert(key="api.rate_limit_per_minute", value=0, updated_at=now).execute()
        batch = 500
        for start in range(0, n, batch):
            movies, files, lists, cast, ratings = [], [], [], [], []
            for i in range(start, min(n, start + batch)):
                words = rng.sample(WORDS, rng.randint(1, 4))
                title = " ".join(w.capitalize() for w in (["The", *words] if rng.random() < 0.3 else words))
                title = f"{title} {i}" if rng.random() < 0.5 else title
                year = rng.randint(1930, 2025)
                folder = f"{title} ({year}) [{i}]"
                movies.append({"library_id": lib.id, "key": f"{folder}/{folder}.mkv", "folder": folder,
                               "title": title, "sort_title": title[4:] if title.startswith("The ") else None,
                               "year": year, "plot": f"A film about {' and '.join(words)}.", "runtime": rng.randint(70, 180),
                               "tmdb_id": 100000 + i, "imdb_id": f"tt{1000000 + i}",
                               "state": rng.choice(("enriched", "published", "identified")),
                               "date_added": now - rng.random() * 3e7, "created_at": now, "updated_at": now})
            with write_tx(db):
                Movie.insert_many(movies).execute()
                ids = [m.id for m in Movie.select(Movie.id).where(Movie.id > start).order_by(Movie.id).limit(len(movies))]
                for mid, m in zip(ids, movies, strict=True):
                    for pos, g in enumerate(rng.sample(GENRES, 2)):
                        lists.append({"entity_type": "movie", "entity_id": mid, "name": "genres", "value": g,
                                      "position": pos})
                    cast.append({"entity_type": "movie", "entity_id": mid, "name": f"Actor {mid % 5000}",
                                 "role": "Lead", "position": 0})
                    ratings.append({"entity_type": "movie", "entity_id": mid, "source": "tmdb",
                                    "value": round(rng.uniform(3, 9), 1), "votes": rng.randint(10, 20000),
                                    "max": 10, "is_default": True})
                    files.append({"library_id": lib.id, "path": m["key"], "size": rng.randint(1, 40) * 10**9,
                                  "kind": "video", "entity_type": "movie", "entity_id": mid,
                                  "streams": {"video": [{"codec": "hevc", "width": 1920, "height": 1080}],
                                              "audio": [{"codec": "eac3", "channels": 6, "language": "eng"}]},
                                  "first_seen": now, "updated_at": now})
                EntityList.insert_many(lists).execute()
                CastMember.insert_many(cast).execute()
                Rating.insert_many(ratings).execute()
                MediaFile.insert_many(files).execute()
        # no ANALYZE: a user's database has no planner statistics either
    db.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, db_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "METARR_DATA_DIR": str(data_dir), "METARR_DATABASE_URL": db_url,
           "METARR_API_KEY": API_KEY, "METARR_HOST": "127.0.0.1", "METARR_PORT": str(port),
           "METARR_LOG_LEVEL": "WARNING"}
    log = data_dir / "serve.log"
    proc = start_serve(env, log)
    wait_healthy(proc, port, log, timeout=60)
    return proc


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[float, dict]:
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers={"X-Api-Key": API_KEY})
        r = self.conn.getresponse()
        body = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise SystemExit(f"GET {path} -> {r.status}: {body[:300]!r}")
        return dt, json.loads(body)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))] * 1000


def list_path(rng: random.Random) -> str:
    q = rng.choice(QUERIES).replace(" ", "%20")
    offset = rng.choice((0, 0, 0, 50, 100, 200))
    sort = rng.choice(("title", "title", "title", "-year", "added"))
    return f"/api/v1/movies?limit=50&offset={offset}&sort={sort}&q={q}"


def measure(port: int, n_movies: int, n: int, rng: random.Random) -> dict:
    c = Client(port)
    for _ in range(30):   # warm up: connections, caches, SQLite pages
        c.get(list_path(rng))
        c.get(f"/api/v1/movies/{rng.randint(1, n_movies)}")
        c.get("/api/v1/health")
    lists, details, healths = [], [], []
    sizes = []
    for _ in range(n):   # interleaved, so that all three see the same conditions
        dt, body = c.get(list_path(rng))
        lists.append(dt)
        sizes.append(len(body["data"]))
        dt, body = c.get(f"/api/v1/movies/{rng.randint(1, n_movies)}")
        assert body["data"]["files"] and body["data"]["genres"], body
        details.append(dt)
        healths.append(c.get("/api/v1/health")[0])
    _, full = c.get("/api/v1/movies?limit=50&sort=title")
    return {"lists": lists, "details": details, "healths": healths, "page_sizes": sizes,
            "total": full["meta"]["total"]}


def throughput(port: int, concurrency: int, seconds: float, seed_: int) -> float:
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        rng = random.Random(seed_ + i)
        c = Client(port)
        while time.monotonic() < stop:
            c.get(list_path(rng))
            done[i] += 1
    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--movies", type=int, default=50_000)
    ap.add_argument("--requests", type=int, default=600, help="sequential requests of each kind")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0, help="length of the throughput run")
    ap.add_argument("--keep", help="use (and keep) this data dir; reuses a seeded database")
    args = ap.parse_args()
    rng = random.Random(7)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="metarr-bench-api-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{tmp / 'metarr.sqlite'}"
    proc = None
    try:
        if not (tmp / "metarr.sqlite").exists():
            t0 = time.monotonic()
            seed(db_url, args.movies, rng)
            print(f"seeded {args.movies} movies (+ genres, cast, ratings, files) in {time.monotonic() - t0:.1f} s")
        port = free_port()
        proc = start_server(tmp, db_url, port)
        r = measure(port, args.movies, args.requests, rng)
        rps = throughput(port, args.concurrency, args.seconds, 11)
        out = {"list_p50_ms": round(pct(r["lists"], 50), 2), "list_p99_ms": round(pct(r["lists"], 99), 2),
               "detail_p50_ms": round(pct(r["details"], 50), 2), "detail_p99_ms": round(pct(r["details"], 99), 2),
               "health_p50_ms": round(pct(r["healths"], 50), 2), "health_p99_ms": round(pct(r["healths"], 99), 2),
               "list_rps": round(rps, 1)}
        print(f"movies in the list: {r['total']}; mean page size of the filtered lists: "
              f"{statistics.mean(r['page_sizes']):.1f}; {args.requests} requests of each kind, "
              f"throughput with {args.concurrency} clients for {args.seconds:g} s")
        for k in ("list", "detail", "health"):
            print(f"{k:>7}: p50 {out[k + '_p50_ms']:7.2f} ms   p99 {out[k + '_p99_ms']:7.2f} ms")
        print(f"   list: {out['list_rps']} requests/s; targets: list p99 <= 25 ms "
              f"({'met' if out['list_p99_ms'] <= 25 else 'MISSED'}), detail p99 <= 10 ms "
              f"({'met' if out['detail_p99_ms'] <= 10 else 'MISSED'})")
        print(json.dumps({k: out[k] for k in ("list_p50_ms", "list_p99_ms", "detail_p99_ms", "health_p99_ms",
                                              "list_rps")}))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
