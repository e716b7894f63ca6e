"""The job ledger when the database cannot be written for a while (issue #28, item 1): jobs that
finish meanwhile keep their outcome and it is written when the database is back (no job runs
twice, none stays "running"), and no job is left running past its lease once writes work again.
One process here; `test_serve_worker_outage.py` has a serve and a worker. SQLite: its disk fills
up; PostgreSQL: the server goes away for this test's connections."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from actors.system import ActorSystem, open_services
from metarr.config import load_config
from metarr.db.database import close_database, connection
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(120)

LEASE = 4.0
CHAINS, DEPTH, SLEEP = 4, 2, 1.5     # test.append runs 2 at a time: 2 jobs run when the outage begins


def _rows(db, sql: str, params=()):
    with connection(db):
        return db.execute_sql(sql.replace("%s", "?") if store.is_sqlite(db) else sql, params).fetchall()


def test_outcomes_wait_for_the_database_and_no_job_outlives_its_lease(db_outage, env, tmp_path):
    env["METARR_LEASE_SECONDS"] = str(LEASE)
    s = open_services(load_config(env))
    system = ActorSystem(s)
    system.start()
    effects = tmp_path / "effects.txt"
    try:
        ledger = s.actor("ledger")
        ledger.enqueue([JobSpec("test.append", subject=f"c{i}:0",
                                payload={"chain": f"c{i}", "step": 0, "depth": DEPTH, "file": str(effects),
                                         "sleep": SLEEP}) for i in range(CHAINS)]).get(timeout=10)
        # two handlers are at work (each wrote its effect, then sleeps)
        wait_for(lambda: effects.exists() and len(effects.read_text().split()) == 2, timeout=10)

        db_outage.begin()
        t0 = time.monotonic()
        # the ledger finds out at its next write (a lease renewal, an outcome) and says why
        wait_for(lambda: [p for p in s.health.problems() if p.key == "database"], timeout=15)
        # the two jobs finish meanwhile; the database stays away well past their leases
        time.sleep(max(0.0, 2.5 * LEASE - (time.monotonic() - t0)))
        assert ledger.status().get(timeout=5)["outcomes_waiting"] == 2
        db_outage.end()
        back = time.time()

        late: list[tuple] = []

        def finished():
            now = time.time()
            if now > back + 3.0:   # the ledger tries a write every two seconds at most
                late.extend(_rows(s.db, "SELECT id, subject, lease_until FROM jobs WHERE status = 'running' "
                                        "AND lease_until < %s", (now,)))
            return store.stats(s.db, now).succeeded == CHAINS * DEPTH
        wait_for(finished, timeout=LEASE + 20, interval=0.1)
        assert not late, f"jobs running past their lease after the database came back: {late}"
        assert not s.health.problems()
    finally:
        system.stop()
        close_database(s.db)

    rows = _rows(s.db, "SELECT subject, status, attempts FROM jobs WHERE type = 'test.append'")
    assert sorted(rows) == sorted((f"c{i}:{k}", "succeeded", 1) for i in range(CHAINS) for k in range(DEPTH)), \
        "an outcome was lost (its job ran again) or a job did not finish"
    assert sorted(Path(effects).read_text().split()) == sorted(f"c{i}:{k}" for i in range(CHAINS) for k in range(DEPTH))
    assert _rows(s.db, "SELECT job_id, message FROM job_events WHERE kind = 'recovered'") == []
