"""The daily change-feed refresh at scale: a library of `--items` films (rows inserted directly, as
a library already enriched), TMDB's emulated feed marks `--changed` of them (plus ids of films not
in the library) changed yesterday; the `refresh.changes` job reads the feed and re-enriches exactly
those. Counted at the emulator: the provider requests the refresh made, which film ids it fetched
(every changed one, no other), and its wall time.

The naive baseline is measured on its own, not derived from the refresh under test: a full refresh
(the `enrich.movie` job a refresh queues, for `--sample` films drawn from the whole library, after
the daily run) is run and counted, and `naive_requests` = items x its requests per film. A refresh
that fetches unchanged films therefore cannot inflate the baseline with it.

    python scripts/bench_refresh.py --items 100000
    python scripts/bench_refresh.py --items 4000 --wasteful   # every film refreshed: the flags fail

`--wasteful` makes the feed match every live film (as a matcher that ignored the ids would), to show
that `target_ratio_ok` and `only_changed_fetched` then fail. Only TMDB is configured (so only its pace
counts). Last line: one JSON object; the exit status is 1 when a target flag is false."""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web.demo.emulation import EmulatorThread, data  # noqa: E402  (after the path is set)


def insert_items(db, library_id: int, items: int, now: float) -> list[int]:
    """Films already enriched two days ago; the first 90,000 have ids the emulator knows."""
    from metarr.db.database import write_tx
    from metarr.db.media import Movie
    ids = []
    for start in range(0, items, 2000):
        rows = []
        for i in range(start, min(items, start + 2000)):
            tmdb_id = data.SYNTHETIC_BASE + i if i < data.SYNTHETIC_COUNT else 5_000_000 + i
            ids.append(tmdb_id)
            rows.append(dict(library_id=library_id, state="enriched", date_added=now, created_at=now, updated_at=now,
                             enriched_at=now - 2 * 86400, key=f"m{i}/m{i}.mkv", folder=f"m{i}",
                             title=f"Synthetic Movie {i:06d}", tmdb_id=tmdb_id))
        with write_tx(db):
            Movie.insert_many(rows).execute()
        print(f"  inserted {min(items, start + 2000)}/{items} films", file=sys.stderr, flush=True)
    return ids


MOVIE_DETAIL = re.compile(r"/movie/(\d+)(?:\?|$)")


def fetched_ids(calls) -> list[int]:
    """The film ids whose details were requested (one entry per request)."""
    return [int(m.group(1)) for _, path, _ in calls if (m := MOVIE_DETAIL.search(path))]


def wait_idle(db, after_job: int, timeout: float) -> dict:
    """Until every enrich.movie job queued after `after_job` has ended (and none is left to queue:
    the refresh.changes job, if any, has ended first); returns their counts by status."""
    end = time.monotonic() + timeout
    while True:
        feed = db.execute_sql(f"SELECT COUNT(*) FROM jobs WHERE type = 'refresh.changes' AND id > {int(after_job)} "
                              "AND status NOT IN ('succeeded', 'dead', 'cancelled')").fetchone()[0]
        counts = dict(db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE type = 'enrich.movie' "
                                     f"AND id > {int(after_job)} GROUP BY status").fetchall())
        if not feed and counts and set(counts) <= {"succeeded", "dead", "cancelled"}:
            return counts
        if time.monotonic() > end:
            raise SystemExit(f"refresh not done after {timeout:.0f}s: {counts}")
        time.sleep(0.5)


def last_job_id(db) -> int:
    return db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM jobs").fetchone()[0]


def quiet_schedules(db) -> None:
    """No scheduled job in the measured window: a daily rescan of the (file-less) library, the sweep
    or a second feed run would add requests that are not the refresh's."""
    from metarr.db.database import write_tx
    from metarr.db.models import Schedule
    from metarr.service import schedules
    schedules.seed(db, {t for _, t, *_ in schedules.DEFAULTS})
    with write_tx(db):
        Schedule.update(enabled=False).execute()


