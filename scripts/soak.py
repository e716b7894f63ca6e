#!/usr/bin/env python3
"""Soak test: a real `metarr serve` under steady mixed load for N minutes, watching for slow leaks.

    python scripts/soak.py [--minutes 10] [--interval 10] [--movies 30] [--database-url postgresql://…]

Builds a small movie library of real 1-second clips (titles of the emulators' synthetic TMDB
catalogue, so identification, enrichment, artwork caching and publishing all really happen),
starts the provider emulators (web/demo/emulation) and `metarr serve` (SQLite in a temporary data
dir, or a fresh schema of `--database-url`), adds the library (watched, auto-publish on) with a
Radarr path mapping, waits for the initial chain to finish, and then keeps driving at once:
  * Radarr: changes a movie folder the way Radarr does (import, upgrade, rename, file delete,
    movie delete) and POSTs the webhook Radarr sends, plus Grab/Test/Health events;
  * the file system: subtitles created, renamed and deleted, movie folders created, renamed and
    removed, with no webhook: only the LibraryWatcher sees these;
  * readers: REST lists and details, job lists and stats, activity, /api/v1/status and the UI pages.
Every `--interval` seconds it prints the serve process's RSS, threads and open files (from /proc),
the queue depth (due + running + retrying jobs, from GET /api/v1/jobs/stats; recurring jobs not
yet due are shown apart as `sched`), dead jobs and the read latency since the previous sample.

At the end: first vs last RSS and queue, whether they stayed flat (RSS grew < 10 % over the
second half, and the queue did not trend up over it), whether the queue drained once the load
stopped, dead jobs and errors in the service's logs. The API key is METARR_API_KEY when set (the
script hands it to the service). The last line of output is one JSON object: minutes, samples,
rss_mb_first, rss_mb_last, rss_mb_max, queue_max, queue_last, dead, requests, webhooks, fs_events,
flat (and a few more figures after those).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.service import start_serve, tail, wait_healthy  # noqa: E402
from tests.webhooks.payloads import RADARR_HEALTH, RADARR_TEST, radarr_file  # noqa: E402
from web.demo.emulation import EmulatorThread  # noqa: E402
from web.demo.emulation.data import SYNTHETIC_BASE, synthetic_movie  # noqa: E402
from web.demo.media import make_clip  # noqa: E402

ARR_ROOT = "/movies"        # where "Radarr" sees the library; a path mapping leads it to ours
RSS_GROWTH_LIMIT = 0.10     # the RSS may grow at most 10 % over the second half of the run
QUEUE_RISE_LIMIT = 5        # jobs: a rise over the second half below this is noise, not a trend
SRT = "1\n00:00:00,000 --> 00:00:01,000\nHello.\n"


# ------------------------------------------------------------------ the library

def movie_name(i: int) -> str:
    """Folder name of film i of the emulators' synthetic catalogue ("Title (Year)", as Radarr names it)."""
    m = synthetic_movie(i)
    return f"{m['title']} ({m['release_date'][:4]})"


def video_of(folder: Path) -> Path | None:
    """The movie file in a folder, if any (Metarr's own NFOs and artwork are not videos)."""
    videos = sorted(folder.glob("*.mkv")) if folder.is_dir() else []
    return videos[0] if videos else None


def build_library(root: Path, indices: Iterable[int]) -> None:
    for i in indices:
        make_clip(root / movie_name(i) / f"{movie_name(i)}.mkv")


# ------------------------------------------------------------------ the service

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_schema_url(url: str) -> tuple[str, str]:
    """A schema of its own in the given PostgreSQL database, so a run never meets old rows."""
    schema = "soak_" + secrets.token_hex(6)
    return f"{url}{'&' if '?' in url else '?'}schema={schema}", schema


def drop_schema(url: str, schema: str) -> None:
    from metarr.db.database import open_database
    db = open_database(url)
    db.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    db.close()


