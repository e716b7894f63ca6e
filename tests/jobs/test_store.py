"""The ledger's database operations, on the real database (SQLite or PostgreSQL)."""
import random
import time

import pytest

from metarr.jobs import leases, store
from metarr.jobs.model import JobResult, JobSpec, Outcome
from metarr.jobs.retry import backoff_delay


@pytest.fixture
def db(services):
    return services.db


def ok(job, *nxt, data=None):
    return Outcome(job.id, job.lease_token, True, result=JobResult(data=data, next=tuple(nxt)))


def fail(job, retryable=True, error="boom"):
    return Outcome(job.id, job.lease_token, False, error=error, retryable=retryable)


def test_duplicate_enqueue_returns_the_active_job_and_raises_priority(db):
    now = time.time()
    (a, created_a), = store.enqueue(db, [JobSpec("scan.library", "library:1", priority=5, delay=60)], now)
    (b, created_b), = store.enqueue(db, [JobSpec("scan.library", "library:1", priority=2)], now)
    assert (a, created_a, created_b) == (b, True, False)
    job = store.get_job(db, a)
    assert job["priority"] == 2 and job["run_after"] <= now + 1  # pulled earlier too
    # a different subject is a different job; dedupe=False always inserts
    (c, _), = store.enqueue(db, [JobSpec("scan.library", "library:2")], now)
    (d, _), (e, _) = store.enqueue(db, [JobSpec("notify", "x", dedupe=False), JobSpec("notify", "x", dedupe=False)], now)
    assert len({a, c, d, e}) == 4


