"""A batch of job specs enqueued at once answers as one enqueue after another would (#32: PostgreSQL
inserts a batch in one statement per ENQUEUE_CHUNK specs), on the real database."""
import time

import pytest

from metarr.jobs import enqueue_plan, store
from metarr.jobs.model import JobSpec
from tests.conftest import PG_URL

from .test_store import db  # noqa: F401 - the fixture


def _job(db, jid):  # noqa: F811 - the fixture's name
    return store.get_job(db, jid)


def test_a_key_twice_in_one_batch_is_one_job_raised_by_the_second(db):  # noqa: F811
    now = time.time()
    specs = [JobSpec("enrich.movie", "movie:1", priority=5, delay=60, payload={"n": 1}),
             JobSpec("notify", "x", dedupe=False),
             JobSpec("enrich.movie", "movie:1", priority=2, payload={"n": 2}),
             JobSpec("enrich.movie", "movie:2"),
             JobSpec("enrich.movie", "movie:1", priority=4)]
    (a, ca), (b, cb), (a2, ca2), (c, cc), (a3, ca3) = store.enqueue(db, specs, now)
    assert (ca, cb, ca2, cc, ca3) == (True, True, False, True, False)
    assert a == a2 == a3 and len({a, b, c}) == 3
    first = _job(db, a)
    # the first spec's job, with the highest priority and the earliest time any of them asked for
    assert (first["payload"], first["priority"]) == ({"n": 1}, 2) and first["run_after"] <= now + 1
    n = db.execute_sql("SELECT COUNT(*) FROM jobs WHERE subject = 'movie:1'").fetchone()[0]
    assert n == 1


def test_a_key_already_active_returns_that_job_raised_if_pending_unchanged_if_running(db):  # noqa: F811
    now = time.time()
    (pend, _), (run, _) = store.enqueue(db, [JobSpec("t.a", "p", priority=5, delay=100),
                                             JobSpec("t.b", "r", priority=5)], now)
    claimed, = store.claim(db, "w", {"t.b": 1}, now, 30)
    assert claimed.id == run
    got = store.enqueue(db, [JobSpec("t.a", "new1"), JobSpec("t.a", "p", priority=3),
                             JobSpec("t.b", "r", priority=1), JobSpec("t.a", "p", priority=4, delay=200)], now)
    assert [c for _, c in got] == [True, False, False, False]
    assert (got[1][0], got[2][0], got[3][0]) == (pend, run, pend)
    p, r = _job(db, pend), _job(db, run)
    assert p["priority"] == 3 and p["run_after"] <= now + 1        # raised and pulled earlier
    assert (r["priority"], r["status"]) == (5, "running")            # a running job is left as it is
    # a lower priority asked later leaves it as it is
    store.enqueue(db, [JobSpec("t.a", "p", priority=9, delay=500)], now)
    assert _job(db, pend)["priority"] == 3 and _job(db, pend)["run_after"] <= now + 1


def test_results_follow_the_specs_order_across_chunks_keyed_unkeyed_and_duplicates(db, monkeypatch):  # noqa: F811
    monkeypatch.setattr(store, "ENQUEUE_CHUNK", 7)
    now = time.time()
    (old, _), = store.enqueue(db, [JobSpec("e", "s5", priority=6)], now)
    specs = []
    for i in range(40):
        if i % 3 == 0:
            specs.append(JobSpec("n", f"u{i}", dedupe=False, payload={"i": i}))
        else:
            specs.append(JobSpec("e", f"s{i % 11}", payload={"i": i}, priority=5))
    got = store.enqueue(db, specs, now)
    assert len(got) == len(specs)
    seen: dict[str, int] = {"e|s5": old}
    for spec, (jid, created) in zip(specs, got, strict=True):
        job = _job(db, jid)
        assert (job["type"], job["subject"]) == (spec.type, spec.subject)
        if spec.idem_key is None:
            assert created and job["payload"] == spec.payload
        elif spec.idem_key in seen:
            assert (jid, created) == (seen[spec.idem_key], False)
        else:
            assert created and job["payload"] == spec.payload   # the first of its key made it
            seen[spec.idem_key] = jid
    assert _job(db, old)["priority"] == 5   # raised by the batch's duplicate of it
    created_ids = [jid for jid, c in got if c]
    assert created_ids == sorted(created_ids)   # ids in the specs' order, as one insert after another


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (its unique index decides a batch's keys)")
def test_a_key_whose_job_finished_between_the_insert_and_the_lookup_is_inserted_again(db, monkeypatch):  # noqa: F811
    now = time.time()
    (old, _), = store.enqueue(db, [JobSpec("t.f", "k")], now)
    real = store._active_by_keys

    def finished_meanwhile(d, keys):
        # what another process's completion does between this batch's INSERT and its lookup
        d.execute_sql("UPDATE jobs SET status = 'succeeded', finished_at = %s WHERE id = %s", (now, old))
        monkeypatch.setattr(store, "_active_by_keys", real)
        return real(d, keys)
    monkeypatch.setattr(store, "_active_by_keys", finished_meanwhile)
    (a, ca), (b, cb), (c, cc) = store.enqueue(db, [JobSpec("t.f", "j"), JobSpec("t.f", "k", priority=2),
                                                   JobSpec("t.f", "k", priority=1)], now)
    assert (ca, cb, cc) == (True, True, False) and b == c and b not in (a, old)
    assert _job(db, b)["status"] == "pending" and _job(db, b)["priority"] == 1
    assert _job(db, old)["status"] == "succeeded"


def test_raised_takes_each_duplicate_as_it_came():
    assert enqueue_plan.raised((5, 100.0), [(5, 100.0), (6, 200.0)]) is None
    assert enqueue_plan.raised((5, 100.0), [(3, 150.0)]) == (3, 100.0)
    assert enqueue_plan.raised((5, 100.0), [(6, 50.0), (4, 80.0)]) == (4, 50.0)


def test_a_batch_inserts_its_unkeyed_specs_first_then_its_keys_in_one_order():
    specs = [JobSpec("e", "b"), JobSpec("n", "z", dedupe=False), JobSpec("e", "a"), JobSpec("n", "y", dedupe=False),
             JobSpec("d", "c")]
    assert enqueue_plan.insert_order(specs, [0, 1, 2, 3, 4]) == [1, 3, 4, 2, 0]   # d|c < e|a < e|b
    assert enqueue_plan.insert_order(specs, [2, 0]) == [2, 0]
