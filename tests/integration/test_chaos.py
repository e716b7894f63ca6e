"""Chaos across the whole chain (issue 9, SPEC §1 and §4): a library of 50 movies and a TV show goes
scan → enrich → cache → publish → sync through a real `metarr serve` process against the provider
and Kodi emulators, once undisturbed and once while the service is SIGKILLed (with its ffprobe
children) at random moments many times and restarted. Afterwards the disturbed library must be
byte-identical to the undisturbed one, with no temp file left, no cache file twice, no job lost
or dead, Kodi knowing every item, and every file the user had either in place or in the recycle bin.

Runs on SQLite, and on PostgreSQL when METARR_TEST_DATABASE_URL is set. METARR_CHAOS_SEED repeats a
kill schedule."""
from __future__ import annotations

import hashlib
import os
import random
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import peewee
import pytest

from metarr.db.database import connection, db_proxy, open_database
from metarr.db.integrations import Player
from metarr.db.media import Episode, Movie, Series
from metarr.db.migrate import migrate
from metarr.db.models import Schedule
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from metarr.library.libraries import LibraryInput, create
from metarr.service import schedules, settings
from tests.conftest import API_KEY, PG_URL, free_port
from web.demo.emulation import EmulatorThread, data
from web.demo.emulation.players import KodiEmulator, PlayerEmulators
from web.demo.media import make_clip, make_image

from .procs import Worker, stop_all, wait_until

pytestmark = pytest.mark.timeout(420)

SYNTHETIC = 46                                   # plus the 4 real films below: 50 movies
REAL = {10331: "Night of the Living Dead (1968)", 961: "The General (1926)", 653: "Nosferatu (1922)",
        19: "Metropolis (1927)"}
KILLS = 10
DATEADDED = re.compile(rb"<dateadded>[^<]*</dateadded>")


# ------------------------------------------------------------------ the library