def stop_serve(proc: subprocess.Popen) -> int | None:
    """SIGTERM (the clean shutdown a container stop sends), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


class Api:
    """One keep-alive connection to the service. One per thread: http.client is not thread-safe."""

    def __init__(self, port: int, key: str) -> None:
        self.key = key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: Any = None, auth: bool = True) -> tuple[int, float, bytes]:
        headers = {"X-Api-Key": self.key} if auth else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, time.perf_counter() - t0, raw
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()   # the next request opens a new connection
                # the server closes idle keep-alive connections (75 s): a GET on such a stale
                # connection is repeated once on a fresh one; anything else is a real failure
                stale = isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if not (stale and method == "GET" and attempt == 1):
                    raise
        raise AssertionError("unreachable")

    def data(self, method: str, path: str, body: Any = None) -> Any:
        """The envelope's `data`, or an exception for anything but 2xx."""
        status, _, raw = self.call(method, path, body)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} -> {status}: {raw[:300]!r}")
        return json.loads(raw)["data"]


def add_library(api: Api, root: Path) -> int:
    lib = api.data("POST", "/api/v1/libraries", {"name": "Soak", "kind": "movie", "path": str(root),
                                                 "watch": True, "auto_publish": True})
    api.data("POST", "/api/v1/path-mappings", {"scope": "radarr", "from": ARR_ROOT, "to": str(root)})
    api.data("POST", f"/api/v1/libraries/{lib['id']}/scan")
    return lib["id"]


def queue_depth(stats: dict) -> int:
    """Jobs still to do: due now, running, or waiting to retry (SPEC: the chain is done at 0)."""
    return stats["due"] + stats["running"] + stats["retrying"]


def wait_drained(api: Api, timeout: float) -> float | None:
    """Seconds until the queue is empty and stays so for 1.5 s (the next link of a chain may be on
    its way), or None after `timeout`."""
    t0 = time.monotonic()
    empty_since = None
    while time.monotonic() - t0 < timeout:
        if queue_depth(api.data("GET", "/api/v1/jobs/stats")) == 0:
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since >= 1.5:
                return empty_since - t0
        else:
            empty_since = None
        time.sleep(0.5)
    return None


def movie_states(api: Api) -> Counter:
    return Counter(m["state"] for m in api.data("GET", "/api/v1/movies?limit=500"))


# ------------------------------------------------------------------ what the drivers count

@dataclass
class Tally:
    """Counters shared by the driver threads and the sampler."""
    requests: int = 0          # reads: REST and UI
    http_errors: int = 0       # 5xx answers and failed connections
    client_errors: int = 0     # other 4xx (a detail of a movie deleted a moment ago, 429)
    webhooks: int = 0
    webhook_errors: int = 0    # webhooks not answered 2xx
    fs_events: int = 0
    driver_errors: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)      # every read, seconds
    webhook_latencies: list[float] = field(default_factory=list)
    since_sample: list[float] = field(default_factory=list)   # reads since the last sample
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, status: int, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds)
            self.since_sample.append(seconds)
            if status >= 500:
                self.http_errors += 1
            elif status >= 400:
                self.client_errors += 1

    def failed_read(self) -> None:
        with self.lock:
            self.requests += 1
            self.http_errors += 1

    def webhook(self, status: int, seconds: float) -> None:
        with self.lock:
            self.webhooks += 1
            self.webhook_latencies.append(seconds)
            self.webhook_errors += not 200 <= status < 300

    def fs(self) -> None:
        with self.lock:
            self.fs_events += 1

    def driver_error(self, name: str, error: Exception) -> None:
        with self.lock:
            self.driver_errors[f"{name}: {type(error).__name__}: {error}"[:160]] += 1

    def take_window(self) -> list[float]:
        with self.lock:
            window, self.since_sample = self.since_sample, []
            return window


def run_every(stop: threading.Event, seconds: float, step: Callable[[], None], tally: Tally, name: str) -> None:
    """Call `step` every `seconds` until `stop`; a failing step is counted and the load goes on."""
    while not stop.wait(seconds):
        try:
            step()
        except Exception as e:
            tally.driver_error(name, e)


# ------------------------------------------------------------------ Radarr

def arr_folder(i: int) -> str:
    return f"{ARR_ROOT}/{movie_name(i)}"


