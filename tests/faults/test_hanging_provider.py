"""A provider that hangs (issue #28, item 4): Fanart.tv accepts connections and never answers
while a real `metarr serve` enriches a library against the emulators. Once its circuit is open, no
enrichment job holds its slot longer than one Fanart.tv timeout (calls fail at once, also those
that were queued for a connection); the items enriched meanwhile are shown as missing Fanart.tv
in the attention panel and status; when Fanart.tv answers again, the half-open probe closes the
circuit by itself and those items are enriched, cached and published again: the library ends
byte-equal to an undisturbed run's. Before: the hang held every slot for minutes, the art was
silently missing, and the circuit stayed open with nothing filled in."""
from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import API_KEY, PG_URL, free_port
from tests.integration.procs import Worker, stop_all, wait_until
from web.demo.emulation import EmulatorThread, Faults

from .test_data_dir_full import build_library, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

TIMEOUT = 2.0     # Fanart.tv's answer may take this long (METARR_PROVIDER_TIMEOUTS)
SLACK = 1.5       # scheduling, the job's own database work


def epoch(iso: str | None) -> float | None:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() if iso else None


class Serve:
    """`metarr serve` with a data dir and a movie library of its own."""

    def __init__(self, base: Path, db_url: str | None, emu_env: dict[str, str]) -> None:
        self.library = base / "library"
        build_library(self.library)
        self.port = free_port()
        env = {**emu_env, "METARR_DATA_DIR": str(base / "data"), "METARR_API_KEY": API_KEY,
               "METARR_DATABASE_URL": db_url or f"sqlite:///{base / 'data' / 'metarr.sqlite'}",
               "METARR_PORT": str(self.port), "METARR_HOST": "127.0.0.1", "METARR_LOG_LEVEL": "INFO"}
        (base / "data").mkdir(parents=True)
        self.proc = Worker(env, base / "serve.log", command="serve")

    def call(self, method: str, path: str, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "X-Api-Key": API_KEY})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def get(self, path: str):
        status, raw = self.call("GET", path)
        assert status == 200, (path, status, raw[:300])
        return json.loads(raw)["data"]

    def start_chain(self) -> None:
        self.proc.wait_ready()
        status, raw = self.call("POST", "/api/v1/libraries", {"name": "Movies", "kind": "movie", "watch": False,
                                                               "path": str(self.library), "auto_publish": True})
        assert status == 201, raw
        assert self.call("POST", f"/api/v1/libraries/{json.loads(raw)['data']['id']}/scan")[0] == 202

    def finished(self) -> bool:
        st = self.get("/api/v1/jobs/stats")
        assert not st["dead"], self.get("/api/v1/jobs?status=dead")
        return st["succeeded"] > 0 and st["due"] == st["running"] == st["retrying"] == 0

    def fanart(self) -> dict:
        return self.get("/api/v1/status")["components"]["gateway"]

    def close(self) -> None:
        stop_all([self.proc])


@pytest.fixture
def emulated():
    faults = Faults()
    et = EmulatorThread(image_rps=100, faults=faults)
    emu = et.start()
    env = {k: v for k, v in emu.env().items() if k != "METARR_OMDB_API_KEY"}
    env.update(METARR_PROVIDER_LIMITS=f"{urlsplit(emu.urls['images']).netloc}=20/5/4",
               METARR_PROVIDER_TIMEOUTS=f"fanart={TIMEOUT:g}", METARR_PROVIDER_COOLDOWN="3")
    yield faults, env
    faults.hang.clear()
    et.stop()


def test_a_hanging_provider_holds_no_slot_once_its_circuit_is_open_and_is_filled_in_after(tmp_path, emulated,
                                                                                          pg_schemas):
    faults, env = emulated
    ref = Serve(tmp_path / "reference", pg_schemas() if PG_URL else None, env)
    try:
        ref.start_chain()
        wait_until(ref.finished, timeout=120, what="the undisturbed chain", workers=[ref.proc])
        expected = snapshot(ref.library)
    finally:
        ref.close()
    assert any(p.endswith("-clearlogo.png") for p in expected), "Fanart.tv's own art is part of the library"

    run = Serve(tmp_path / "hanging", pg_schemas() if PG_URL else None, env)
    try:
        faults.hang.add("fanart")
        run.start_chain()
        wait_until(lambda: run.fanart()["providers"]["fanart"]["state"] == "circuit_open", timeout=90,
                   interval=0.1, what="Fanart.tv's circuit to open", workers=[run.proc])
        opened = time.time()
        wait_until(run.finished, timeout=120, what="the chain without Fanart.tv", workers=[run.proc])
        enrich = run.get("/api/v1/jobs?type=enrich.movie&limit=100")
        late = []
        for j in enrich:
            start, end = epoch(j["started_at"]), epoch(j["finished_at"])
            if end is not None and end > opened:
                held = end - max(start, opened)
                if held > TIMEOUT + SLACK:
                    late.append((j["subject"], round(held, 1)))
        assert late == [], f"enrichment jobs held their slot after the circuit opened: {late}"
        # the items enriched without it are named: attention panel and status
        missing = run.fanart().get("missing", {}).get("fanart", 0)
        assert missing >= 1
        status, page = run.call("GET", "/")
        assert status == 200 and b"data-provider-gaps" in page and b"Fanart.tv</b> could not be asked" in page
        assert snapshot(run.library) != expected   # published without Fanart.tv's art meanwhile

        faults.hang.discard("fanart")   # Fanart.tv answers again
        fixed = time.monotonic()

        def healed():
            return run.finished() and not run.fanart().get("missing") and snapshot(run.library) == expected
        wait_until(healed, timeout=120, interval=0.5, what="Fanart.tv's art to be filled in", workers=[run.proc])
        took = time.monotonic() - fixed
        assert run.fanart()["providers"]["fanart"]["state"] == "ok"
        status, page = run.call("GET", "/")
        assert b"data-provider-gaps" not in page
        print(f"healed {took:.1f} s after Fanart.tv answered again; {missing} item(s) filled in")
    finally:
        faults.hang.clear()
        run.close()
