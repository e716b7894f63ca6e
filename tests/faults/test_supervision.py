"""Supervision (issue #28, item 2): an actor that dies of an environmental error (disk full,
database gone) is started again, and a restarted job ledger carries on with the same workers, the
jobs they run and the outcomes it held. The disk-full report: a producer's told enqueue met a full
disk, pykka stopped the ledger, and the queue stayed frozen until a restart."""
from __future__ import annotations

import errno
import time
from pathlib import Path

import pytest

from actors.supervisor import BUG_RESTARTS, PAUSE_MOST, restart_pause
from actors.system import ActorSystem, open_services
from metarr.config import load_config
from metarr.db.database import close_database, connection
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(120)


def test_restart_pauses():
    full = OSError(errno.ENOSPC, "No space left on device")
    pauses = [restart_pause(full, [100.0] * n, 100.0) for n in range(12)]
    assert pauses[0] > 0 and pauses == sorted(pauses) and pauses[-1] == PAUSE_MOST   # for as long as it lasts
    bug = KeyError("payload")
    assert restart_pause(bug, [], 100.0) is not None
    assert restart_pause(bug, [99.0] * BUG_RESTARTS, 100.0) is None      # a bug that keeps killing it: left down
    assert restart_pause(bug, [0.0] * BUG_RESTARTS, 100.0) is not None   # ... but not for old crashes


def test_a_ledger_killed_by_a_full_disk_is_restarted_and_carries_on(db_outage, env, tmp_path):
    env["METARR_LEASE_SECONDS"] = "4"
    s = open_services(load_config(env))
    system = ActorSystem(s)
    system.start()
    effects = tmp_path / "effects.txt"
    try:
        first = s.actor("ledger")
        first.enqueue([JobSpec("test.append", subject=f"c{i}:0",
                               payload={"chain": f"c{i}", "step": 0, "depth": 2, "file": str(effects), "sleep": 1.5})
                       for i in range(2)]).get(timeout=10)
        wait_for(lambda: effects.exists() and len(effects.read_text().split()) == 2, timeout=10)
        db_outage.begin()
        # what the watcher did: an enqueue told, not asked; it raises on the full disk and pykka stops the ledger
        first.enqueue.defer([JobSpec("test.noop", subject="told")])
        wait_for(lambda: not first.actor_ref.is_alive(), timeout=30)
        # the supervisor starts another, which finds the database still refusing writes and says so
        wait_for(lambda: s.actor("ledger").actor_ref.is_alive() and s.actor("ledger") is not first, timeout=15)
        wait_for(lambda: [p for p in s.health.problems() if p.key == "database"], timeout=15)
        s.actor("ledger").submit.defer([JobSpec("test.noop", subject="kept")])   # kept until writes work
        time.sleep(3)
        db_outage.end()
        wait_for(lambda: store.stats(s.db, time.time()).succeeded >= 5, timeout=30)
        assert not s.health.problems()
    finally:
        system.stop()
        close_database(s.db)
    with connection(s.db):
        rows = s.db.execute_sql("SELECT subject, status, attempts FROM jobs WHERE type IN ('test.append', 'test.noop')"
                                ).fetchall()
    # the jobs the dead ledger had handed out finished in the same workers, their outcomes written
    # by the new ledger (no second run); the enqueue told while the disk was full is kept and done
    assert sorted(rows) == [("c0:0", "succeeded", 1), ("c0:1", "succeeded", 1), ("c1:0", "succeeded", 1),
                            ("c1:1", "succeeded", 1), ("kept", "succeeded", 1)]
    assert sorted(Path(effects).read_text().split()) == ["c0:0", "c0:1", "c1:0", "c1:1"]
