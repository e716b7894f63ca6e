"""Peak memory of a real `metarr serve` while N clients upload a large image at once, and while N
clients ask for thumbnails of N large stored images at once.

A 7990x7990 PNG of one colour is a few hundred KB on the wire and up to 255 MB decoded; eight at
once took an unbounded service to ~3 GB. Every decode (uploads, thumbnails) goes through the
process-wide decode budget, so they take turns. Scenarios, each on a freshly started service:
uploads of an RGBA, an LA (grey + alpha) and a palette PNG with transparency, and thumbnails
(`GET /api/v1/assets/{sha}?size=300`) of N different stored RGBA PNGs, asked for at once after a
restart (so nothing is cached and the peak is the thumbnails' own). Prints each scenario's RSS
before, its peak (VmHWM), the statuses and seconds; the last line is one JSON object. Target: every
peak < 600 MB with 8 at once, and every request accepted (a refused upload is not a success).

    python scripts/bench_upload_memory.py [--clients 8] [--size 7990] [--only rgba,la,palette,thumbnails]
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

TARGET_MB = 600
SCENARIOS = ("rgba", "la", "palette", "thumbnails")


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


def _png(kind: str, size: int, shade: int = 0) -> bytes:
    from PIL import Image
    if kind == "palette":
        im = Image.new("P", (size, size), 1)
        im.putpalette([(i * 7 + shade) % 256 for i in range(768)])
        extra = {"transparency": 0}
    elif kind == "la":
        im, extra = Image.new("LA", (size, size), (90 + shade % 100, 200)), {}
    else:
        im, extra = Image.new("RGBA", (size, size), (40 + shade % 200, 90, 160, 255)), {}
    buf = io.BytesIO()
    im.save(buf, "PNG", **extra)
    return buf.getvalue()


class Service:
    """One `metarr serve` on a data dir; started again on the same dir with `restart`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.port, self.key = tmp, free_port(), "bench-key-0123456789"
        self.env = {**os.environ, "METARR_DATA_DIR": str(tmp / "data"), "METARR_PORT": str(self.port),
                    "METARR_API_KEY": self.key, "METARR_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)}
        self.log = tmp / "serve.log"
        self.proc = None

    def start(self) -> None:
        self.proc = start_serve(self.env, self.log)
        wait_healthy(self.proc, self.port, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None

    def call(self, method, path, body=None, ctype="application/json"):
        return _call(self.port, method, path, self.key, body, ctype)

    def movie(self) -> int:
        from web.demo.media import make_clip
        make_clip(self.tmp / "Movies" / "A (2000)" / "A (2000).mkv")
        st, body = self.call("POST", "/api/v1/libraries", json.dumps(
            {"name": "M", "kind": "movie", "path": str(self.tmp / "Movies"), "watch": False, "auto_enrich": False}))
        lid = json.loads(body)["data"]["id"]
        self.call("POST", f"/api/v1/libraries/{lid}/scan")
        for _ in range(100):
            movies = json.loads(self.call("GET", "/api/v1/movies")[1])["data"]
            if movies:
                return movies[0]["id"]
            time.sleep(0.1)
        raise SystemExit("the scan found no movie")

    def at_once(self, n: int, request) -> tuple[list[int], float, float, float]:
        """Run `request(i)` n times at once: statuses, seconds, RSS before and peak (MB)."""
        time.sleep(1)
        before = _status_kb(self.proc.pid, "VmRSS") / 1024
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            statuses = list(pool.map(request, range(n)))
        secs = time.monotonic() - t0
        return statuses, secs, before, _status_kb(self.proc.pid, "VmHWM") / 1024


def uploads(kind: str, n: int, size: int) -> dict:
    png = _png(kind, size)
    with tempfile.TemporaryDirectory() as tmp:
        svc = Service(Path(tmp))
        svc.start()
        try:
            mid = svc.movie()
            statuses, secs, before, peak = svc.at_once(n, lambda _i: svc.call(
                "POST", f"/api/v1/movies/{mid}/artwork/poster", png, "image/png")[0])
        finally:
            svc.stop()
    return {"scenario": f"{n} uploads of a {size}x{size} {kind} PNG ({len(png) // 1024} KB)", "statuses": statuses,
            "accepted": statuses.count(201), "intended": n, "seconds": round(secs, 2),
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak, 1)}


def thumbnails(n: int, size: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        svc = Service(Path(tmp))
        svc.start()
        try:
            mid = svc.movie()
            shas = []
            for i in range(n):   # one at a time: n different stored images
                st, body = svc.call("POST", f"/api/v1/movies/{mid}/artwork/poster", _png("rgba", size, 11 * i),
                                    "image/png")
                if st != 201:
                    raise SystemExit(f"storing image {i} failed: HTTP {st} {body[:200]!r}")
                shas.append(json.loads(body)["data"]["sha256"])
            svc.stop()
            svc.start()          # a fresh process: nothing cached, the peak is the thumbnails' own
            statuses, secs, before, peak = svc.at_once(n, lambda i: svc.call(
                "GET", f"/api/v1/assets/{shas[i]}?size=300")[0])
        finally:
            svc.stop()
    return {"scenario": f"{n} thumbnails (size=300) of {n} stored {size}x{size} RGBA PNGs at once",
            "statuses": statuses, "accepted": statuses.count(200), "intended": n, "seconds": round(secs, 2),
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", "--uploads", type=int, default=8, dest="clients")
    ap.add_argument("--size", type=int, default=7990)
    ap.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated: {', '.join(SCENARIOS)}")
    args = ap.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    results = []
    for name in chosen:
        r = thumbnails(args.clients, args.size) if name == "thumbnails" else uploads(name, args.clients, args.size)
        r["met"] = r["peak_rss_mb"] < TARGET_MB and r["accepted"] == r["intended"]
        print(f"{r['scenario']}: {r['accepted']}/{r['intended']} accepted {r['statuses']}, {r['seconds']:.1f} s; "
              f"service RSS {r['rss_before_mb']:.0f} MB before, peak {r['peak_rss_mb']:.0f} MB"
              f"{'' if r['met'] else '  <- NOT MET'}", flush=True)
        results.append(r)
    print(json.dumps({"clients": args.clients, "size": args.size, "target_mb": TARGET_MB, "scenarios": results,
                      "met": bool(results) and all(r["met"] for r in results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
