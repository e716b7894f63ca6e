"""No-change republish of N movies vs a bare walk of the same folders, and the whole-library publish
dry run (`publishing.library_plan.plan_library`, what POST /libraries/{id}/publish?dry_run=true runs),
measured in one run.

    python scripts/bench_publish.py --movies 10000 [--database-url postgresql://…?schema=…]

Builds N movie folders (a small fake video each), entities with metadata and a poster in the
cache; times the library dry run before the first publish (every item would change), publishes
them once, then times the dry run of the unchanged library and publishing all of them again
(nothing to write) next to a bare os.scandir + stat walk. The resident memory is sampled during
each dry run. Last line: one JSON object with the targets (the unchanged dry run takes no longer
than the no-change republish; the dry runs' peak RSS ≤ 300 MB).

    python scripts/bench_publish.py --tv 200x5x10 [--database-url …]

A TV library instead (S series x seasons x episodes, one video file each), seeded with bulk inserts
(series, seasons, episodes, their video files, a poster for every series and season and a thumb for
every episode, genres, cast and ratings on a few): only the library dry run before any publish, with
the SQL statements it sends counted (per series). Last line: one JSON object with the figures."""
from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def walk(root: str) -> int:
    n, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                else:
                    e.stat()
                    n += 1
    return n


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def sampled(fn):
    """(result, seconds, RSS before in MB, peak RSS in MB) of fn(), memory sampled every 20 ms."""
    base = rss_mb()
    samples, stop = [base], threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            samples.append(rss_mb())
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    stop.set()
    t.join()
    return out, dt, base, max(samples + [rss_mb()])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--movies", type=int, default=10000)
    ap.add_argument("--database-url", default="", help="default: SQLite in the temporary data dir")
    ap.add_argument("--rounds", type=int, default=1, help="unchanged dry run and republish, alternated; best of")
    ap.add_argument("--dry-run-only", action="store_true", help="only the dry run before any publish (memory at scale)")
    ap.add_argument("--tv", default="", metavar="SxNxE", help="a TV library of S series x N seasons x E episodes")
    args = ap.parse_args()
    if args.tv:
        return tv_dry_run(args)
    from metarr import metadata as md
    from metarr.assets import cache
    from metarr.config import load_config
    from metarr.db.database import db_proxy, open_database, write_tx
    from metarr.db.media import ArtworkSlot, MediaFile, Movie
    from metarr.db.migrate import migrate
    from metarr.db.models import Library
    from metarr.publishing import library_plan, publish
    from web.demo.media import make_image

    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-publish-"))
    atexit.register(shutil.rmtree, tmp, True)   # the folders, the cache and the SQLite file go at the end
    cfg = load_config({"METARR_DATA_DIR": str(tmp / "data"),
                       **({"METARR_DATABASE_URL": args.database_url} if args.database_url else {})})
    cfg.data_dir.mkdir(parents=True)
    db = open_database(cfg.database_url)
    db_proxy.initialize(db)
    migrate(db)
    root = tmp / "movies"
    root.mkdir()
    now = time.time()
    lib = Library.create(name="B", kind="movie", path=str(root), created_at=now, updated_at=now)
    poster = make_image(tmp / "poster.jpg", 400, 600)
    cf = cache.ingest_local(db, cache.open_store(cfg.data_dir), cfg.data_dir, poster)
    t0 = time.perf_counter()
    ids = []
    with write_tx(db):
        for i in range(args.movies):
            folder = f"Movie {i:05d} ({1950 + i % 70})"
            (root / folder).mkdir()
            video = root / folder / f"{folder}.mkv"
            video.write_bytes(b"\0" * 64)
            m = Movie.create(library_id=lib.id, key=f"{folder}/{folder}.mkv", folder=folder, title=f"Movie {i}",
                             year=1950 + i % 70, plot="A plot.", tmdb_id=100000 + i, date_added=now, created_at=now,
                             updated_at=now)
            st = video.stat()
            MediaFile.create(library_id=lib.id, path=f"{folder}/{folder}.mkv", size=st.st_size, mtime_ns=st.st_mtime_ns,
                             inode=st.st_ino, kind="video", entity_type="movie", entity_id=m.id, first_seen=now,
                             updated_at=now)
            ArtworkSlot.create(entity_type="movie", entity_id=m.id, slot="poster", rank=0, cache_file_id=cf.id,
                               source="provider:tmdb", updated_at=now)
            ids.append(m.id)
    for mid in ids[:: max(1, len(ids) // 200)]:
        md.apply(db, "movie", mid, md.Update("provider:tmdb", {}, {"genres": ["Drama"]},
                                             cast=(md.CastEntry("Someone", "Role", 0),)))
    build_s = time.perf_counter() - t0

    def publish_all() -> dict:
        totals = {"written": 0, "replaced": 0, "kept": 0}
        for mid in ids:
            plan = publish.make_plan(cfg.data_dir, "movie", mid, with_actors=False)
            res = publish.apply_plan(db, plan, cfg.recycle_dir)
            for k in totals:
                totals[k] += res[k]
        return totals

    opts = library_plan.Options(with_actors=False)   # as publish_all plans

    def dry_run() -> dict:
        return library_plan.plan_library(cfg.data_dir, lib.id, opts).to_json()

    print(f"built {args.movies} movies in {build_s:.1f}s", file=sys.stderr, flush=True)
    c0 = time.process_time()
    dry_first, dry_first_s, dry_first_base, dry_first_peak = sampled(dry_run)
    dry_first_cpu = time.process_time() - c0
    print(f"dry run before the first publish: {dry_first_s:.2f}s ({dry_first['totals']})", file=sys.stderr, flush=True)
    if args.dry_run_only:   # memory at scale: the dry run of N never-published movies, nothing else
        print(f"library dry run of {args.movies} movies: {dry_first_s:.2f}s ({args.movies / dry_first_s:.0f} items/s; "
              f"{dry_first_cpu:.1f} CPU s, {1000 * dry_first_cpu / args.movies:.2f} ms a movie); RSS {dry_first_base:.0f} MB before, peak {dry_first_peak:.0f} MB")
        print(json.dumps({"movies": args.movies, "db": "postgres" if args.database_url else "sqlite",
                          "dry_run_first_s": round(dry_first_s, 3),
                          "dry_run_first_items_per_s": round(args.movies / dry_first_s, 1),
                          "dry_run_first_cpu_s": round(dry_first_cpu, 3),
                          "dry_run_first_cpu_ms_per_movie": round(1000 * dry_first_cpu / args.movies, 3),
                          "dry_run_rss_before_mb": round(dry_first_base, 1), "dry_run_peak_rss_mb": round(dry_first_peak, 1),
                          "dry_run_rss_growth_mb": round(dry_first_peak - dry_first_base, 1),
                          "load_average": round(os.getloadavg()[0], 2),
                          "targets": {"dry_run_peak_rss_le_300mb": dry_first_peak <= 300,
                                      "dry_run_first_sees_every_item": dry_first["changed"] == args.movies}}))
        return
    t0 = time.perf_counter()
    first = publish_all()
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = walk(str(root))
    walk_s = time.perf_counter() - t0
    # the unchanged dry run and the no-change republish alternate, best of --rounds each: on a shared
    # machine the load moves within minutes, and one pass of each would compare two different loads
    dry_s = republish_s = dry_cpu = republish_cpu = float("inf")
    dry_base, dry_peak = float("inf"), 0.0
    for _ in range(args.rounds):
        c0 = time.process_time()
        dry, s_, base_, peak_ = sampled(dry_run)
        dry_cpu = min(dry_cpu, time.process_time() - c0)
        dry_s, dry_base, dry_peak = min(dry_s, s_), min(dry_base, base_), max(dry_peak, peak_)
        c0, t0 = time.process_time(), time.perf_counter()
        again = publish_all()
        republish_s = min(republish_s, time.perf_counter() - t0)
        republish_cpu = min(republish_cpu, time.process_time() - c0)
    n = args.movies
    print(f"movies={n} db={'postgres' if args.database_url else 'sqlite'} files={files} build={build_s:.1f}s "
          f"first publish={first_s:.2f}s ({first})")
    print(f"bare walk={walk_s:.3f}s  no-change republish={republish_s:.2f}s ({again})  ratio={republish_s / walk_s:.1f}x"
          f"  per movie={1000 * republish_s / n:.2f} ms")
    print(f"library dry run, before the first publish: {dry_first_s:.2f}s ({n / dry_first_s:.0f} items/s; "
          f"{dry_first['changed']} items would change, {dry_first['totals']}); RSS {dry_first_base:.0f} MB before, "
          f"peak {dry_first_peak:.0f} MB")
    print(f"library dry run, unchanged library: {dry_s:.2f}s ({n / dry_s:.0f} items/s; nothing to do: "
          f"{dry['nothing_to_do']}; {dry_cpu:.1f} CPU s against the republish's {republish_cpu:.1f}); RSS {dry_base:.0f} MB "
          f"before, peak {dry_peak:.0f} MB")
    peak = max(dry_first_peak, dry_peak)
    out = {"movies": n, "db": "postgres" if args.database_url else "sqlite", "walk_s": round(walk_s, 4),
           "republish_s": round(republish_s, 3), "ratio": round(republish_s / walk_s, 1),
           "written_second_time": again["written"] + again["replaced"],
           "dry_run_first_s": round(dry_first_s, 3), "dry_run_first_items_per_s": round(n / dry_first_s, 1),
           "dry_run_first_changed": dry_first["changed"], "dry_run_first_cpu_s": round(dry_first_cpu, 3), "dry_run_s": round(dry_s, 3),
           "dry_run_items_per_s": round(n / dry_s, 1), "dry_run_changed": dry["changed"],
           "dry_run_rss_before_mb": round(min(dry_first_base, dry_base), 1), "dry_run_peak_rss_mb": round(peak, 1),
           "dry_run_rss_growth_mb": round(max(dry_first_peak - dry_first_base, dry_peak - dry_base), 1),
           "dry_run_cpu_s": round(dry_cpu, 3), "republish_cpu_s": round(republish_cpu, 3), "rounds": args.rounds,
           "load_average": round(os.getloadavg()[0], 2)}
    out["targets"] = {"dry_run_le_republish": dry_s <= republish_s, "dry_run_cpu_le_republish": dry_cpu <= republish_cpu, "dry_run_peak_rss_le_300mb": peak <= 300,
                      "dry_run_first_sees_every_item": dry_first["changed"] == n,
                      "dry_run_after_publish_nothing_to_do": dry["nothing_to_do"] and dry["changed"] == 0}
    print(json.dumps(out))


def counting(db) -> list[int]:
    """Count the statements sent through `db` from now on (every query, prepared or not, goes
    through execute_sql): the one-element list holds the count."""
    n = [0]
    send = db.execute_sql

    def counted(sql, params=None, *a, **kw):
        n[0] += 1
        return send(sql, params, *a, **kw)
    db.execute_sql = counted
    return n


def seed_tv(db, cfg, root: Path, shape: tuple[int, int, int]):
    """A TV library of S series x N seasons x E episodes straight into the database (bulk inserts),
    one small video file per episode on disk: (library, number of episodes)."""
    from metarr import metadata as md
    from metarr.assets import cache
    from metarr.db.database import write_tx
    from metarr.db.media import ArtworkSlot, Episode, MediaFile, Season, Series
    from metarr.db.models import Library
    from web.demo.media import make_image
    n_series, n_seasons, n_eps = shape
    now = time.time()
    lib = Library.create(name="TV", kind="tv", path=str(root), created_at=now, updated_at=now)
    cfs = {slot: cache.ingest_local(db, cache.open_store(cfg.data_dir), cfg.data_dir,
                                    make_image(root.parent / f"{slot}.jpg", w, h, pattern=i))
           for i, (slot, w, h) in enumerate((("poster", 400, 600), ("fanart", 640, 360), ("thumb", 320, 180)))}
    base = dict(library_id=lib.id, date_added=now, created_at=now, updated_at=now)

    def bulk(model, rows) -> None:
        for i in range(0, len(rows), 400):
            model.insert_many(rows[i:i + 400]).execute()

    def slots(rows) -> list[dict]:
        return [dict(entity_type=et, entity_id=eid, slot=slot, rank=0, cache_file_id=cfs[cf].id,
                     source="provider:tvdb", updated_at=now) for et, eid, slot, cf in rows]
    with write_tx(db):
        bulk(Series, [dict(base, key=f"Show {i:05d}", title=f"Show {i}", year=1950 + i % 70, plot="A show.",
                           tvdb_id=100000 + i) for i in range(n_series)])
        series = {key: sid for sid, key in Series.select(Series.id, Series.key).where(Series.library_id == lib.id).tuples()}
        bulk(Season, [dict(base, series_id=sid, number=n) for sid in series.values() for n in range(1, n_seasons + 1)])
        seasons = list(Season.select(Season.id, Season.series_id).where(Season.library_id == lib.id).tuples())
        files = []
        for key, sid in series.items():
            for n in range(1, n_seasons + 1):
                (root / key / f"Season {n:02d}").mkdir(parents=True)
                for e in range(1, n_eps + 1):
                    rel = f"{key}/Season {n:02d}/{key} - S{n:02d}E{e:02d}.mkv"
                    (root / rel).write_bytes(b"\0" * 64)
                    files.append(dict(library_id=lib.id, path=rel, size=64, kind="video", entity_type="series",
                                      entity_id=sid, first_seen=now, updated_at=now,
                                      streams={"duration_s": 1500.0, "video": [{"codec": "h264", "width": 1280,
                                                                                 "height": 720}], "audio": []}))
        bulk(MediaFile, files)
        by_path = dict(MediaFile.select(MediaFile.path, MediaFile.id).where(MediaFile.library_id == lib.id).tuples())
        bulk(Episode, [dict(base, series_id=sid, season=n, episode=e, title=f"Episode {e}", plot="It happens.",
                            tvdb_id=sid * 1000 + n * 100 + e,
                            file_id=by_path[f"{key}/Season {n:02d}/{key} - S{n:02d}E{e:02d}.mkv"])
                       for key, sid in series.items() for n in range(1, n_seasons + 1) for e in range(1, n_eps + 1)])
        episodes = [i for (i,) in Episode.select(Episode.id).where(Episode.library_id == lib.id).tuples()]
        bulk(ArtworkSlot, slots([("series", sid, s, s) for sid in series.values() for s in ("poster", "fanart")]
                                + [("season", x, "poster", "poster") for x, _ in seasons]
                                + [("episode", x, "thumb", "thumb") for x in episodes]))
    for sid in list(series.values())[:: max(1, n_series // 20)]:
        md.apply(db, "series", sid, md.Update("provider:tvdb", {}, {"genres": ["Drama"]},
                                              cast=(md.CastEntry("Someone", "Role", 0),),
                                              ratings=(md.RatingEntry("tvdb", 8.0, 100, 10, True),)))
    for eid in episodes[:: max(1, len(episodes) // 50)]:
        md.apply(db, "episode", eid, md.Update("provider:tvdb", {}, {"directors": ["Someone"]},
                                               ratings=(md.RatingEntry("tvdb", 7.0, 10, 10, True),)))
    return lib, len(episodes)


def tv_dry_run(args) -> None:
    """The library dry run of a never-published TV library, its statements counted."""
    from metarr.config import load_config
    from metarr.db.database import db_proxy, is_sqlite, open_database
    from metarr.db.migrate import migrate
    from metarr.publishing import library_plan
    shape = tuple(int(x) for x in args.tv.lower().split("x"))
    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-publish-tv-"))
    atexit.register(shutil.rmtree, tmp, True)
    cfg = load_config({"METARR_DATA_DIR": str(tmp / "data"),
                       **({"METARR_DATABASE_URL": args.database_url} if args.database_url else {})})
    cfg.data_dir.mkdir(parents=True)
    db = open_database(cfg.database_url)
    db_proxy.initialize(db)
    migrate(db)
    (tmp / "tv").mkdir()
    t0 = time.perf_counter()
    lib, episodes = seed_tv(db, cfg, tmp / "tv", shape)
    if not is_sqlite(db):
        db.execute_sql("ANALYZE")   # autovacuum may be off: plan the selects on the seeded tables' real sizes
    print(f"built {shape[0]} series, {episodes} episodes in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    statements = counting(db)
    opts = library_plan.Options()   # a real publish's defaults: actors, one backdrop
    c0 = time.process_time()
    summary, dry_s, base, peak = sampled(lambda: library_plan.plan_library(cfg.data_dir, lib.id, opts).to_json())
    cpu = time.process_time() - c0
    n_series = shape[0]
    print(f"library dry run of {n_series} series, {episodes} episodes: {dry_s:.2f}s ({cpu:.1f} CPU s, "
          f"{1000 * dry_s / episodes:.3f} ms an episode, {1000 * cpu / episodes:.3f} CPU ms); "
          f"{statements[0] / n_series:.1f} statements a series; {summary['changed']} series would change "
          f"({summary['totals']}); RSS {base:.0f} MB before, peak {peak:.0f} MB")
    print(json.dumps({"series": n_series, "seasons_per_series": shape[1], "episodes_per_season": shape[2],
                      "episodes": episodes, "db": "postgres" if args.database_url else "sqlite",
                      "dry_run_s": round(dry_s, 3), "dry_run_cpu_s": round(cpu, 3),
                      "ms_per_episode": round(1000 * dry_s / episodes, 4),
                      "cpu_ms_per_episode": round(1000 * cpu / episodes, 4),
                      "statements": statements[0], "statements_per_series": round(statements[0] / n_series, 2),
                      "changed": summary["changed"], "files": summary["totals"],
                      "dry_run_peak_rss_mb": round(peak, 1), "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