def arr_movie(i: int, file_name: str | None = None) -> dict:
    """The `movie` object of a Radarr payload for synthetic film i (ids the emulators know)."""
    m = synthetic_movie(i)
    movie = {"id": 1000 + i, "title": m["title"], "year": int(m["release_date"][:4]),
             "releaseDate": m["release_date"], "folderPath": arr_folder(i), "tmdbId": SYNTHETIC_BASE + i,
             "imdbId": m["imdb_id"], "overview": m["overview"], "genres": m["genres"], "images": [], "tags": [],
             "originalLanguage": {"id": 1, "name": "English"}}
    if file_name:
        movie["filePath"] = f"{arr_folder(i)}/{file_name}"
    return movie


def remote_movie(i: int) -> dict:
    m = synthetic_movie(i)
    return {"tmdbId": SYNTHETIC_BASE + i, "imdbId": m["imdb_id"], "title": m["title"],
            "year": int(m["release_date"][:4])}


def radarr_download(i: int, name: str, replaced: str | None = None) -> dict:
    body = {"eventType": "Download", "instanceName": "Radarr", "applicationUrl": "http://radarr:7878",
            "movie": arr_movie(i, name), "remoteMovie": remote_movie(i),
            "movieFile": radarr_file(arr_folder(i), name), "isUpgrade": replaced is not None,
            "downloadClient": "qBittorrent", "downloadClientType": "qBittorrent", "downloadId": secrets.token_hex(8),
            "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
            "release": {"releaseTitle": name, "indexer": "Indexer", "size": 123456, "indexerFlags": []}}
    if replaced:
        body["deletedFiles"] = [{**radarr_file(arr_folder(i), replaced, 30), "recycleBinPath": f"/recycle/{replaced}"}]
    return body


def radarr_rename(i: int, old: str, new: str) -> dict:
    return {"eventType": "Rename", "instanceName": "Radarr", "applicationUrl": "", "movie": arr_movie(i),
            "renamedMovieFiles": [{**radarr_file(arr_folder(i), new), "previousRelativePath": old,
                                   "previousPath": f"{arr_folder(i)}/{old}"}]}


def radarr_file_delete(i: int, name: str) -> dict:
    return {"eventType": "MovieFileDelete", "instanceName": "Radarr", "movie": arr_movie(i),
            "movieFile": radarr_file(arr_folder(i), name), "deleteReason": "manual"}


def radarr_movie_delete(i: int) -> dict:
    return {"eventType": "MovieDelete", "instanceName": "Radarr", "movie": arr_movie(i), "deletedFiles": True,
            "movieFolderSize": 123456}


def radarr_grab(i: int) -> dict:
    return {"eventType": "Grab", "instanceName": "Radarr", "movie": arr_movie(i), "remoteMovie": remote_movie(i),
            "release": {"quality": "Bluray-1080p", "qualityVersion": 1, "releaseGroup": "GRP",
                        "releaseTitle": movie_name(i).replace(" ", "."), "indexer": "Indexer", "size": 1,
                        "indexerFlags": []},
            "downloadClient": "qBittorrent", "downloadClientType": "qBittorrent", "downloadId": "X"}