def test_claim_orders_by_priority_then_age_and_respects_capacity(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.a", f"s{i}", priority=p) for i, p in enumerate([5, 1, 9, 1, 3])], now)
    store.enqueue(db, [JobSpec("t.b", f"b{i}") for i in range(3)], now)
    store.enqueue(db, [JobSpec("t.a", "later", priority=1, delay=100)], now)
    got = store.claim(db, "w1", {"t.a": 3, "t.b": 1}, now, 30)
    a = [j for j in got if j.type == "t.a"]
    assert [j.priority for j in a] == [1, 1, 3]
    assert len([j for j in got if j.type == "t.b"]) == 1
    assert all(j.attempts == 1 for j in got)
    # claimed jobs are not claimed again; the delayed one is not due
    again = store.claim(db, "w2", {"t.a": 10}, now, 30)
    assert sorted(j.priority for j in again) == [5, 9]


def test_completion_creates_the_next_link_in_the_same_transaction(db):
    now = time.time()
    store.enqueue(db, [JobSpec("scan.library", "library:7", library_id=7)], now)
    job, = store.claim(db, "w", {"scan.library": 1}, now, 30)
    changes = store.finish(db, [ok(job, JobSpec("enrich.movie", "movie:1"), data={"files": 3})], now)
    assert changes[0]["status"] == "succeeded"
    (nid, ntype, created), = changes[0]["next"]
    child = store.get_job(db, nid)
    assert (ntype, created, child["parent_id"], child["library_id"]) == ("enrich.movie", True, job.id, 7)
    assert store.get_job(db, job.id)["result"] == {"files": 3}


def test_failures_back_off_then_die(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.f", "x", max_attempts=2)], now)
    job, = store.claim(db, "w", {"t.f": 1}, now, 30)
    ch, = store.finish(db, [fail(job)], now)
    assert ch["status"] == "retrying" and ch["run_after"] > now + 2
    assert store.claim(db, "w", {"t.f": 1}, now, 30) == []  # not due yet
    assert store.stats(db, now).retrying == 1
    later = ch["run_after"] + 0.01
    job, = store.claim(db, "w", {"t.f": 1}, later, 30)
    assert job.attempts == 2
    ch, = store.finish(db, [fail(job)], later)
    assert ch["status"] == "dead"
    assert [e["kind"] for e in store.get_job(db, job.id)["events"]] == ["failed", "dead"]
    # the user retries a dead job: fresh attempts, runs now
    status, jid = store.retry(db, job.id, later)
    assert (status, jid) == ("pending", job.id)
    assert store.claim(db, "w", {"t.f": 1}, later, 30)[0].attempts == 1


def test_permanent_error_goes_dead_at_once(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.p", "x")], now)
    job, = store.claim(db, "w", {"t.p": 1}, now, 30)
    assert store.finish(db, [fail(job, retryable=False)], now)[0]["status"] == "dead"


def test_lease_token_fences_a_worker_that_lost_its_lease(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.l", "x")], now)
    old, = store.claim(db, "w-old", {"t.l": 1}, now, 1)
    # lease expires; another worker recovers and claims it
    later = now + 5
    assert leases.recover(db, later, "w-new") == [(old.id, "pending")]
    new, = store.claim(db, "w-new", {"t.l": 1}, later, 30)
    assert new.lease_token == old.lease_token + 1 and new.attempts == 2
    assert store.finish(db, [ok(old)], later) == []          # the stale completion is ignored
    assert store.finish(db, [ok(new)], later)[0]["status"] == "succeeded"


def test_jobs_of_a_dead_local_process_are_recovered_at_once(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.r", "x"), JobSpec("t.r", "y")], now)
    host = "testhost"
    a, b = store.claim(db, f"{host}:999999:aa", {"t.r": 1}, now, 300) + store.claim(db, f"{host}:4242:bb", {"t.r": 1}, now, 300)
    rec = leases.recover(db, now, "me", host=host, alive=lambda pid: pid == 4242)
    assert rec == [(a.id, "pending")]  # b's owner is alive and its lease is valid


def test_recovery_on_the_last_attempt_makes_the_job_dead(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.d", "x", max_attempts=1)], now)
    job, = store.claim(db, "w", {"t.d": 1}, now, 1)
    assert leases.recover(db, now + 2, "me") == [(job.id, "dead")]
    assert store.stats(db, now + 2).dead == 1


def test_cancel_pending_and_running(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.c", "a"), JobSpec("t.c", "b")], now)
    running, = store.claim(db, "w", {"t.c": 1}, now, 30)
    pending_id = [r["id"] for r in store.list_jobs(db, ["pending"])[0]][0]
    assert store.cancel(db, pending_id, now) == "cancelled"
    assert store.cancel(db, running.id, now) == "cancelled"
    assert store.finish(db, [ok(running)], now) == []  # its late outcome does not resurrect it
    assert store.cancel(db, running.id, now) == "already cancelled"
    assert store.cancel(db, 10**9, now) is None


def test_stats_buckets(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.s", "due"), JobSpec("t.s", "later", delay=500),
                       JobSpec("t.s", "run")], now)
    store.enqueue(db, [JobSpec("t.x", "fail")], now)
    job, = store.claim(db, "w", {"t.x": 1}, now, 30)
    store.finish(db, [fail(job)], now)
    store.claim(db, "w", {"t.s": 1}, now, 30)
    s = store.stats(db, now)
    # "later" is a chain link waiting a delay (a debounce): owed work, so due, not scheduled
    assert (s.due, s.running, s.retrying, s.scheduled) == (2, 1, 1, 0)
    from metarr.db.models import Schedule
    Schedule.create(name="purge", job_type="maintenance.purge_jobs", interval_s=3600)
    store.ensure_schedules(db, now)
    assert store.stats(db, now).scheduled == 1


def test_schedules_keep_one_pending_job_and_reschedule_on_completion(db):
    from metarr.db.models import Schedule
    Schedule.create(name="purge", job_type="maintenance.purge_jobs", interval_s=3600)
    now = time.time()
    store.ensure_schedules(db, now)
    store.ensure_schedules(db, now)
    rows, total = store.list_jobs(db, ["pending"])
    assert total == 1 and rows[0]["schedule"] == "purge" and rows[0]["run_after"] > now
    assert store.stats(db, now).scheduled == 1
    job, = store.claim(db, "w", {"maintenance.purge_jobs": 1}, rows[0]["run_after"], 30)
    t = rows[0]["run_after"]
    store.finish(db, [ok(job)], t)
    nxt, total = store.list_jobs(db, ["pending"])
    assert total == 1 and abs(nxt[0]["run_after"] - (t + 3600)) < 1


def test_purge_history_keeps_recent_and_active_jobs(db):
    now = time.time()
    store.enqueue(db, [JobSpec("t.h", "old"), JobSpec("t.h", "new"), JobSpec("t.h", "active")], now - 10 * 86400)
    jobs = store.claim(db, "w", {"t.h": 2}, now - 10 * 86400, 30)
    store.finish(db, [ok(jobs[0])], now - 9 * 86400)
    store.finish(db, [ok(jobs[1])], now)
    assert store.purge_history(db, now - 7 * 86400) == 1
    assert store.list_jobs(db)[1] == 2


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(1)
    d = [backoff_delay(n, rng=rng) for n in range(1, 12)]
    assert 2.5 <= d[0] <= 5 and 5 <= d[1] <= 10
    assert all(x <= 3600 for x in d) and d[-1] >= 1800


def test_leases_are_renewed_only_for_jobs_really_run_and_the_rest_taken_back_at_once(db):
    """Issue #28: a process renewed every running row with its id, and recovery skipped them, so a
    job whose outcome was lost stayed "running" for good."""
    now = time.time()
    store.enqueue(db, [JobSpec("t.m", s) for s in ("run", "lost", "theirs")], now)
    run, lost = store.claim(db, "me", {"t.m": 2}, now, 10)
    theirs, = store.claim(db, "other-host:1:aa", {"t.m": 1}, now, 10)
    assert leases.extend_leases(db, "me", [run.id], now + 5, 10) == 1      # only the one it runs
    assert store.get_job(db, lost.id)["status"] == "running"
    # `lost` is not run by anyone: taken back at once, lease or not; `run` stays
    assert leases.recover(db, now + 6, "me", mine=[run.id]) == [(lost.id, "pending")]
    # right after an outage, others' expired leases are left for them to renew first
    assert leases.recover(db, now + 30, "me", mine=[run.id], take_expired=False) == []
    assert leases.recover(db, now + 30, "me", mine=[run.id]) == [(theirs.id, "pending")]
    events = store.get_job(db, lost.id)["events"]
    assert "no longer running in its process" in events[-1]["message"]
