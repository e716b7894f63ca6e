"""The daily change-feed refresh at scale: a library of `--items` films (rows inserted directly, as
a library already enriched), TMDB's emulated feed marks `--changed` of them (plus ids of films not
in the library) changed yesterday; the `refresh.changes` job reads the feed and re-enriches exactly
those. Counted at the emulator: the provider requests the refresh made, and its wall time, next to
a naive full refresh's request count (every item re-fetched: items x requests per refreshed item).

    python scripts/bench_refresh.py --items 100000

Only TMDB is configured (so only its pace counts). Last line: one JSON object."""
from __future__ import annotations

import argparse
import json
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


def wait_enriched(db, total: int, timeout: float) -> dict:
    end = time.monotonic() + timeout
    while True:
        rows = db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE type = 'enrich.movie' GROUP BY status").fetchall()
        counts = dict(rows)
        done = counts.get("succeeded", 0) + counts.get("failed", 0) + counts.get("dead", 0)
        if done >= total:
            return counts
        if time.monotonic() > end:
            raise SystemExit(f"refresh not done after {timeout:.0f}s: {counts}")
        time.sleep(0.5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--fraction", type=float, default=0.01, help="share of the library changed upstream")
    ap.add_argument("--noise", type=int, default=2000, help="changed ids upstream that are not in the library")
    ap.add_argument("--rps", type=int, default=40)
    args = ap.parse_args()
    from actors.system import ActorSystem, open_services
    from metarr.config import load_config
    from metarr.db.feeds import FeedCursor
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec
    from metarr.library.libraries import LibraryInput, create

    emu_thread = EmulatorThread(tmdb_rps=args.rps)
    emu = emu_thread.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in emu.env().items()
                   if k not in ("METARR_TVDB_API_KEY", "METARR_FANART_API_KEY", "METARR_OMDB_API_KEY")}
            env.update(METARR_DATA_DIR=str(Path(tmp) / "data"), METARR_PROVIDER_LIMITS=f"tmdb={args.rps * 0.95:g}/1/8",
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
            stats.calls.clear()
            before = stats.requests
            system = ActorSystem(s)
            system.start()
            try:
                t0 = time.monotonic()
                store.enqueue(s.db, [JobSpec("refresh.changes", subject="tmdb", payload={"provider": "tmdb"})])
                counts = wait_enriched(s.db, len(changed), timeout=120 + 10 * len(changed) / args.rps)
                wall = time.monotonic() - t0
            finally:
                system.stop()
            requests = stats.requests - before
            pages = sum(1 for c in stats.calls if "/changes" in c[1])
            details = requests - pages
            per_item = details / max(1, len(changed))
            naive = round(args.items * max(1.0, per_item))
            cur = FeedCursor.get(FeedCursor.provider == "tmdb")
            out = {"bench": "refresh", "items": args.items, "changed_upstream": len(changed),
                   "noise_ids": args.noise, "refreshed": cur.refreshed, "feed_pages": pages,
                   "requests": requests, "requests_per_changed_item": round(per_item, 3),
                   "wall_s": round(wall, 1), "naive_requests": naive,
                   "naive_wall_s_at_rate": round(naive / (args.rps * 0.95)),
                   "ratio_to_naive": round(requests / naive, 4),
                   "target_ratio_ok": requests <= 0.02 * naive,
                   "target_per_item_ok": requests <= 2 * len(changed) + pages,
                   "jobs": counts, "throttled": stats.throttled}
            s.db.close()
    finally:
        emu_thread.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