class RadarrDriver:
    """Plays Radarr on its own movies: first the change on disk, then the webhook Radarr sends
    for it (with the `?apikey=` query, as Radarr's connection settings do)."""

    def __init__(self, api: Api, root: Path, indices: list[int], rng: random.Random, tally: Tally) -> None:
        self.api, self.root, self.indices, self.rng, self.tally = api, root, indices, rng, tally

    def send(self, body: dict) -> None:
        status, seconds, _ = self.api.call("POST", f"/api/v1/webhooks/radarr?apikey={self.api.key}", body, auth=False)
        self.tally.webhook(status, seconds)

    def step(self) -> None:
        i = self.rng.choice(self.indices)
        if self.rng.random() < 0.15:   # events that change nothing on disk are logged, not scanned
            self.send(self.rng.choice([radarr_grab(i), RADARR_TEST, RADARR_HEALTH]))
            return
        folder = self.root / movie_name(i)
        video = video_of(folder)
        if video is None:
            choices = [self.download, self.movie_delete] if folder.exists() else [self.download]
        else:
            choices = [self.rename, self.upgrade, self.file_delete, self.movie_delete]
        self.rng.choice(choices)(i, folder, video)

    def variant(self, i: int, current: Path | None) -> str:
        """Another file name for the movie (Radarr's names differ by quality)."""
        names = [f"{movie_name(i)}{q}.mkv" for q in ("", " - 1080p", " - 2160p")]
        return self.rng.choice([n for n in names if current is None or n != current.name])

    def download(self, i: int, folder: Path, video: Path | None) -> None:
        name = self.variant(i, None)
        make_clip(folder / name)
        self.tally.fs()
        self.send(radarr_download(i, name))

    def upgrade(self, i: int, folder: Path, video: Path) -> None:
        name = self.variant(i, video)
        make_clip(folder / name)
        video.unlink()
        self.tally.fs()
        self.tally.fs()
        self.send(radarr_download(i, name, replaced=video.name))

    def rename(self, i: int, folder: Path, video: Path) -> None:
        name = self.variant(i, video)
        video.rename(folder / name)
        self.tally.fs()
        self.send(radarr_rename(i, video.name, name))

    def file_delete(self, i: int, folder: Path, video: Path) -> None:
        video.unlink()
        self.tally.fs()
        self.send(radarr_file_delete(i, video.name))

    def movie_delete(self, i: int, folder: Path, video: Path | None) -> None:
        shutil.rmtree(folder)
        self.tally.fs()
        self.send(radarr_movie_delete(i))


# ------------------------------------------------------------------ the file system alone

class FsDriver:
    """Plays a user (or a tool without webhooks) in the watched library: subtitles come and go in
    existing movies, whole movie folders appear, get renamed and disappear. Each step is one change,
    and each cycles, so the library stays the same size."""

    def __init__(self, root: Path, existing: list[int], pool: list[int], rng: random.Random, tally: Tally) -> None:
        self.root, self.existing, self.pool, self.rng, self.tally = root, existing, pool, rng, tally

    def step(self) -> None:
        if self.rng.random() < 0.5:
            self.subtitle(self.rng.choice(self.existing))
        else:
            self.folder(self.rng.choice(self.pool))
        self.tally.fs()

    def subtitle(self, i: int) -> None:
        """absent -> .en.srt -> renamed .fr.srt -> deleted."""
        folder = self.root / movie_name(i)
        en, fr = folder / f"{movie_name(i)}.en.srt", folder / f"{movie_name(i)}.fr.srt"
        if en.exists():
            en.rename(fr)
        elif fr.exists():
            fr.unlink()
        else:
            en.write_text(SRT)

    def folder(self, i: int) -> None:
        """absent -> created with a video -> renamed with the id in the name -> removed."""
        plain = self.root / movie_name(i)
        tagged = self.root / f"{movie_name(i)} {{tmdb-{SYNTHETIC_BASE + i}}}"
        if plain.exists() and tagged.exists():
            # the old folder came back after its rename: someone wrote into the stale path. Say
            # what is in it (a finding), and clear it so that this folder's cycle goes on
            found = sorted(p.name for p in plain.iterdir())
            shutil.rmtree(plain)
            raise RuntimeError(f"{plain.name} re-created after its rename, holding {found}")
        if plain.exists():
            plain.rename(tagged)
        elif tagged.exists():
            shutil.rmtree(tagged)
        else:
            make_clip(plain / f"{movie_name(i)}.mkv")


# ------------------------------------------------------------------ readers

class Reader:
    """What the UI and API scripts read, in a random mix; movie ids come from the lists it reads."""

    def __init__(self, api: Api, rng: random.Random, tally: Tally) -> None:
        self.api, self.rng, self.tally = api, rng, tally
        self.movie_ids: list[int] = []

    def next_path(self) -> str:
        mid = self.rng.choice(self.movie_ids) if self.movie_ids else 1
        return self.rng.choice([
            f"/api/v1/movies?limit=50&offset={self.rng.choice((0, 0, 10))}&sort={self.rng.choice(('title', '-year', 'added'))}",
            "/api/v1/movies?limit=50&q=synthetic",
            f"/api/v1/movies/{mid}", f"/api/v1/movies/{mid}/candidates",
            "/api/v1/jobs?status=pending,running&limit=50", "/api/v1/jobs/stats", "/api/v1/status",
            "/api/v1/activity?limit=50", "/api/v1/webhook-events?limit=50", "/api/v1/libraries",
            "/", "/movies", f"/movies/{mid}", "/jobs", "/libraries", "/activity",
        ])

    def step(self) -> None:
        path = self.next_path()
        try:
            status, seconds, raw = self.api.call("GET", path)
        except (OSError, http.client.HTTPException):
            self.tally.failed_read()
            return
        self.tally.read(status, seconds)
        if status == 200 and path.startswith("/api/v1/movies?"):
            self.movie_ids = [m["id"] for m in json.loads(raw)["data"]] or self.movie_ids


