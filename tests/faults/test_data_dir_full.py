"""The data dir fills up in the middle of the chain (issue #28, item 2): a real `metarr serve` with
its data dir (cache, logs and, on SQLite, the database) on a small tmpfs, against the provider
emulators. While the disk is full, health answers 503 with the reason and the dashboard says so;
once space is back the chain finishes by itself, in the same process, and the library is the one
an undisturbed run writes; app.log has no cut-off line. The report: the ledger crashed, the
queue stayed frozen after space came back, health said ok all along."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import API_KEY, PG_URL, free_port
from tests.integration.procs import Worker, stop_all, wait_until
from web.demo.emulation import EmulatorThread, data
from web.demo.media import make_clip, make_image

from .tools import Tmpfs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

REAL = {10331: "Night of the Living Dead (1968)", 961: "The General (1926)", 653: "Nosferatu (1922)",
        19: "Metropolis (1927)"}
SYNTHETIC = 8
DATEADDED = re.compile(rb"<dateadded>[^<]*</dateadded>")


def build_library(root: Path) -> None:
    films = list(REAL.values())
    for i in range(SYNTHETIC):
        m = data.synthetic_movie(i)
        films.append(f"{m['title']} ({m['release_date'][:4]}) {{tmdb-{data.SYNTHETIC_BASE + i}}}")
    for n, name in enumerate(films):
        make_clip(root / name / f"{name}.mkv")
        if n % 4 == 0:
            make_image(root / name / "poster.jpg", 300, 450, color=(20 + n, 90, 140), pattern=n)


def snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            body = p.read_bytes()
            out[str(p.relative_to(root))] = DATEADDED.sub(b"<dateadded/>", body) if p.suffix == ".nfo" else body
    return out


class Service:
    """`metarr serve` with its data dir on a tmpfs of its own, and a movie library."""

    def __init__(self, base: Path, db_url: str | None, emu_env: dict[str, str]) -> None:
        self.base = base
        self.disk = Tmpfs("data", "64m").mount()
        self.library = base / "library"
        build_library(self.library)
        self.sqlite = None if db_url else self.disk.mnt / "metarr.sqlite"
        self.port = free_port()
        self.env = {**emu_env, "METARR_DATA_DIR": str(self.disk.mnt),
                    "METARR_DATABASE_URL": db_url or f"sqlite:///{self.sqlite}",
                    "METARR_API_KEY": API_KEY, "METARR_PORT": str(self.port), "METARR_HOST": "127.0.0.1",
                    "METARR_LEASE_SECONDS": "4", "METARR_LOG_LEVEL": "INFO",
                    "METARR_ALLOW_HOSTS": "127.0.0.1,localhost"}
        self.proc = Worker(self.env, base / "serve.log", command="serve")

    def call(self, method: str, path: str, body=None, key: bool = True):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"X-Api-Key": API_KEY} if key else {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, raw, dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path: str):
        status, raw, _ = self.call("GET", path)
        assert status == 200, (path, status, raw[:300])
        return json.loads(raw)["data"]

    def start_chain(self) -> None:
        self.proc.wait_ready()
        status, raw, _ = self.call("POST", "/api/v1/libraries", {"name": "Movies", "kind": "movie",
                                                                   "path": str(self.library), "watch": False,
                                                                   "auto_publish": True, "auto_sync": False})
        assert status == 201, raw
        lib = json.loads(raw)["data"]["id"]
        assert self.call("POST", f"/api/v1/libraries/{lib}/scan")[0] == 202

    def finished(self) -> bool:
        st = self.get("/api/v1/jobs/stats")
        if st["dead"]:
            dead = self.get("/api/v1/jobs?status=dead")
            raise AssertionError(f"dead jobs: {[(j['type'], j['subject']) for j in dead]}")
        return st["succeeded"] > 0 and st["due"] == st["running"] == st["retrying"] == 0

    def close(self) -> None:
        stop_all([self.proc])
        self.disk.unmount()


@pytest.fixture
def emu_env():
    et = EmulatorThread(image_rps=100)
    emu = et.start()
    env = {k: v for k, v in emu.env().items() if k != "METARR_OMDB_API_KEY"}   # OMDb's 2/s adds nothing here
    env["METARR_PROVIDER_LIMITS"] = f"{urlsplit(emu.urls['images']).netloc}=20/5/4"
    yield env
    et.stop()


FULL_WORDS = ("No space left on device", "the database is full")


def test_a_full_data_dir_mid_chain_is_reported_and_heals_without_a_restart(tmp_path, emu_env, pg_schemas):
    ref = Service(tmp_path / "reference", pg_schemas() if PG_URL else None, emu_env)
    try:
        ref.start_chain()
        wait_until(ref.finished, timeout=120, what="the undisturbed chain", workers=[ref.proc])
        expected = snapshot(ref.library)
    finally:
        ref.close()
    assert any(p.endswith(".nfo") for p in expected) and any(p.endswith("-fanart.jpg") for p in expected)

    run = Service(tmp_path / "full", pg_schemas() if PG_URL else None, emu_env)
    try:
        pid = run.proc.pid
        run.start_chain()
        # mid-chain: the scan is done, enrichment, caching and publishing have begun, not finished
        wait_until(lambda: run.get("/api/v1/jobs/stats")["succeeded"] >= 4, timeout=60, what="the chain under way",
                   interval=0.05, workers=[run.proc])
        run.disk.fill(run.sqlite)
        assert not run.finished(), "the chain finished before the disk filled; give it more to do"

        def unhealthy():
            status, raw, headers = run.call("GET", "/api/v1/health", key=False)
            return (status, json.loads(raw), headers) if status != 200 else None
        status, body, headers = wait_until(unhealthy, timeout=15, what="health to report the full disk",
                                           workers=[run.proc])
        # in words, whoever noticed first: the health probe's write ("No space left on device") or
        # the ledger's failed commit ("The disk holding the data directory or the database is full")
        assert status == 503 and any(w in body["error"]["message"] for w in FULL_WORDS), body
        assert "Retry-After" in headers
        page = run.call("GET", "/")
        assert page[0] == 200 and b"Metarr cannot work right now" in page[1] \
            and any(w.encode() in page[1] for w in FULL_WORDS)
        time.sleep(8)   # two leases: the jobs meet the full disk, the ledger cannot write
        assert run.call("GET", "/api/v1/health", key=False)[0] == 503
        run.disk.free()

        wait_until(lambda: run.call("GET", "/api/v1/health", key=False)[0] == 200, timeout=20,
                   what="health to recover by itself", workers=[run.proc])
        wait_until(run.finished, timeout=150, what="the chain to finish after space came back", workers=[run.proc])
        assert run.proc.pid == pid and run.proc.proc.poll() is None, "the service was restarted"
        got = snapshot(run.library)
        assert sorted(got) == sorted(expected)
        assert [p for p in expected if got[p] != expected[p]] == []
        log = (run.disk.mnt / "logs" / "app.log").read_text()
        assert log.endswith("\n")
        for line in log.splitlines():
            json.loads(line)   # no cut-off line
    finally:
        run.close()
