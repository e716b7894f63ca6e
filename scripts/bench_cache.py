#!/usr/bin/env python3
"""Benchmark: AssetStore.ingest_file vs a raw `sha256 + shutil.copy` of the same files.

Generates N images (JPEG/PNG/WebP, poster/fanart/logo/thumb sizes, ~10 % byte-identical
duplicates), then measures, in the same run and on the same warm files:
  raw    : sha256_file(src) + shutil.copy(src, dest/<sha>.<ext>)      (no verify, no fsync)
  ingest : store.ingest_file(src)  (copy to staging while hashing, fsync, magic-byte sniff,
           Pillow full decode + bomb check, dHash/aHash, dedup, atomic rename, dir fsync)
Also re-ingests everything and asserts no new file is written (dedup) and no temp is left.
Last line: one JSON object {images, ingest_per_s, raw_per_s, ratio} with ratio = ingest/raw.
"""
from __future__ import annotations

import argparse
import json
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None, help="work dir (default: a temp dir, removed)")
    args = ap.parse_args()

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