# ------------------------------------------------------------------ sampling

@dataclass
class Sample:
    t: float            # seconds since the load started
    rss_mb: float
    threads: int
    fds: int
    queue: int          # due + running + retrying
    running: int
    scheduled: int
    dead: int
    succeeded: int
    requests: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def proc_status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":", 1) for line in f if ":" in line)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in ms (0 for no values)."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))] * 1000


def take_sample(t: float, pid: int, api: Api, tally: Tally) -> Sample:
    st = proc_status(pid)
    stats = api.data("GET", "/api/v1/jobs/stats")
    window = tally.take_window()
    return Sample(t=round(t, 1), rss_mb=round(int(st["VmRSS"].split()[0]) / 1024, 1),
                  threads=int(st["Threads"]), fds=len(os.listdir(f"/proc/{pid}/fd")),
                  queue=queue_depth(stats), running=stats["running"], scheduled=stats["scheduled"],
                  dead=stats["dead"], succeeded=stats["succeeded"], requests=tally.requests,
                  p50_ms=round(pct(window, 50), 1), p95_ms=round(pct(window, 95), 1),
                  max_ms=round(pct(window, 100), 1))


def sample_line(s: Sample, tally: Tally) -> str:
    return (f"{s.t:6.0f}s  rss {s.rss_mb:6.1f} MB  threads {s.threads:3d}  fds {s.fds:4d} | "
            f"queue {s.queue:3d} (running {s.running})  sched {s.scheduled:2d}  dead {s.dead:2d}  "
            f"done {s.succeeded:5d} | reads {s.requests:5d}  p50 {s.p50_ms:6.1f}  p95 {s.p95_ms:6.1f}  "
            f"max {s.max_ms:7.1f} ms | webhooks {tally.webhooks:4d}  fs {tally.fs_events:4d}")


