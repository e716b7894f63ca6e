"""Crash safety for real (SPEC §4, issue 2): a `metarr worker` subprocess runs chained jobs whose effect
is observable, is SIGKILLed at random moments several times and restarted, and in the end every chain
has completed, no job is lost, and every job's success was recorded once. Runs on SQLite, and on
PostgreSQL when METARR_TEST_DATABASE_URL is set (the `db_url` fixture gives a fresh schema)."""
from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from metarr.jobs import store
from metarr.jobs.model import JobSpec

from .procs import Worker, stop_all, wait_until

CHAINS, DEPTH = 60, 5       # 300 jobs, 60 chains of 5 links
SLEEP = 0.04                # per job: with 2 workers the whole drain is ~6 s of handler time
KILLS = 6
TYPE = "test.append"

pytestmark = pytest.mark.timeout(150)


def _counts(db) -> dict[str, int]:
    rows = db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE type = ? GROUP BY status"
                          if store.is_sqlite(db) else
                          "SELECT status, COUNT(*) FROM jobs WHERE type = %s GROUP BY status", (TYPE,)).fetchall()
    return {status: n for status, n in rows}


def _q(db, sql: str, params=()):
    return db.execute_sql(sql.replace("%s", "?") if store.is_sqlite(db) else sql, params).fetchall()


def test_kill9_at_random_moments_loses_no_job_and_no_chain_link(services, env, tmp_path):
    db = services.db  # the test process migrated the database; workers find it up to date
    effects = tmp_path / "effects.txt"
    seed = int(os.environ.get("METARR_CRASH_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    print(f"crash test seed {seed} (METARR_CRASH_SEED={seed} repeats the kill schedule)")
    wenv = dict(env, METARR_LEASE_SECONDS="2", METARR_LOG_LEVEL="INFO")
    store.enqueue(db, [JobSpec(TYPE, subject=f"c{i}:0",
                               payload={"chain": f"c{i}", "step": 0, "depth": DEPTH, "file": str(effects),
                                        "sleep": SLEEP})
                       for i in range(CHAINS)])
    total = CHAINS * DEPTH
    workers: list[Worker] = []
    kills: list[dict] = []
    try:
        for k in range(KILLS):
            w = Worker(wenv, tmp_path / f"worker-{k}.log")
            workers.append(w)
            if k == 1:
                # once, kill it while it starts (recovery and the first claims run then)
                time.sleep(rng.uniform(0.3, 1.2))
            else:
                w.wait_ready()
                before = _counts(db).get("succeeded", 0)
                # let it make progress, so every incarnation moves the chains on, then kill mid-flight
                wait_until(lambda b=before: _counts(db).get("succeeded", 0) > b or _counts(db).get("pending", 0) == 0,
                           timeout=30, what="progress", workers=[w])
                time.sleep(rng.uniform(0.0, 0.6))
            c = _counts(db)
            w.kill9()
            kills.append({"incarnation": k, **c})
        assert len(kills) >= 5
        # at least most of the kills hit a worker that held running jobs (mid-chain)
        assert sum(1 for c in kills if c.get("running", 0) > 0) >= KILLS - 2, kills
        assert kills[-1].get("succeeded", 0) < total, "the chains finished before the last kill; slow them down"

        last = Worker(wenv, tmp_path / "worker-final.log")
        workers.append(last)

        def drained():
            c = _counts(db)
            if c.get("dead") or c.get("cancelled"):
                raise AssertionError(f"jobs died: {c}\n{_q(db, 'SELECT id, subject, attempts, last_error FROM jobs WHERE status = %s', ('dead',))}")
            return c.get("succeeded", 0) == total and not c.get("pending") and not c.get("running")
        wait_until(drained, timeout=60, what=f"{total} succeeded jobs", workers=[last])
        assert last.stop() == 0, last.output()[-3000:]
    finally:
        stop_all(workers)
    print("kills:", kills)

    # no job lost: exactly chains × depth jobs, all succeeded, nothing pending/running/dead
    assert _counts(db) == {"succeeded": total}
    rows = _q(db, "SELECT id, subject, parent_id, attempts FROM jobs WHERE type = %s", (TYPE,))
    # each job's success recorded once: one succeeded row per (type, subject)
    by_subject = {}
    for jid, subject, parent, attempts in rows:
        assert subject not in by_subject, f"{subject} succeeded twice"
        by_subject[subject] = (jid, parent, attempts)
    assert set(by_subject) == {f"c{i}:{s}" for i in range(CHAINS) for s in range(DEPTH)}
    # the chains' parent links are intact: link s was created by the completion of link s-1
    for i in range(CHAINS):
        assert by_subject[f"c{i}:0"][1] is None
        for s in range(1, DEPTH):
            assert by_subject[f"c{i}:{s}"][1] == by_subject[f"c{i}:{s - 1}"][0], f"c{i}:{s}"
    # every effect happened exactly once, and in chain order
    lines = Path(effects).read_text().split()
    assert sorted(lines) == sorted(by_subject), "effects missing or duplicated"
    pos = {key: n for n, key in enumerate(lines)}
    assert all(pos[f"c{i}:{s - 1}"] < pos[f"c{i}:{s}"] for i in range(CHAINS) for s in range(1, DEPTH))
    # the kills were real: jobs were taken back from dead workers and run again
    recovered = _q(db, "SELECT COUNT(*) FROM job_events WHERE kind = %s", ("recovered",))[0][0]
    assert recovered > 0
    assert any(a > 1 for _, _, a in by_subject.values())
