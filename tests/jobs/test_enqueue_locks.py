"""Two transactions enqueueing overlapping keys at once both finish (PostgreSQL, where writers run in
parallel): a batch once took its keys' locks in the specs' order, so two batches of the same keys in
opposite orders (the service and a `metarr` command, or two jobs) each held a key the other waited
for, and PostgreSQL aborted one with "deadlock detected"."""
from __future__ import annotations

import threading
import time

import pytest

from metarr.db.database import open_database, write_tx
from metarr.jobs import store
from metarr.jobs.model import JobResult, JobSpec, Outcome
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (SQLite serialises its writers)")


def _run(*targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrap(fn):
        def go():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - reported by the test
                errors.append(e)
        return go
    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an enqueue never finished"
    return errors


def _waiting_on_a_lock(admin, pid: int) -> bool:
    return admin.execute_sql("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                             (pid,)).fetchone()[0] is True


def _specs(subjects, **kw) -> list[JobSpec]:
    return [JobSpec("enrich.movie", s, **kw) for s in subjects]


def _a_then_b_then_a(db_url, first, batch, second) -> dict[str, list]:
    """A enqueues `first` and holds it; B enqueues `batch` until it waits on A; then A enqueues
    `second`. Each of A and B in one transaction; returns what each enqueue answered."""
    a_db, b_db, admin = open_database(db_url), open_database(db_url), open_database(db_url)
    now = time.time()
    a_holds, b_pid = threading.Event(), []
    got: dict[str, list] = {}

    def a():
        with write_tx(a_db):
            got["a1"] = store.enqueue_in_tx(a_db, first, now)
            a_holds.set()
            deadline = time.monotonic() + 20
            while not (b_pid and _waiting_on_a_lock(admin, b_pid[0])):   # B is stuck behind A
                assert time.monotonic() < deadline, "B never waited on A"
                time.sleep(0.01)
            got["a2"] = store.enqueue_in_tx(a_db, second, now)

    def b():
        a_holds.wait(20)
        with write_tx(b_db):
            b_pid.append(b_db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            got["b"] = store.enqueue_in_tx(b_db, batch, now)

    try:
        assert _run(a, b) == []
    finally:
        for d in (a_db, b_db, admin):
            d.close()
    return got


def test_a_batch_waiting_on_one_key_holds_none_after_it(services, db_url):
    """A holds k1; B's batch [k2, k1] must not take k2 before waiting on k1, or A's k2 waits on B."""
    got = _a_then_b_then_a(db_url, _specs(["k1"]), _specs(["k2", "k1"]), _specs(["k2"]))
    (k1, c1), = got["a1"]
    (k2, c2), = got["a2"]
    # A made both; B, run after it, got A's jobs as duplicates, in its own specs' order
    assert (c1, c2) == (True, True) and got["b"] == [(k2, False), (k1, False)]
    rows = services.db.execute_sql("SELECT subject, COUNT(*) FROM jobs GROUP BY subject ORDER BY subject").fetchall()
    assert rows == [("k1", 1), ("k2", 1)]


def test_a_batch_raising_jobs_waits_on_one_holding_none_after_it(services, db_url, monkeypatch):
    """Duplicates that raise existing jobs lock their rows: B's batch [y, x] has looked its keys up
    when A raises x; B must not lock y and then wait on x, or A's raise of y waits on B."""
    (x, _), (y, _) = store.enqueue(services.db, _specs(["x", "y"], priority=5))
    # x's row now lies after y's (as any update of it moves it): a scan of the table meets y first
    services.db.execute_sql("UPDATE jobs SET progress_message = 'moved' WHERE id = %s", (x,))
    a_db, b_db, admin = open_database(db_url), open_database(db_url), open_database(db_url)
    b_looked, a_raised_x, b_pid = threading.Event(), threading.Event(), []
    real = store._active_by_keys

    def b_pauses_after_its_lookup(d, keys):
        found = real(d, keys)
        if d is b_db:
            b_looked.set()
            a_raised_x.wait(20)
        return found
    monkeypatch.setattr(store, "_active_by_keys", b_pauses_after_its_lookup)
    now = time.time()
    got: dict[str, list] = {}

    def a():
        b_looked.wait(20)
        with write_tx(a_db):
            got["a1"] = store.enqueue_in_tx(a_db, _specs(["x"], priority=4), now)
            a_raised_x.set()
            deadline = time.monotonic() + 20
            while not (b_pid and _waiting_on_a_lock(admin, b_pid[0])):   # B is stuck behind A's x
                assert time.monotonic() < deadline, "B never waited on A"
                time.sleep(0.01)
            got["a2"] = store.enqueue_in_tx(a_db, _specs(["y"], priority=3), now)

    def b():
        with write_tx(b_db):
            b_pid.append(b_db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            got["b"] = store.enqueue_in_tx(b_db, _specs(["y", "x"], priority=2), now)

    try:
        assert _run(a, b) == []
    finally:
        for d in (a_db, b_db, admin):
            d.close()
    assert got["a1"] == [(x, False)] and got["a2"] == [(y, False)] and got["b"] == [(y, False), (x, False)]
    # every raise counts: B asked for the highest priority
    assert [store.get_job(services.db, j)["priority"] for j in (x, y)] == [2, 2]


def test_two_large_overlapping_batches_in_opposite_orders_both_finish(services, db_url):
    """The realistic form: two processes enqueue 1200 keys (three statements each), one ascending
    and one descending, in transactions begun together; each key is made once, the later batch
    gets the earlier's job for it, and nobody is aborted."""
    dbs = [open_database(db_url), open_database(db_url)]
    now = time.time()
    subjects = [f"movie:{i:05d}" for i in range(1200)]
    orders = [subjects, subjects[::-1]]
    start = threading.Barrier(2)
    got: list[list] = [[], []]

    def run(n: int):
        def go():
            with write_tx(dbs[n]):
                dbs[n].execute_sql("SELECT 1")   # both transactions are open before either inserts
                start.wait(20)
                got[n] = store.enqueue_in_tx(dbs[n], _specs(orders[n], payload={"by": n}), now)
        return go

    assert _run(run(0), run(1)) == []
    ids = [{s: r for s, r in zip(orders[n], got[n], strict=True)} for n in (0, 1)]
    made = services.db.execute_sql("SELECT subject, id, payload FROM jobs").fetchall()
    assert len(made) == len(subjects) and {s for s, _, _ in made} == set(subjects)
    for s, jid, _ in made:
        a, b = ids[0][s], ids[1][s]
        # the same job for both, made by exactly one of them
        assert a[0] == b[0] == jid and a[1] != b[1]
    for d in dbs:
        d.close()


def test_two_completions_whose_next_jobs_overlap_in_opposite_orders_both_finish(services, db_url):
    """Two workers each record 150 completions at once, each completion chaining one job; the
    chained keys are the same for both, in opposite orders (a completion's next links were once
    enqueued one completion after another, each holding the keys before it)."""
    now = time.time()
    store.enqueue(services.db, _specs([f"job:{i}" for i in range(300)]), now)
    claimed = store.claim(services.db, "w", {"enrich.movie": 300}, now, 60)
    halves = [claimed[:150], claimed[150:]]
    keys = [f"next:{i:03d}" for i in range(150)]
    dbs = [open_database(db_url), open_database(db_url)]
    start = threading.Barrier(2)
    changes: list[list] = [[], []]

    def worker(n: int):
        order = keys if n == 0 else keys[::-1]
        outcomes = [Outcome(j.id, j.lease_token, True, result=JobResult(next=(JobSpec("t.next", k),)))
                    for j, k in zip(halves[n], order, strict=True)]

        def go():
            start.wait(20)
            changes[n] = store.finish(dbs[n], outcomes, now)
        return go

    try:
        assert _run(worker(0), worker(1)) == []
    finally:
        for d in dbs:
            d.close()
    made = services.db.execute_sql("SELECT subject, id, parent_id FROM jobs WHERE type = 't.next'").fetchall()
    assert sorted(s for s, _, _ in made) == keys   # each key once
    by_key = {s: (jid, parent) for s, jid, parent in made}
    nexts = [(c["id"], *c["next"][0]) for n in (0, 1) for c in changes[n]]
    assert len(nexts) == 300
    subject = {j.id: k for n in (0, 1) for j, k in zip(halves[n], keys if n == 0 else keys[::-1], strict=True)}
    for parent, jid, jtype, created in nexts:
        k_jid, k_parent = by_key[subject[parent]]
        # both completions answer with the key's one job; the one that made it is its parent
        assert (jid, jtype) == (k_jid, "t.next") and created == (k_parent == parent)