def second_half(samples: list[Sample]) -> list[Sample]:
    return samples[len(samples) // 2:]


def rss_growth(samples: list[Sample]) -> float:
    """Relative RSS growth from the middle sample to the last one."""
    half = second_half(samples)
    return (half[-1].rss_mb - half[0].rss_mb) / half[0].rss_mb


def queue_rise(samples: list[Sample]) -> float:
    """Rise of the least-squares line through the second half's queue depths, in jobs: one busy
    sample at the end does not make a trend, a queue that keeps growing does."""
    half = second_half(samples)
    if len(half) < 2:
        return 0.0
    ts = [s.t for s in half]
    qs = [s.queue for s in half]
    mt, mq = sum(ts) / len(ts), sum(qs) / len(qs)
    var = sum((t - mt) ** 2 for t in ts)
    slope = sum((t - mt) * (q - mq) for t, q in zip(ts, qs, strict=True)) / var if var else 0.0
    return slope * (ts[-1] - ts[0])


# ------------------------------------------------------------------ the service's own logs

def log_problems(log_dir: Path) -> tuple[Counter, Counter]:
    """Error and warning messages of the JSON-lines logs (app.log and its rotations), counted."""
    errors: Counter = Counter()
    warnings: Counter = Counter()
    for path in sorted(log_dir.glob("app.log*")):
        for line in path.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("level") in ("error", "critical"):
                errors[f"{rec.get('logger')}: {rec.get('msg', '')[:150]}"] += 1
            elif rec.get("level") == "warning":
                warnings[f"{rec.get('logger')}: {rec.get('msg', '')[:150]}"] += 1
    return errors, warnings


# ------------------------------------------------------------------ the run

def soak(args: argparse.Namespace, port: int, key: str, proc: subprocess.Popen, library: Path,
         log: Path, existing: list[int], radarr_pool: list[int], fs_pool: list[int]) -> tuple[list[Sample], Tally]:
    tally = Tally()
    stop = threading.Event()
    rng = random.Random(args.seed)
    drivers = [
        ("reader", Reader(Api(port, key), random.Random(rng.random()), tally).step, 1 / args.read_rate),
        ("radarr", RadarrDriver(Api(port, key), library, radarr_pool, random.Random(rng.random()), tally).step,
         args.webhook_every),
        ("fs", FsDriver(library, existing, fs_pool, random.Random(rng.random()), tally).step, args.fs_every),
    ]
    threads = [threading.Thread(target=run_every, args=(stop, every, step, tally, name), name=name, daemon=True)
               for name, step, every in drivers]
    sampler = Api(port, key)
    samples = [take_sample(0.0, proc.pid, sampler, tally)]
    print(sample_line(samples[0], tally), flush=True)
    t0 = time.monotonic()
    for t in threads:
        t.start()
    try:
        end = t0 + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(args.interval, max(0.0, end - time.monotonic())))
            if proc.poll() is not None:
                raise SystemExit(f"metarr serve died during the soak ({proc.returncode}):\n{tail(log)}")
            samples.append(take_sample(time.monotonic() - t0, proc.pid, sampler, tally))
            print(sample_line(samples[-1], tally), flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    return samples, tally


def summarize(args: argparse.Namespace, samples: list[Sample], tally: Tally, drained: float | None,
              dead_jobs: list[dict], log_dir: Path, exit_code: int | None) -> dict:
    growth, rise = rss_growth(samples), queue_rise(samples)
    rss_flat = growth < RSS_GROWTH_LIMIT
    queue_flat = rise < max(QUEUE_RISE_LIMIT, 0.2 * max(s.queue for s in samples))
    first, last = samples[0], samples[-1]
    errors, warnings = log_problems(log_dir)
    print()
    print(f"RSS       first {first.rss_mb} MB, last {last.rss_mb} MB, max {max(s.rss_mb for s in samples)} MB; "
          f"second half {growth:+.1%} ({'flat' if rss_flat else 'GROWING'}, limit +{RSS_GROWTH_LIMIT:.0%})")
    print(f"threads   first {first.threads}, last {last.threads};  open files first {first.fds}, last {last.fds}")
    print(f"queue     first {first.queue}, last {last.queue}, max {max(s.queue for s in samples)}; "
          f"second-half trend {rise:+.1f} jobs ({'flat' if queue_flat else 'GROWING'}); "
          + (f"drained {drained:.1f} s after the load stopped" if drained is not None
             else f"NOT drained within {args.drain_timeout:g} s after the load stopped"))
    print(f"jobs      {last.succeeded - first.succeeded} succeeded during the run, {last.dead} dead")
    for job in dead_jobs:
        print(f"          dead #{job['id']} {job['type']} {job['subject']}: {job['last_error']}")
    print(f"reads     {tally.requests} (p50 {pct(tally.latencies, 50):.1f} ms, p95 {pct(tally.latencies, 95):.1f} ms, "
          f"p99 {pct(tally.latencies, 99):.1f} ms, max {pct(tally.latencies, 100):.1f} ms), "
          f"{tally.http_errors} errors, {tally.client_errors} 4xx")
    print(f"webhooks  {tally.webhooks} (p95 {pct(tally.webhook_latencies, 95):.1f} ms), {tally.webhook_errors} not 2xx; "
          f"fs events {tally.fs_events}")
    for what, counts in (("driver", tally.driver_errors), ("log error", errors), ("log warning", warnings)):
        for msg, n in counts.most_common(8):
            print(f"{what:>11} x{n}: {msg}")
    print(f"shutdown  metarr serve exited with {exit_code} after SIGTERM")
    out = {"minutes": args.minutes, "samples": len(samples), "rss_mb_first": first.rss_mb, "rss_mb_last": last.rss_mb,
           "rss_mb_max": max(s.rss_mb for s in samples), "queue_max": max(s.queue for s in samples),
           "queue_last": last.queue, "dead": last.dead, "requests": tally.requests, "webhooks": tally.webhooks,
           "fs_events": tally.fs_events, "flat": rss_flat and queue_flat,
           # beyond the headline figures
           "rss_growth_second_half": round(growth, 4), "queue_trend_second_half": round(rise, 1),
           "drained_s": None if drained is None else round(drained, 1),
           "read_p50_ms": round(pct(tally.latencies, 50), 1), "read_p95_ms": round(pct(tally.latencies, 95), 1),
           "http_errors": tally.http_errors, "webhook_errors": tally.webhook_errors,
           "log_errors": sum(errors.values()), "driver_errors": sum(tally.driver_errors.values())}
    return out


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the load (default 10)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between samples (default 10)")
    ap.add_argument("--movies", type=int, default=30, help="movies in the library at the start (default 30)")
    ap.add_argument("--database-url", default="",
                    help="PostgreSQL URL (a fresh schema is made in it and dropped after); default SQLite")
    ap.add_argument("--read-rate", type=float, default=5.0, help="reads per second (default 5)")
    ap.add_argument("--webhook-every", type=float, default=3.0, help="seconds between Radarr webhooks (default 3)")
    ap.add_argument("--fs-every", type=float, default=2.0, help="seconds between file-system changes (default 2)")
    ap.add_argument("--warmup-timeout", type=float, default=300.0,
                    help="longest wait for the initial scan/enrich/publish chain (default 300 s)")
    ap.add_argument("--drain-timeout", type=float, default=120.0,
                    help="longest wait for the queue to drain after the load (default 120 s)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--keep", action="store_true", help="keep the temporary library, data dir and schema")
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    key = os.environ.get("METARR_API_KEY") or secrets.token_hex(20)
    tmp = Path(tempfile.mkdtemp(prefix="metarr-soak-"))
    library, data_dir, log = tmp / "library", tmp / "data", tmp / "serve.log"
    # catalogue numbers: the starting library, then Radarr's own movies, then the folders the
    # file-system driver creates and removes (disjoint, so two drivers never touch one folder)
    existing = list(range(args.movies))
    radarr_pool = list(range(args.movies, args.movies + 8))
    fs_pool = list(range(args.movies + 8, args.movies + 14))
    db_url, schema = f"sqlite:///{data_dir / 'metarr.sqlite'}", ""
    if args.database_url:
        db_url, schema = fresh_schema_url(args.database_url)
    emulators = EmulatorThread()
    proc = None
    try:
        build_library(library, existing)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("METARR_")}
        env.update(emulators.start().env(), METARR_DATA_DIR=str(data_dir), METARR_DATABASE_URL=db_url,
                   METARR_API_KEY=key, METARR_HOST="127.0.0.1", METARR_PORT=str(port), PYTHONUNBUFFERED="1")
        proc = start_serve(env, log)
        wait_healthy(proc, port, log)
        api = Api(port, key)
        add_library(api, library)
        print(f"metarr serve pid {proc.pid} on port {port} ({'PostgreSQL' if schema else 'SQLite'}); "
              f"library of {args.movies} movies in {library}", flush=True)
        warm = wait_drained(api, args.warmup_timeout)
        took = f"{warm:.1f} s" if warm is not None else "NOT finished"
        print(f"initial scan/enrich/publish: {took}; "
              f"movies by state {dict(movie_states(api))}", flush=True)
        samples, tally = soak(args, port, key, proc, library, log, existing, radarr_pool, fs_pool)
        drained = wait_drained(api, args.drain_timeout)
        dead_jobs = api.data("GET", "/api/v1/jobs?status=dead&limit=10")
        print(f"movies by state at the end {dict(movie_states(api))}")
        exit_code = stop_serve(proc)
        out = summarize(args, samples, tally, drained, dead_jobs, data_dir / "logs", exit_code)
        print(json.dumps(out))
        return 0 if out["flat"] else 1
    finally:
        if proc is not None:
            stop_serve(proc)
        emulators.stop()
        if schema and not args.keep:
            drop_schema(args.database_url, schema)
        if args.keep:
            print(f"kept {tmp}" + (f" and schema {schema}" if schema else ""), file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
