"""Scale-out on PostgreSQL (issue 2): two `metarr worker` processes drain one ledger and never run the
same job, at once or at all twice (claims are `FOR UPDATE SKIP LOCKED` + a status-checked UPDATE)."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.conftest import PG_URL

from .procs import Worker, stop_all, wait_until

JOBS = 500
SLEEP = 0.01
TYPE = "test.record"

pytestmark = [pytest.mark.timeout(150),
              pytest.mark.skipif(not PG_URL, reason="scale-out needs PostgreSQL (METARR_TEST_DATABASE_URL)")]


def _counts(db) -> dict[str, int]:
    rows = db.execute_sql("SELECT status, COUNT(*) FROM jobs WHERE type = %s GROUP BY status", (TYPE,)).fetchall()
    return {status: n for status, n in rows}


def test_two_workers_never_run_the_same_job(services, env, tmp_path):
    db = services.db
    assert not store.is_sqlite(db)
    records = tmp_path / "records.txt"
    workers: list[Worker] = []
    try:
        for k in range(2):
            # own data dir (logs, api key) per process; one database. Started one after the other:
            # two processes starting at the same instant on a fresh database race in
            # metarr.schedules.seed (SELECT then INSERT; the loser dies on schedules_name).
            workers.append(Worker(dict(env, METARR_DATA_DIR=str(tmp_path / f"data-{k}")), tmp_path / f"worker-{k}.log"))
            workers[-1].wait_ready()
        ids = [jid for jid, _ in store.enqueue(db, [JobSpec(TYPE, subject=f"r{i}",
                                                            payload={"file": str(records), "sleep": SLEEP})
                                                    for i in range(JOBS)])]
        wait_until(lambda: _counts(db) == {"succeeded": JOBS}, timeout=90, what=f"{JOBS} succeeded jobs",
                   workers=workers)
        for w in workers:
            assert w.stop() == 0, w.output()[-3000:]
    finally:
        stop_all(workers)

    runs: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for line in Path(records).read_text().splitlines():
        jid, pid, t0, t1 = line.split()
        runs[int(jid)].append((int(pid), float(t0), float(t1)))
    assert set(runs) == set(ids), "a job did not run"
    # no two runs of one job overlap in time (checked before the stricter "ran once", for a clear message)
    for jid, rs in runs.items():
        rs.sort(key=lambda r: r[1])
        for a, b in zip(rs, rs[1:], strict=False):
            assert b[1] >= a[2], f"job {jid} ran concurrently: {a} and {b}"
    twice = {jid: rs for jid, rs in runs.items() if len(rs) > 1}
    assert not twice, f"jobs ran more than once: {twice}"
    # both processes did a fair part of the work, and worked at the same time
    per_pid = Counter(rs[0][0] for rs in runs.values())
    print("jobs per worker pid:", dict(per_pid))
    assert set(per_pid) == {w.pid for w in workers}, per_pid
    assert min(per_pid.values()) >= JOBS // 10, per_pid
    spans = {pid: (min(r[1] for rs in runs.values() for r in rs if r[0] == pid),
                   max(r[2] for rs in runs.values() for r in rs if r[0] == pid)) for pid in per_pid}
    (a0, a1), (b0, b1) = spans.values()
    assert max(a0, b0) < min(a1, b1), f"the workers did not overlap in time: {spans}"
    # the ledger agrees: every job claimed once, by one of the two workers
    rows = db.execute_sql("SELECT attempts, worker_id FROM jobs WHERE type = %s", (TYPE,)).fetchall()
    assert all(attempts == 1 for attempts, _ in rows)
    assert {int(wid.split(":")[1]) for _, wid in rows} == set(per_pid)


def test_concurrent_enqueues_of_one_key_make_one_job(services, db_url):
    """Producers on two connections enqueue the same 200 keys at once: one active job per key, and
    both producers get that job's id (INSERT … ON CONFLICT on the partial unique index)."""
    import threading

    from metarr.db.database import open_database

    dbs = [services.db, open_database(db_url)]  # the fixture migrated the schema
    specs = [JobSpec("test.noop", subject=f"k{i}") for i in range(200)]
    results: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def produce(n: int) -> None:
        db = dbs[n]
        db.connect(reuse_if_open=True)
        barrier.wait()
        for spec in specs if n == 0 else reversed(specs):   # opposite orders: maximal contention
            results[n].append(store.enqueue(db, [spec])[0][0])
        db.close()

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results[0] == list(reversed(results[1]))
    services.db.connect(reuse_if_open=True)
    rows = services.db.execute_sql("SELECT idem_key, COUNT(*) FROM jobs GROUP BY idem_key").fetchall()
    assert len(rows) == 200 and all(n == 1 for _, n in rows)