def match_everything(entity_type: str, column: str, ids: set[int]) -> list[tuple[str, int, int]]:
    """--wasteful: a matcher that ignores the feed's ids and names every live, enriched item."""
    from metarr.db.media import ENTITY_MODELS
    model = ENTITY_MODELS[entity_type]
    return [(entity_type, eid, lib) for eid, lib in model.select(model.id, model.library_id).where(
        model.deleted_at.is_null(True) & model.enriched_at.is_null(False)).tuples()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--fraction", type=float, default=0.01, help="share of the library changed upstream")
    ap.add_argument("--noise", type=int, default=2000, help="changed ids upstream that are not in the library")
    ap.add_argument("--sample", type=int, default=300, help="films of the measured full refresh (the baseline)")
    ap.add_argument("--rps", type=int, default=40)
    ap.add_argument("--wasteful", action="store_true", help="refresh every film, whatever the feed says")
    args = ap.parse_args()
    from actors.system import ActorSystem, open_services
    from metarr.config import load_config
    from metarr.db.feeds import FeedCursor
    from metarr.db.media import Movie
    from metarr.enrichment import refresh
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec
    from metarr.library.libraries import LibraryInput, create

    if args.wasteful:
        refresh.match = match_everything
    emu_thread = EmulatorThread(tmdb_rps=args.rps)
    emu = emu_thread.start()
    pace = args.rps * 0.95
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in emu.env().items()
                   if k not in ("METARR_TVDB_API_KEY", "METARR_FANART_API_KEY", "METARR_OMDB_API_KEY")}
            env.update(METARR_DATA_DIR=str(Path(tmp) / "data"), METARR_PROVIDER_LIMITS=f"tmdb={pace:g}/1/8",
                       METARR_LOG_LEVEL="WARNING")
            s = open_services(load_config(env), role="serve")
            (Path(tmp) / "movies").mkdir()
            lib = create(s.db, LibraryInput(name="Bench", kind="movie", path=str(Path(tmp) / "movies"), watch=False,
                                            auto_enrich=False))
            now = time.time()
            ids = insert_items(s.db, lib.id, args.items, now)
            known = [i for i in ids if i < data.SYNTHETIC_BASE + data.SYNTHETIC_COUNT]
            changed = emu.changes.mark_fraction("movie", known, args.items * args.fraction / len(known),
                                                now - 86400, now - 3600)
            emu.changes.mark("movie", range(1_000_000, 1_000_000 + args.noise), now - 7200)   # not ours
            FeedCursor.create(provider="tmdb", cursor=now - 86400)   # yesterday's successful run
            stats = emu.stats["tmdb"]
            quiet_schedules(s.db)
            system = ActorSystem(s)
            system.start()
            try:
                # the daily run, as scheduled
                stats.calls.clear()
                before, first = stats.requests, last_job_id(s.db)
                t0 = time.monotonic()
                store.enqueue(s.db, [JobSpec("refresh.changes", subject="tmdb", payload={"provider": "tmdb"})])
                expect = args.items if args.wasteful else len(changed)
                counts = wait_idle(s.db, first, timeout=120 + 10 * expect / args.rps)
                wall = time.monotonic() - t0
                requests = stats.requests - before
                calls = list(stats.calls)
                # the baseline: a full refresh of a sample of the library, counted on its own
                rows = list(Movie.select(Movie.id, Movie.library_id).tuples())
                sample = random.Random(2).sample(rows, min(args.sample, len(rows)))
                stats.calls.clear()
                before, first = stats.requests, last_job_id(s.db)
                store.enqueue(s.db, [refresh.enrich_spec("movie", eid, lid, ["tmdb"]) for eid, lid in sample])
                wait_idle(s.db, first, timeout=120 + 10 * len(sample) / args.rps)
                full_requests = stats.requests - before
                full_fetched = len(set(fetched_ids(stats.calls)))
            finally:
                system.stop()
            pages = sum(1 for c in calls if "/changes" in c[1])
            fetched = fetched_ids(calls)
            unchanged = set(fetched) - set(changed)
            missed = set(changed) - set(fetched)
            per_item_full = full_requests / max(1, len(sample))
            naive = round(args.items * per_item_full)
            cur = FeedCursor.get(FeedCursor.provider == "tmdb")
            out = {"bench": "refresh", "wasteful": args.wasteful, "items": args.items, "changed_upstream": len(changed),
                   "noise_ids": args.noise, "refreshed": cur.refreshed, "feed_pages": pages,
                   "requests": requests, "fetched_films": len(fetched), "unchanged_fetched": len(unchanged),
                   "changed_missed": len(missed), "refetched": len(fetched) - len(set(fetched)),
                   "requests_per_changed_item": round((requests - pages) / max(1, len(changed)), 3),
                   "wall_s": round(wall, 1),
                   "full_refresh_sample": len(sample), "full_refresh_sample_requests": full_requests,
                   "full_refresh_sample_films_fetched": full_fetched,
                   "full_requests_per_item": round(per_item_full, 3), "naive_requests": naive,
                   "naive_wall_s_at_rate": round(naive / pace),
                   "ratio_to_naive": round(requests / max(1, naive), 4),
                   "target_ratio_ok": requests <= 0.02 * naive,
                   "target_per_item_ok": requests <= 2 * len(changed) + pages,
                   "only_changed_fetched": not unchanged and not missed,
                   "jobs": counts, "throttled": stats.throttled}
            s.db.close()
    finally:
        emu_thread.stop()
    print(json.dumps(out))
    if not (out["target_ratio_ok"] and out["target_per_item_ok"] and out["only_changed_fetched"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
