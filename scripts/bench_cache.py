#!/usr/bin/env python3
"""Benchmark: AssetStore.ingest_file vs a raw `sha256 + shutil.copy` of the same files.

Generates N images (JPEG/PNG/WebP, poster/fanart/logo/thumb sizes, ~10 % byte-identical
duplicates), then measures, in the same run and on the same warm files:
  raw    : sha256_file(src) + shutil.copy(src, dest/<sha>.<ext>)      (no verify, no fsync)
  ingest : store.ingest_file(src)  (copy to staging while hashing, fsync, magic-byte sniff,
           Pillow full decode + bomb check, dHash/aHash, dedup, atomic rename, dir fsync)
Also re-ingests everything and asserts no new file is written (dedup) and no temp is left.
Last line: one JSON object {images, ingest_per_s, raw_per_s, ratio} with ratio = ingest/raw.

With --verify N: verification (SPEC 5.6, `publishing.verify.check_library`) of a library with N
published artwork files (one movie each, small distinct files) backed by N/2 cache files (two
published files share one, as poster.jpg and folder.jpg do), on SQLite or --database-url: files
per second, and the peak RSS of the process above its RSS before verification, per file. Target:
that growth <= 0.1 KB a file (the rows are read a page at a time, not all at once).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metarr.assets.store import AssetStore  # noqa: E402
from metarr.library.fsutil import TMP_PREFIX, sha256_file  # noqa: E402

# (width, height, format, weight): what providers actually serve
SHAPES = [
    (1000, 1500, "JPEG", 4),   # poster
    (2000, 3000, "JPEG", 1),   # original poster
    (1920, 1080, "JPEG", 3),   # fanart
    (3840, 2160, "JPEG", 1),   # 4K fanart
    (800, 310, "PNG", 2),      # clearlogo (alpha)
    (1000, 185, "PNG", 1),     # banner
    (500, 750, "WEBP", 1),
    (185, 278, "JPEG", 3),     # actor/thumb
]


def make(path: Path, w: int, h: int, fmt: str, rnd: random.Random) -> None:
    mode = "RGBA" if fmt == "PNG" else "RGB"
    base = Image.linear_gradient("L").resize((w, h)).convert(mode)
    d = ImageDraw.Draw(base)
    for _ in range(6):
        x, y = rnd.randrange(w), rnd.randrange(h)
        d.ellipse((x, y, x + w // 4, y + h // 5), fill=tuple(rnd.randrange(256) for _ in mode))
    # a little noise so JPEG sizes are realistic, not flat-colour tiny
    noise = Image.effect_noise((w // 4 or 1, h // 4 or 1), 40).resize((w, h)).convert(mode)
    img = Image.blend(base, noise, 0.15)
    img.save(path, fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {}))


def generate(folder: Path, n: int, seed: int) -> list[Path]:
    rnd = random.Random(seed)
    weights = [s[3] for s in SHAPES]
    files: list[Path] = []
    for i in range(n):
        if files and rnd.random() < 0.10:   # byte-identical duplicate under another name
            src = rnd.choice(files)
            dup = folder / f"dup{i}{src.suffix}"
            shutil.copyfile(src, dup)
            files.append(dup)
            continue
        w, h, fmt, _ = rnd.choices(SHAPES, weights)[0]
        p = folder / f"img{i}.{ {'JPEG': 'jpg', 'PNG': 'png', 'WEBP': 'webp'}[fmt] }"
        make(p, w, h, fmt, rnd)
        files.append(p)
    return files


def bench_raw(files: list[Path], dest: Path) -> float:
    dest.mkdir(parents=True)
    t0 = time.perf_counter()
    for f in files:
        sha = sha256_file(f)
        shutil.copy(f, dest / f"{sha}{f.suffix}")
    return time.perf_counter() - t0


def bench_ingest(files: list[Path], store: AssetStore) -> tuple[float, int]:
    created = 0
    t0 = time.perf_counter()
    for f in files:
        created += store.ingest_file(f).created
    return time.perf_counter() - t0, created


def bench_verify(n: int, database_url: str) -> dict:
    import hashlib
    import threading

    from metarr.config import load_config
    from metarr.db.database import db_proxy, open_database
    from metarr.db.media import CacheFile, LibraryFile, Movie
    from metarr.db.migrate import migrate
    from metarr.library.libraries import LibraryInput, create
    from metarr.publishing.verify import check_library

    def rss_mb() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024

    work = Path(tempfile.mkdtemp(prefix="metarr-bench-verify-"))
    try:
        env = {"METARR_DATA_DIR": str(work / "data"), **({"METARR_DATABASE_URL": database_url} if database_url else {})}
        cfg = load_config(env)
        cfg.data_dir.mkdir(parents=True)
        db = open_database(cfg.database_url)
        db_proxy.initialize(db)
        migrate(db)
        root = work / "library"
        root.mkdir()
        lib = create(db, LibraryInput(name="Verify", kind="movie", path=str(root)))
        t0 = time.perf_counter()
        now = time.time()
        for start in range(0, n, 1000):
            movies, files, caches = [], [], []
            for i in range(start, min(n, start + 1000)):
                folder = f"m{i // 1000:04d}/Movie {i:07d}"
                movies.append(dict(library_id=lib.id, key=f"{folder}/movie.mkv", folder=folder, title=f"Movie {i}",
                                   date_added=now, created_at=now, updated_at=now))
            with db.atomic():
                Movie.insert_many(movies).execute()
                ids = [m.id for m in Movie.select(Movie.id).where(Movie.library_id == lib.id).order_by(Movie.id.desc())
                       .limit(len(movies))][::-1]
                for j, (mid, m) in enumerate(zip(ids, movies, strict=True)):
                    i = start + j
                    body = f"artwork {i // 2}".encode()
                    sha = hashlib.sha256(body).hexdigest()
                    if i % 2 == 0:
                        rel = f"cache/assets/{sha[:2]}/{sha}.jpg"
                        (cfg.data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                        (cfg.data_dir / rel).write_bytes(body)
                        caches.append(dict(sha256=sha, path=rel, size=len(body), mime="image/jpeg", origin="local",
                                           created_at=now))
                    target = root / m["folder"] / ("poster.jpg" if i % 2 == 0 else "folder.jpg")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(body)
                    st = target.stat()
                    files.append(dict(library_id=lib.id, path=str(target.relative_to(root)), kind="artwork",
                                      entity_type="movie", entity_id=mid, slot="poster", cache_file_id=None,
                                      sha256=sha, size=st.st_size, mtime_ns=st.st_mtime_ns, published_at=now))
                CacheFile.insert_many(caches).execute()
                by_sha = dict(CacheFile.select(CacheFile.sha256, CacheFile.id).where(
                    CacheFile.sha256.in_([f["sha256"] for f in files])).tuples())
                for f in files:
                    f["cache_file_id"] = by_sha[f["sha256"]]
                LibraryFile.insert_many(files).execute()
            if start and start % 50000 == 0:
                print(f"  built {start}/{n}", file=sys.stderr, flush=True)
        print(f"built {n} published files in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        db.close()
        db.connect()
        base = rss_mb()
        samples, stop = [base], threading.Event()

        def sample() -> None:   # the process's resident memory during verification, every 20 ms
            while not stop.wait(0.02):
                samples.append(rss_mb())
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0, c0 = time.perf_counter(), time.process_time()
        findings = check_library(cfg.data_dir, lib.id)
        verify_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0   # this process's CPU: comparable across loads of a shared machine
        stop.set()
        sampler.join()
        peak = max(samples + [rss_mb()])
        assert not findings, findings[:3]
        per_file_kb = max(0.0, peak - base) * 1024 / n
        out = {"verify_files": n, "db": "postgres" if database_url else "sqlite", "verify_s": round(verify_s, 2),
               "verify_files_per_s": round(n / verify_s, 1), "rss_before_mb": round(base, 1),
               "peak_rss_mb": round(peak, 1), "rss_growth_per_file_kb": round(per_file_kb, 4),
               "verify_cpu_s": round(cpu_s, 2), "verify_files_per_cpu_s": round(n / cpu_s, 1),
               "load_average": round(os.getloadavg()[0], 2)}
        out["targets"] = {"rss_growth_le_0.1kb_per_file": per_file_kb <= 0.1}
        print(f"verified {n} published files (and {n // 2} cache files) in {verify_s:.1f}s, "
              f"{n / verify_s:.0f} files/s ({n / cpu_s:.0f} a CPU second); RSS {base:.0f} MB before, peak {peak:.0f} MB ({per_file_kb:.3f} KB a file)")
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--verify", type=int, default=0, metavar="N",
                    help="instead: verification of a library with N published artwork files")
    ap.add_argument("--database-url", default="", help="for --verify; default: SQLite in the temporary data dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="work dir (default: a temp dir, removed)")
    args = ap.parse_args()
    if args.verify:
        print(json.dumps(bench_verify(args.verify, args.database_url)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="metarr-bench-", dir=args.dir))
    try:
        src = work / "src"
        src.mkdir()
        t0 = time.perf_counter()
        files = generate(src, args.images, args.seed)
        total_bytes = sum(f.stat().st_size for f in files)
        print(f"generated {len(files)} images, {total_bytes / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")

        raw_s = bench_raw(files, work / "raw")
        store = AssetStore(work / "cache")
        ingest_s, created = bench_ingest(files, store)
        again_s, created_again = bench_ingest(files, store)

        stored = [p for p in (work / "cache").rglob("*") if p.is_file()]
        temps = [p for p in stored if p.name.startswith(TMP_PREFIX)]
        unique = len({sha256_file(f) for f in files})
        assert created == unique == len(stored) - len(temps), (created, unique, len(stored))
        assert created_again == 0 and not temps

        raw_ps, ingest_ps = len(files) / raw_s, len(files) / ingest_s
        print(f"raw sha256+copy : {raw_ps:8.1f} images/s  ({raw_s * 1000 / len(files):6.2f} ms/image)")
        print(f"store.ingest    : {ingest_ps:8.1f} images/s  ({ingest_s * 1000 / len(files):6.2f} ms/image)")
        print(f"re-ingest (dedup): {len(files) / again_s:7.1f} images/s, {created_again} files written")
        print(f"{unique} unique of {len(files)}; ratio ingest/raw = {ingest_ps / raw_ps:.3f} "
              f"(ingest costs {raw_ps / ingest_ps:.1f}x raw: verification decode + fsync)")
        print(json.dumps({"images": len(files), "ingest_per_s": round(ingest_ps, 1),
                          "raw_per_s": round(raw_ps, 1), "ratio": round(ingest_ps / raw_ps, 4)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
