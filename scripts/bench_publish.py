"""No-change republish of N movies vs a bare walk of the same folders, measured in one run.

    python scripts/bench_publish.py --movies 10000

Builds N movie folders (a small fake video each), entities with metadata and a poster in the
cache, publishes them once, then times publishing all of them again (nothing to write) next to a
bare os.scandir + stat walk. Last line: one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--movies", type=int, default=10000)
    args = ap.parse_args()
    from metarr import metadata as md
    from metarr.assets import cache
    from metarr.config import load_config
    from metarr.db.database import db_proxy, open_database, write_tx
    from metarr.db.media import ArtworkSlot, MediaFile, Movie
    from metarr.db.migrate import migrate
    from metarr.db.models import Library
    from metarr.publishing import publish
    from web.demo.media import make_image

    tmp = Path(tempfile.mkdtemp(prefix="metarr-bench-publish-"))
    cfg = load_config({"METARR_DATA_DIR": str(tmp / "data")})
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

    t0 = time.perf_counter()
    first = publish_all()
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = walk(str(root))
    walk_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = publish_all()
    republish_s = time.perf_counter() - t0
    print(f"movies={args.movies} files={files} build={build_s:.1f}s first publish={first_s:.2f}s ({first})")
    print(f"bare walk={walk_s:.3f}s  no-change republish={republish_s:.2f}s ({again})  ratio={republish_s / walk_s:.1f}x"
          f"  per movie={1000 * republish_s / args.movies:.2f} ms")
    print(json.dumps({"movies": args.movies, "walk_s": round(walk_s, 4), "republish_s": round(republish_s, 3),
                      "ratio": round(republish_s / walk_s, 1), "written_second_time": again["written"] + again["replaced"]}))


if __name__ == "__main__":
    main()