def build_library(base: Path) -> tuple[Path, Path, dict[str, str]]:
    """Movies and TV roots with real clips, and the user's own files (rel path -> sha256)."""
    movies, tv = base / "Movies", base / "TV"
    films = [(name, data.MOVIES[tmdb]["title"], tmdb) for tmdb, name in REAL.items()]
    for i in range(SYNTHETIC):
        m = data.synthetic_movie(i)
        tmdb = data.SYNTHETIC_BASE + i
        films.append((f"{m['title']} ({m['release_date'][:4]}) {{tmdb-{tmdb}}}", m["title"], tmdb))
    for n, (name, title, tmdb) in enumerate(films):
        make_clip(movies / name / f"{name}.mkv")
        if n % 5 == 0:   # what users have beside their films: their own poster, notes, subtitles
            make_image(movies / name / "poster.jpg", 300, 450, color=(20 + n, 90, 140), pattern=n)
            (movies / name / "notes.txt").write_text(f"bought on DVD, #{n}\n")
            (movies / name / f"{name}.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
        if n % 7 == 3:   # a hand-written NFO that the published one replaces (the old one is recycled)
            (movies / name / f"{name}.nfo").write_text(
                f"<?xml version='1.0' encoding='UTF-8'?>\n<movie><title>{title}</title><userrating>8</userrating>"
                f"<uniqueid type='tmdb' default='true'>{tmdb}</uniqueid></movie>\n")
    show = tv / "Sherlock Holmes (1954)"
    for (season, ep) in data.SHOWS[75597]["episodes"]:
        folder = "Specials" if season == 0 else f"Season {season:02d}"
        make_clip(show / folder / f"Sherlock Holmes (1954) - S{season:02d}E{ep:02d}.mkv")
    make_image(show / "folder.jpg", 400, 600, color=(200, 30, 30))
    user = {str(p.relative_to(base)): _sha(p) for p in sorted(base.rglob("*")) if p.is_file()
            and p.suffix != ".mkv"}
    return movies, tv, user


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def snapshot(base: Path) -> dict[str, bytes]:
    """Every file of the library, by path. `dateadded` is the time of the first scan by design
    (Kodi's "date added"), so it differs between two runs and is left out of the comparison."""
    out = {}
    for p in sorted(base.rglob("*")):
        if p.is_file():
            body = p.read_bytes()
            out[str(p.relative_to(base))] = DATEADDED.sub(b"<dateadded/>", body) if p.suffix == ".nfo" else body
    return out


# ------------------------------------------------------------------ one run

class Run:
    """A library, a data dir and a database of its own, driven by `metarr serve` processes."""

    def __init__(self, base: Path, db_url: str, emu_env: dict[str, str], kodi: KodiEmulator) -> None:
        self.base, self.kodi = base, kodi
        self.movies, self.tv, self.user_files = build_library(base / "library")
        self.data = base / "data"
        self.env = {**emu_env, "METARR_DATA_DIR": str(self.data), "METARR_DATABASE_URL": db_url,
                    "METARR_API_KEY": API_KEY, "METARR_PORT": str(free_port()), "METARR_HOST": "127.0.0.1",
                    "METARR_LEASE_SECONDS": "2", "METARR_LOG_LEVEL": "INFO",
                    "METARR_ALLOW_HOSTS": "127.0.0.1,localhost"}
        self.db = open_database(db_url)
        db_proxy.initialize(self.db)
        migrate(self.db)
        with connection(self.db):
            settings.put_many(self.db, {"sync.debounce_seconds": 0.5})
            # the daily maintenance jobs (first due a minute after start) would make the two runs differ
            schedules.seed(self.db, {d[1] for d in schedules.DEFAULTS})
            Schedule.update(enabled=False).execute()
            Player.create(name="Kodi", kind="kodi", url=kodi.url, username="kodi", password="secret",
                          created_at=time.time())
            self.libs = [create(self.db, LibraryInput(name=name, kind=kind, path=str(root), watch=False,
                                                      auto_publish=True))
                         for name, kind, root in (("Movies", "movie", self.movies), ("TV", "tv", self.tv))]
        # what Kodi finds when it scans a folder: every video of the library, under the same paths
        for p in sorted(self.movies.rglob("*.mkv")):
            kodi.put_on_disk("movie", str(p))
        for show in self.tv.iterdir():
            kodi.put_on_disk("tvshow", str(show))
            for p in sorted(show.rglob("*.mkv")):
                kodi.put_on_disk("episode", str(p))
        self.procs: list[Worker] = []

    def start_scans(self) -> None:
        with connection(self.db):
            store.enqueue(self.db, [JobSpec("scan.library", subject=f"library:{lib.id}", payload={"library_id": lib.id},
                                            library_id=lib.id) for lib in self.libs])

    def service(self, name: str) -> Worker:
        w = Worker(self.env, self.base / f"{name}.log", command="serve")
        self.procs.append(w)
        return w

    def counts(self) -> dict[str, int]:
        with connection(self.db):
            rows = self.db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE schedule IS NULL GROUP BY status").fetchall()
        return {s: n for s, n in rows}

    def running_types(self) -> list[str]:
        with connection(self.db):
            return sorted(t for (t,) in self.db.execute_sql("SELECT type FROM jobs WHERE status = 'running'").fetchall())

    def settled(self) -> bool:
        """Nothing left to do: no job pending or running, and Kodi has every item (its scans done)."""
        c = self.counts()
        if c.get("dead"):
            raise AssertionError(f"dead jobs: {self.dead()}")
        if c.get("pending") or c.get("running") or not c.get("succeeded"):
            return False
        return not self.missing_in_kodi()

    def on_last_try(self) -> bool:
        with connection(self.db):
            return self.db.execute_sql("SELECT 1 FROM jobs WHERE status = 'running' AND attempts >= max_attempts "
                                       "LIMIT 1").fetchone() is not None

    def dead(self) -> list:
        with connection(self.db):
            return self.db.execute_sql("SELECT id, type, subject, attempts, last_error FROM jobs "
                                       "WHERE status = 'dead'").fetchall()

    def missing_in_kodi(self) -> list[str]:
        kinds = {"movie": self.movies.rglob("*.mkv"), "episode": self.tv.rglob("*.mkv")}
        return [str(p) for kind, paths in kinds.items() for p in paths if self.kodi.find(kind, str(p)) is None]

    def published(self) -> dict[str, int]:
        with connection(self.db):
            return {"movies": Movie.select().where(Movie.state == "published").count(),
                    "series": Series.select().where(Series.state == "published").count(),
                    "episodes": Episode.select().count()}

    def close(self) -> None:
        stop_all(self.procs)
        self.db.close()


def settle(run: Run, w: Worker, timeout: float, what: str) -> None:
    try:
        wait_until(run.settled, timeout=timeout, what=what, workers=[w])
    except AssertionError as e:
        with connection(run.db):
            open_jobs = run.db.execute_sql("SELECT id, type, subject, status, attempts, last_error FROM jobs "
                                           "WHERE status IN ('pending', 'running') AND schedule IS NULL").fetchall()
        missing = run.missing_in_kodi()
        raise AssertionError(f"{e}\njobs {run.counts()}\nopen: {open_jobs[:20]}\nnot in Kodi ({len(missing)}): "
                             f"{missing[:5]}\n{w.output()[-3000:]}") from None


def run_undisturbed(run: Run) -> None:
    run.start_scans()
    w = run.service("serve-reference")
    w.wait_ready()
    settle(run, w, 90, "the undisturbed chain to settle")
    assert w.stop() == 0, w.output()[-3000:]


def run_with_kills(run: Run, rng: random.Random) -> list[dict]:
    run.start_scans()
    kills: list[dict] = []
    for k in range(KILLS):
        w = run.service(f"serve-{k}")
        if k == 2:
            time.sleep(rng.uniform(0.2, 1.0))    # once, while it starts (recovery runs then)
        else:
            w.wait_ready()
            before = run.counts().get("succeeded", 0)
            # every incarnation moves the chain on before it dies, so the kills spread over its phases
            wait_until(lambda b=before: run.counts().get("succeeded", 0) > b or run.settled(), timeout=60,
                       what="progress", workers=[w])
            time.sleep(rng.uniform(0.0, 2.0))
            # a job that lost its worker max_attempts times is dead by design (SPEC §4: a lost lease
            # counts as an attempt, so a job that crashes its worker cannot loop forever); a long
            # job may run through several incarnations, so spare it its last try
            wait_until(lambda: not run.on_last_try(), timeout=60, what="a job off its last try", workers=[w])
        kills.append({"incarnation": k, **run.counts(), "in_flight": run.running_types()})
        w.kill9()
    last = run.service("serve-final")
    last.wait_ready()
    settle(run, last, 240, "the chain to settle after the kills")
    assert last.stop() == 0, last.output()[-3000:]
    return kills


# ------------------------------------------------------------------ the test

@pytest.fixture
def second_db_url(db_url):
    """A database of its own for the disturbed run (SQLite file or PostgreSQL schema)."""
    if not PG_URL:
        yield db_url.replace("metarr.sqlite", "chaos.sqlite")
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={schema}"
    from urllib.parse import urlparse
    u = urlparse(PG_URL)
    admin = peewee.PostgresqlDatabase(u.path.lstrip("/"), host=u.hostname, port=u.port or 5432, user=u.username)
    with admin.connection_context():
        admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_kill9_through_the_whole_chain_changes_nothing_in_the_result(tmp_path, db_url, second_db_url):
    seed = int(os.environ.get("METARR_CHAOS_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    print(f"chaos seed {seed} (METARR_CHAOS_SEED={seed} repeats the kill schedule)")
    et = EmulatorThread(image_rps=100)
    emu = et.start()
    # OMDb's free tier (2 requests/s) would make this test minutes long; it adds nothing here
    emu_env = {k: v for k, v in emu.env().items() if k != "METARR_OMDB_API_KEY"}
    # a generous image host, so the ten kills spread over every phase, not mostly over downloads; at
    # most 10 + 60 in a second stays under its 100 even across restarts
    emu_env["METARR_PROVIDER_LIMITS"] = f"{urlsplit(emu.urls['images']).netloc}=60/10/6"
    runs: list[Run] = []
    try:
        with PlayerEmulators() as players:
            ref = Run(tmp_path / "reference", db_url, emu_env, players.kodi)
            runs.append(ref)
            t0 = time.monotonic()
            run_undisturbed(ref)
            ref_s = time.monotonic() - t0
            ref.db.close()

            chaos = Run(tmp_path / "chaos", second_db_url, emu_env, players.kodi2)
            runs.append(chaos)
            t0 = time.monotonic()
            kills = run_with_kills(chaos, rng)
            chaos_s = time.monotonic() - t0
            print(f"undisturbed {ref_s:.1f}s, with {len(kills)} kills {chaos_s:.1f}s")
            for k in kills:
                print("  kill", k)

            # the kills were real: most hit a service with jobs in flight, in more than one phase
            hit = [k for k in kills if k["in_flight"]]
            assert len(hit) >= KILLS // 2, kills
            assert len({t.split(".")[0] for k in hit for t in k["in_flight"]}) >= 2, kills

            # every item published, as in the undisturbed run
            assert chaos.published() == ref.published() == {"movies": 50, "series": 1, "episodes": 5}
            # ten restarts, and the image host never saw a request over its limit (a restarted process
            # starts without burst credit)
            assert emu.stats["images"].throttled == 0, emu.stats["images"].max_in_window()
            assert chaos.counts() == {"succeeded": chaos.counts()["succeeded"]}, "jobs not finished"
            with connection(chaos.db):
                recovered = chaos.db.execute_sql("SELECT COUNT(*) FROM job_events WHERE kind = 'recovered'").fetchone()[0]
            assert recovered > 0, "no job was ever taken back from a killed service"

            # byte-identical library files
            a, b = snapshot(ref.base / "library"), snapshot(chaos.base / "library")
            assert sorted(a) == sorted(b), (sorted(set(a) - set(b)), sorted(set(b) - set(a)))
            differ = [k for k in a if a[k] != b[k]]
            assert not differ, differ

            # no temp files anywhere, no cache file twice (the name is the content's hash)
            for root in (chaos.base / "library", chaos.data):
                assert not [p for p in root.rglob(".metarr-tmp-*")], "temp files left behind"
            cache = [p for p in (chaos.data / "cache" / "assets").rglob("*") if p.is_file()]
            shas = [_sha(p) for p in cache]
            assert len(shas) == len(set(shas)), "a cache file stored twice"
            assert all(p.stem == s for p, s in zip(cache, shas, strict=True)), "a cache file not named by its hash"

            # Kodi knows every movie and episode (it was told to scan them)
            assert chaos.missing_in_kodi() == []
            assert players.kodi2.rpc_calls("VideoLibrary.Scan")

            # the user's own files: in place, or in the recycle bin with the same bytes
            recycled = {_sha(p) for p in (chaos.data / "recycle").rglob("*") if p.is_file()}
            in_bin = []
            for rel, sha in chaos.user_files.items():
                p = chaos.base / "library" / rel
                if not (p.exists() and _sha(p) == sha):
                    assert sha in recycled, f"user file lost: {rel}"
                    in_bin.append(rel)
            # the hand-written NFOs were replaced by published ones: each is in the bin
            assert sorted(in_bin) == sorted(r for r in chaos.user_files if r.endswith(".nfo")), in_bin
    finally:
        for r in runs:
            r.close()
        et.stop()
