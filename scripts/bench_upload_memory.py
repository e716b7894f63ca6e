"""Peak memory of a real `metarr serve` while N clients upload a large image at once.

A 7990x7990 RGBA PNG of one colour is about 250 KB on the wire and 255 MB decoded; eight at once
took an unbounded service to ~3 GB. Uploads go through the process-wide pixel budget, so decodes
take turns. Prints the service's RSS before, its peak (VmHWM), the uploads' statuses and seconds;
the last line is one JSON object. Target: peak < 600 MB with 8 concurrent uploads.

    python scripts/bench_upload_memory.py [--uploads 8] [--size 7990]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.service import free_port, start_serve, wait_healthy  # noqa: E402


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _call(port, method, path, key, body=None, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, body=body, headers={"X-Api-Key": key, "Content-Type": ctype})
    r = c.getresponse()
    return r.status, r.read()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--uploads", type=int, default=8)
    ap.add_argument("--size", type=int, default=7990)
    args = ap.parse_args()
    from PIL import Image

    from web.demo.media import make_clip
    buf = io.BytesIO()
    Image.new("RGBA", (args.size, args.size), (40, 90, 160, 255)).save(buf, "PNG")
    png = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_clip(tmp / "Movies" / "A (2000)" / "A (2000).mkv")
        port, key = free_port(), "bench-key-0123456789"
        env = {**os.environ, "METARR_DATA_DIR": str(tmp / "data"), "METARR_PORT": str(port), "METARR_API_KEY": key,
               "METARR_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)}
        log = tmp / "serve.log"
        proc = start_serve(env, log)
        try:
            wait_healthy(proc, port, log)
            st, body = _call(port, "POST", "/api/v1/libraries", key, json.dumps(
                {"name": "M", "kind": "movie", "path": str(tmp / "Movies"), "watch": False, "auto_enrich": False}))
            lid = json.loads(body)["data"]["id"]
            _call(port, "POST", f"/api/v1/libraries/{lid}/scan", key)
            for _ in range(100):
                movies = json.loads(_call(port, "GET", "/api/v1/movies", key)[1])["data"]
                if movies:
                    break
                time.sleep(0.1)
            mid = movies[0]["id"]
            time.sleep(1)
            before = _status_kb(proc.pid, "VmRSS") / 1024
            t0 = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(args.uploads) as pool:
                statuses = list(pool.map(lambda _i: _call(port, "POST", f"/api/v1/movies/{mid}/artwork/poster", key,
                                                          png, "image/png")[0], range(args.uploads)))
            secs = time.monotonic() - t0
            peak = _status_kb(proc.pid, "VmHWM") / 1024
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"{args.uploads} concurrent uploads of a {args.size}x{args.size} RGBA PNG ({len(png) // 1024} KB): "
          f"statuses {statuses}, {secs:.1f} s; service RSS {before:.0f} MB before, peak {peak:.0f} MB")
    print(json.dumps({"uploads": args.uploads, "size": args.size, "png_kb": len(png) // 1024, "statuses": statuses,
                      "seconds": round(secs, 2), "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak, 1),
                      "target_mb": 600, "met": peak < 600}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
