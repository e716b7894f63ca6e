"""PostgreSQL goes away under a `metarr serve` and a `metarr worker` (issue #28, item 1). The
report: outcomes that could not be written were lost, their jobs stayed "running" until a restart
or came back 41-86 s later "from a lost worker" while both processes were alive. Here every job
that finished during the outage keeps its outcome (none runs twice, none is taken back from a live
process), and once the server is back no job stays running past its lease."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from metarr.db.database import connection
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.conftest import PG_URL, free_port
from tests.integration.procs import Worker, stop_all, wait_until

from .tools import PgRelay

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180),
              pytest.mark.skipif(not PG_URL, reason="a serve and a worker share PostgreSQL")]

LEASE = 4.0
CHAINS, DEPTH, SLEEP = 8, 3, 2.0    # test.append: 2 at a time per process, so 4 run when the server goes


def _q(db, sql: str, params=()):
    with connection(db):
        return db.execute_sql(sql, params).fetchall()


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_outcomes_survive_a_postgresql_outage_under_serve_and_worker(services, env, db_url, tmp_path):
    db = services.db   # the test's own connection, not through the relay
    relay = PgRelay(db_url)
    port = free_port()
    penv = dict(env, METARR_DATABASE_URL=relay.url(db_url), METARR_LEASE_SECONDS=str(LEASE),
                METARR_PORT=str(port), METARR_HOST="127.0.0.1", METARR_LOG_LEVEL="INFO")
    effects = tmp_path / "effects.txt"
    procs = [Worker(penv, tmp_path / "serve.log", command="serve"), Worker(penv, tmp_path / "worker.log")]
    try:
        for p in procs:
            p.wait_ready()
        store.enqueue(db, [JobSpec("test.append", subject=f"c{i}:0",
                                   payload={"chain": f"c{i}", "step": 0, "depth": DEPTH, "file": str(effects),
                                            "sleep": SLEEP}) for i in range(CHAINS)])
        # both processes run jobs, and their handlers are at work (each wrote its effect, then sleeps)
        wait_until(lambda: effects.exists() and len(effects.read_text().split()) == 4 and
                   len(_q(db, "SELECT DISTINCT worker_id FROM jobs WHERE status = 'running'")) == 2,
                   timeout=30, interval=0.02, what="four jobs at work in two processes", workers=procs)
        relay.down()
        t0 = time.monotonic()
        wait_until(lambda: _health(port) == 503, timeout=15, what="health to say the database is gone", workers=procs)
        time.sleep(max(0.0, 2.5 * LEASE - (time.monotonic() - t0)))   # well past every lease
        relay.up()
        back = time.time()
        late: list[tuple] = []

        def finished():
            now = time.time()
            if now > back + 3.0:   # each ledger tries a write every two seconds at most
                late.extend(_q(db, "SELECT id, subject, worker_id FROM jobs WHERE status = 'running' "
                                   "AND lease_until < %s", (now,)))
            return store.stats(db, now).succeeded >= CHAINS * DEPTH
        wait_until(finished, timeout=LEASE + 40, what="every chain", workers=procs)
        assert not late, f"jobs running past their lease after the database came back: {late[:5]}"
        assert _health(port) == 200
        for p in procs:
            assert p.stop() == 0, p.output()[-3000:]
    finally:
        stop_all(procs)
        relay.close()

    rows = _q(db, "SELECT subject, status, attempts FROM jobs WHERE type = 'test.append'")
    assert sorted(rows) == sorted((f"c{i}:{k}", "succeeded", 1) for i in range(CHAINS) for k in range(DEPTH)), \
        "an outcome was lost (its job ran again) or a job did not finish"
    assert sorted(Path(effects).read_text().split()) == sorted(f"c{i}:{k}" for i in range(CHAINS) for k in range(DEPTH))
    taken = _q(db, "SELECT job_id, message FROM job_events WHERE kind IN ('recovered', 'dead')")
    assert taken == [], f"jobs taken back from live processes: {taken}"
