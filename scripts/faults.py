#!/usr/bin/env python3
"""Faults heal by themselves (#28): an operator's bad day, one fault after another, each against a
fresh real `metarr serve` and the provider emulators (web/demo/emulation), compared with a run
nobody disturbed.

    python3 scripts/faults.py [--movies 12] [--hold 15] [--database-url postgresql://…]

The faults: the library goes read-only mid-chain, the library's disk fills up mid-chain, the data
dir (with the SQLite database) fills up mid-chain, Fanart.tv hangs (accepts connections, never
answers) from the start, and a movie folder is renamed under the watcher after the user locked its
plot. Nobody runs `metarr jobs retry` or restarts anything: each disk fault is held `--hold`
seconds and then fixed, and the service has to notice by itself. Per fault it prints the time to
heal (from the fix until the library is complete again; for the rename, from the rename) and the
number of library files that differ from the undisturbed run (missing, extra or other bytes; NFO
`dateadded` aside): the target is 0. The disk faults need root (tmpfs mounts) and are skipped
without it. The last line is one JSON object: {"faults": {name: {"heal_s", "files_different",
"dead_jobs", ...}}, "movies", "database"}.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.service import free_port, start_serve, wait_healthy  # noqa: E402
from scripts.soak import drop_schema, fresh_schema_url, stop_serve  # noqa: E402
from tests.faults.tools import Tmpfs  # noqa: E402
from web.demo.emulation import EmulatorThread, Faults  # noqa: E402
from web.demo.emulation.data import SYNTHETIC_BASE, synthetic_movie  # noqa: E402
from web.demo.media import make_clip, make_image  # noqa: E402

REAL = ["Night of the Living Dead (1968)", "The General (1926)", "Nosferatu (1922)", "Metropolis (1927)"]
DATEADDED = re.compile(rb"<dateadded>[^<]*</dateadded>")
FANART_TIMEOUT = 3.0


class Api:
    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | str]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers={"X-Api-Key": self.key, "Content-Type": "application/json"})
            r = c.getresponse()
            raw = r.read()
        finally:
            c.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw.decode(errors="replace")

    def data(self, method: str, path: str, body=None):
        status, out = self.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {out}")
        return out["data"]


def build_library(root: Path, movies: int) -> None:
    names = REAL[:min(4, movies)]
    for i in range(max(0, movies - len(names))):
        m = synthetic_movie(i)
        names.append(f"{m['title']} ({m['release_date'][:4]}) {{tmdb-{SYNTHETIC_BASE + i}}}")
    for n, name in enumerate(names):
        make_clip(root / name / f"{name}.mkv")
        if n % 4 == 0:   # some of the user's own posters
            make_image(root / name / "poster.jpg", 300, 450, color=(20 + n, 90, 140), pattern=n)


def snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith(".metarr-tmp-"):
            body = p.read_bytes()
            out[str(p.relative_to(root))] = DATEADDED.sub(b"<dateadded/>", body) if p.suffix == ".nfo" else body
    return out


def differ(got: dict[str, bytes], want: dict[str, bytes]) -> int:
    return len(set(got) ^ set(want)) + sum(1 for p in set(got) & set(want) if got[p] != want[p])


class Serve:
    """A fresh `metarr serve`: its own data dir (on a tmpfs when asked), library (on a tmpfs when
    asked), database (SQLite in the data dir, or a fresh PostgreSQL schema)."""

    def __init__(self, base: Path, args, emu_env: dict[str, str], key: str, library_disk: bool = False,
                 data_disk: bool = False) -> None:
        self.disks = []
        self.lib_disk = self._disk("library") if library_disk else None
        self.data_disk = self._disk("data") if data_disk else None
        self.library = (self.lib_disk.mnt if self.lib_disk else base) / "library"
        self.data = self.data_disk.mnt if self.data_disk else base / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        build_library(self.library, args.movies)
        self.schema = ""
        self.db_url = f"sqlite:///{self.data / 'metarr.sqlite'}"
        if args.database_url:
            self.db_url, self.schema = fresh_schema_url(args.database_url)
        self.args = args
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("METARR_")}
        env.update(emu_env, METARR_DATA_DIR=str(self.data), METARR_DATABASE_URL=self.db_url, METARR_API_KEY=key,
                   METARR_HOST="127.0.0.1", METARR_PORT=str(self.port), METARR_LEASE_SECONDS="10",
                   PYTHONUNBUFFERED="1")
        self.log = base / "serve.log"
        base.mkdir(parents=True, exist_ok=True)
        self.proc = start_serve(env, self.log)
        wait_healthy(self.proc, self.port, self.log)
        self.api = Api(self.port, key)

    def _disk(self, name: str) -> Tmpfs:
        d = Tmpfs(name, "64m").mount()
        self.disks.append(d)
        return d

    def add_library(self, watch: bool = False) -> None:
        self.api.data("PATCH", "/api/v1/settings", {"scan.watch_settle_seconds": 1})
        lib = self.api.data("POST", "/api/v1/libraries", {"name": "Movies", "kind": "movie", "path": str(self.library),
                                                          "watch": watch, "auto_publish": True})
        self.api.data("POST", f"/api/v1/libraries/{lib['id']}/scan")

    def stats(self) -> dict:
        return self.api.data("GET", "/api/v1/jobs/stats")

    def finished(self) -> bool:
        st = self.stats()
        return st["succeeded"] > 0 and st["due"] == st["running"] == st["retrying"] == 0

    def until(self, what: str, fn: Callable[[], object], timeout: float, interval: float = 0.25):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"metarr serve exited while waiting for {what}")
            try:
                got = fn()
            except (OSError, RuntimeError):
                got = None   # the service may answer 503 while its database is out
            if got:
                return got
            time.sleep(interval)
        raise RuntimeError(f"{what}: not within {timeout:g} s")

    def dead(self) -> int:
        return self.stats()["dead"]

    def close(self) -> None:
        stop_serve(self.proc)
        for d in self.disks:
            d.free()
            d.unmount()
        if self.schema:
            drop_schema(self.args.database_url, self.schema)


def mid_chain(s: Serve) -> None:
    """The scan is done and enrichment under way: the moment the disk faults strike."""
    s.until("the chain under way", lambda: s.stats()["succeeded"] >= 3, 60, 0.05)


def heal(s: Serve, expected: dict[str, bytes], timeout: float) -> float:
    t0 = time.monotonic()
    s.until("the library to be complete again", lambda: s.finished() and differ(snapshot(s.library), expected) == 0,
            timeout, 0.25)
    return time.monotonic() - t0


def result(s: Serve, expected: dict[str, bytes], heal_s: float | None, **extra) -> dict:
    return {"heal_s": None if heal_s is None else round(heal_s, 1),
            "files_different": differ(snapshot(s.library), expected), "dead_jobs": s.dead(), **extra}


def fault_library(s: Serve, expected, args, how: str) -> dict:
    s.add_library()
    mid_chain(s)
    if how == "read-only":
        s.lib_disk.remount("ro")
    else:
        s.lib_disk.fill()
    time.sleep(args.hold)
    jobs = s.api.data("GET", "/api/v1/jobs?type=publish.movie&limit=200")
    waiting = sum(1 for j in jobs if j.get("blocked_on"))
    used = max((j["attempts"] for j in jobs if j.get("blocked_on")), default=0)
    s.lib_disk.remount("rw") if how == "read-only" else s.lib_disk.free()
    took = heal(s, expected, args.timeout)
    return result(s, expected, took, jobs_waited=waiting, attempts_used_while_waiting=used)


def fault_data_dir(s: Serve, expected, args) -> dict:
    s.add_library()
    mid_chain(s)
    s.data_disk.fill(Path(s.db_url[len("sqlite:///"):]) if s.db_url.startswith("sqlite") else None)
    time.sleep(args.hold)
    s.data_disk.free()
    return result(s, expected, heal(s, expected, args.timeout), pid_unchanged=s.proc.poll() is None)


def fault_hang(s: Serve, expected, args, faults: Faults) -> dict:
    faults.hang.add("fanart")
    try:
        s.add_library()
        s.until("Fanart.tv's circuit to open", lambda: s.api.data("GET", "/api/v1/status")["components"]["gateway"]
                ["providers"]["fanart"]["state"] == "circuit_open", args.timeout, 0.1)
        opened = time.time()
        s.until("the chain without Fanart.tv", s.finished, args.timeout)
        held = 0.0
        for j in s.api.data("GET", "/api/v1/jobs?type=enrich.movie&limit=200"):
            if j["finished_at"]:
                start, end = (_epoch(j["started_at"]), _epoch(j["finished_at"]))
                if end > opened:
                    held = max(held, end - max(start, opened))
        missing = s.api.data("GET", "/api/v1/status")["components"]["gateway"].get("missing", {}).get("fanart", 0)
        before = differ(snapshot(s.library), expected)
    finally:
        faults.hang.discard("fanart")
    return result(s, expected, heal(s, expected, args.timeout), slot_held_after_open_s=round(held, 1),
                  fanart_timeout_s=FANART_TIMEOUT, items_missing_fanart=missing, files_different_meanwhile=before)


def fault_rename(s: Serve, expected, args) -> dict:
    s.add_library(watch=True)
    s.until("the undisturbed chain", s.finished, args.timeout)
    movie = s.api.data("GET", "/api/v1/movies?limit=1")[0]
    plot = "The user's own words, locked."
    s.api.data("PATCH", f"/api/v1/movies/{movie['id']}", {"plot": plot})
    s.api.data("POST", f"/api/v1/movies/{movie['id']}/publish")
    s.until("the edit published", s.finished, args.timeout)
    before = snapshot(s.library)
    old = next(p.split("/")[0] for p in before if plot.encode() in before[p])
    new = old + " [renamed]"
    want = {(new + p[len(old):] if p.split("/")[0] == old else p): v for p, v in before.items()}
    count = len(s.api.data("GET", "/api/v1/movies?limit=500"))
    t0 = time.monotonic()
    os.rename(s.library / old, s.library / new)
    s.until("the item moved", lambda: any("moved from" in a["message"] for a in
                                          s.api.data("GET", "/api/v1/activity?limit=50")), args.timeout)
    s.until("the chain after the rename", lambda: s.finished() and differ(snapshot(s.library), want) == 0,
            args.timeout)
    took = time.monotonic() - t0
    after = s.api.data("GET", f"/api/v1/movies/{movie['id']}")
    kept = after.get("plot") == plot and len(s.api.data("GET", "/api/v1/movies?limit=500")) == count
    return result(s, want, took, item_kept=kept)


def _epoch(iso: str) -> float:
    import datetime as dt
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--movies", type=int, default=12, help="movies in the library (default 12)")
    ap.add_argument("--hold", type=float, default=15.0, help="seconds a disk fault lasts (default 15)")
    ap.add_argument("--timeout", type=float, default=180.0, help="longest wait for any step (default 180 s)")
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (a fresh schema per run); default SQLite")
    ap.add_argument("--only", default="", help="comma-separated fault names to run (default: all)")
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    key = os.environ.get("METARR_API_KEY") or secrets.token_hex(20)
    tmp = Path(tempfile.mkdtemp(prefix="metarr-faults-"))
    faults = Faults()
    emulators = EmulatorThread(image_rps=100, faults=faults)
    emu = emulators.start()
    emu_env = {k: v for k, v in emu.env().items() if k != "METARR_OMDB_API_KEY"}   # OMDb's 2/s adds nothing
    emu_env.update(METARR_PROVIDER_LIMITS=f"{urlsplit(emu.urls['images']).netloc}=20/5/4",
                   METARR_PROVIDER_TIMEOUTS=f"fanart={FANART_TIMEOUT:g}", METARR_PROVIDER_COOLDOWN="5")
    root = os.geteuid() == 0
    runs = {"library_read_only": (dict(library_disk=True), lambda s, e: fault_library(s, e, args, "read-only"), True),
            "library_disk_full": (dict(library_disk=True), lambda s, e: fault_library(s, e, args, "full"), True),
            "data_dir_full": (dict(data_disk=True), lambda s, e: fault_data_dir(s, e, args), True),
            "provider_hang": ({}, lambda s, e: fault_hang(s, e, args, faults), False),
            "folder_renamed": ({}, lambda s, e: fault_rename(s, e, args), False)}
    only = {x for x in args.only.split(",") if x}
    out: dict[str, dict] = {}
    try:
        ref = Serve(tmp / "reference", args, emu_env, key)
        try:
            ref.add_library()
            t0 = time.monotonic()
            ref.until("the undisturbed chain", ref.finished, args.timeout)
            expected = snapshot(ref.library)
            print(f"undisturbed run: {args.movies} movies, {len(expected)} library files, "
                  f"{time.monotonic() - t0:.1f} s", flush=True)
        finally:
            ref.close()
        for name, (disks, run, needs_root) in runs.items():
            if only and name not in only:
                continue
            if needs_root and not root:
                print(f"{name}: skipped (tmpfs mounts need root)", flush=True)
                out[name] = {"skipped": "needs root"}
                continue
            s = Serve(tmp / name, args, emu_env, key, **disks)
            try:
                r = run(s, expected)
            except RuntimeError as e:
                r = {"heal_s": None, "files_different": differ(snapshot(s.library), expected), "dead_jobs": s.dead(),
                     "error": str(e)}
            finally:
                s.close()
            out[name] = r
            extra = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("heal_s", "files_different", "dead_jobs"))
            healed = f"healed in {r['heal_s']} s" if r.get("heal_s") is not None else "NOT healed"
            print(f"{name}: {healed}; {r['files_different']} library file(s) differ from the undisturbed run; "
                  f"{r['dead_jobs']} dead job(s)" + (f"; {extra}" if extra else ""), flush=True)
    finally:
        emulators.stop()
    print(json.dumps({"faults": out, "movies": args.movies, "database": "postgresql" if args.database_url else "sqlite",
                      "hold_s": args.hold}))
    ok = all(r.get("skipped") or (r.get("heal_s") is not None and r["files_different"] == 0 and r["dead_jobs"] == 0)
             for r in out.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
