"""The kept counts of finished jobs (migration 0038), the batched purge and the jobs list's total,
on the real database (SQLite, or PostgreSQL with METARR_TEST_DATABASE_URL)."""
import importlib
import random
import time

import pytest

from metarr.db.database import write_tx
from metarr.db.models import Job
from metarr.jobs import counts, leases, store
from metarr.jobs.model import JobResult, JobSpec, Outcome, Stats

TYPES = ["scan.library", "enrich.movie", "publish.movie"]


@pytest.fixture
def db(services):
    return services.db


def kept(db) -> dict[tuple[str, str], int]:
    return {(t, s): int(n) for t, s, n in db.execute_sql(f"SELECT type, status, n FROM ({counts.history_sql(db)}) h")}


def counted(db) -> dict[tuple[str, str], int]:
    """The truth: a GROUP BY of the whole table."""
    return {(t, s): n for t, s, n in db.execute_sql(
        "SELECT type, status, COUNT(*) FROM jobs WHERE status NOT IN ('pending', 'running') GROUP BY type, status")}


def stats_by_scan(db, now: float) -> Stats:
    """`store.stats` as it was before the counters: every row counted, in one statement."""
    s = Stats()
    q = ("SELECT type, status, status AS bucket, COUNT(*) FROM jobs WHERE status <> 'pending' GROUP BY type, status "
         "UNION ALL SELECT type, status, CASE WHEN run_after <= %s THEN 'due' WHEN failed THEN 'retrying' "
         "WHEN schedule IS NULL THEN 'due' ELSE 'scheduled' END AS bucket, COUNT(*) FROM jobs WHERE status = 'pending' "
         "GROUP BY type, status, bucket")
    for jtype, _status, bucket, n in store._exec(db, q, (now,)).fetchall():
        if hasattr(s, bucket):
            setattr(s, bucket, getattr(s, bucket) + n)
        s.by_type.setdefault(jtype, {})
        s.by_type[jtype][bucket] = s.by_type[jtype].get(bucket, 0) + n
    return s


def check(db, now: float) -> None:
    assert kept(db) == counted(db)
    assert store.stats(db, now) == stats_by_scan(db, now)


def insert_rows(db, rows: list[dict]) -> list[int]:
    with write_tx(db):
        return [Job.insert(**r).execute() for r in rows]


def row(jtype: str, status: str, finished: float | None, **kw) -> dict:
    return dict(type=jtype, subject=f"x:{random.random()}", status=status, run_after=finished or time.time(),
                created_at=(finished or time.time()) - 5, finished_at=finished, **kw)


def test_counts_stay_exact_under_every_transition(db):
    """A random mix of what the ledger and other writers do: the kept counts equal a GROUP BY of
    the table after each step, and the stats equal those counted from every row."""
    rnd = random.Random(32)
    now = time.time()
    check(db, now)   # an empty ledger: nothing counted, nothing listed
    assert store.stats(db, now) == Stats()
    for step in range(40):
        now += 1
        action = rnd.choice(["enqueue", "claim_finish", "cancel", "retry", "raw", "insert", "expire", "purge", "fold"])
        if action == "enqueue":
            store.enqueue(db, [JobSpec(rnd.choice(TYPES), f"s{step}-{i}", max_attempts=rnd.choice([1, 2]),
                                       delay=rnd.choice([0, 0, 60]), dedupe=rnd.random() < 0.5)
                               for i in range(rnd.randint(1, 6))], now)
        elif action == "claim_finish":
            jobs = store.claim(db, "w1", {t: 3 for t in TYPES}, now + 100, 30)
            outs = []
            for j in jobs:
                r = rnd.random()
                if r < 0.5:
                    nxt = (JobSpec(rnd.choice(TYPES), f"next-{j.id}"),) if r < 0.1 else ()
                    outs.append(Outcome(j.id, j.lease_token, True, result=JobResult(data={"n": 1}, next=nxt)))
                elif r < 0.8:
                    outs.append(Outcome(j.id, j.lease_token, False, error="boom", retryable=r < 0.7))
                elif r < 0.9:
                    store.cancel(db, j.id, now)   # cancelled while it ran: its outcome is ignored
                    outs.append(Outcome(j.id, j.lease_token, True))
            store.finish(db, outs, now)
        elif action == "cancel":
            for (jid,) in db.execute_sql("SELECT id FROM jobs WHERE status IN ('pending', 'running')").fetchall()[:3]:
                store.cancel(db, jid, now)
        elif action == "retry":
            for (jid,) in db.execute_sql("SELECT id FROM jobs WHERE status IN ('dead', 'cancelled', 'succeeded')"
                                         ).fetchall()[:4]:
                store.retry(db, jid, now)   # succeeded ones are refused, the others go back to pending
        elif action == "raw":
            # other modules' raw SQL: a status and a type changed in place, a row deleted
            with write_tx(db):
                db.execute_sql("UPDATE jobs SET status = 'dead' WHERE id IN (SELECT MIN(id) FROM jobs WHERE status = 'succeeded')")
                db.execute_sql("UPDATE jobs SET type = 'renamed.type' WHERE id IN (SELECT MAX(id) FROM jobs WHERE status = 'dead')")
                db.execute_sql("UPDATE jobs SET status = 'pending', finished_at = NULL "
                               "WHERE id IN (SELECT MAX(id) FROM jobs WHERE status = 'cancelled')")
                db.execute_sql("DELETE FROM jobs WHERE id IN (SELECT MIN(id) FROM jobs WHERE status = 'dead')")
                db.execute_sql("DELETE FROM jobs WHERE id IN (SELECT MIN(id) FROM jobs WHERE status = 'pending')")
        elif action == "insert":
            insert_rows(db, [row(rnd.choice(TYPES), rnd.choice(["succeeded", "dead", "cancelled", "pending"]),
                                 now - rnd.randint(0, 20) * 86400) for _ in range(rnd.randint(1, 8))])
        elif action == "expire":
            leases.recover(db, now + 1000, "other-worker", [], take_expired=True)
        elif action == "purge":
            store.purge_history(db, now - 10 * 86400, batch=3)
        elif action == "fold":
            counts.fold(db)
        check(db, now)
    counts.fold(db)
    check(db, now)
    assert sum(kept(db).values()) > 0, "the mix should leave some history"


def test_the_migration_backfills_the_counts_from_the_rows(db):
    now = time.time()
    insert_rows(db, [row(t, s, now - i) for i, (t, s) in
                     enumerate([(t, s) for t in TYPES for s in ("succeeded", "dead", "cancelled", "pending")] * 3)])
    expected = counted(db)
    assert expected[("enrich.movie", "dead")] == 3
    counts.fold(db)   # PostgreSQL: the triggers' deltas into the counter rows
    with write_tx(db):
        db.execute_sql("UPDATE job_counts SET n = n + 1000")   # counts gone wrong: the migration recounts
    assert kept(db) != expected
    migration = importlib.import_module("metarr.db.migrations.0038_job_counts")
    with write_tx(db):
        migration.up(db)
    assert kept(db) == expected
    # and the triggers are still in place after it
    insert_rows(db, [row("enrich.movie", "dead", now)])
    expected[("enrich.movie", "dead")] += 1
    assert kept(db) == expected == counted(db)


def _events(db, ids) -> set[int]:
    marks = ", ".join(["%s"] * len(ids))
    return {r[0] for r in store._exec(db, f"SELECT job_id FROM job_events WHERE job_id IN ({marks})", ids)}


def test_purge_in_batches_removes_exactly_the_old_finished_jobs_and_their_events(db):
    now = time.time()
    old, new = now - 30 * 86400, now - 86400
    doomed = insert_rows(db, [row(TYPES[i % 3], ("succeeded", "dead", "cancelled")[i % 3], old + i) for i in range(23)])
    kept_ids = insert_rows(db, [row(TYPES[0], "succeeded", new), row(TYPES[1], "dead", new),
                                row(TYPES[2], "pending", None), row(TYPES[2], "running", None),
                                # a retried job that finished long ago and runs again: not history
                                row(TYPES[1], "pending", None, started_at=old)])
    with write_tx(db):
        for jid in doomed + kept_ids:
            store._event(db, jid, now, "failed", "boom")
    batches = list(store.purge_batches(db, now - 7 * 86400, batch=5, pause=0))
    assert [n for n, _ in batches] == [5, 5, 5, 5, 3]
    assert all(seconds >= 0 for _, seconds in batches)
    left = {r[0] for r in db.execute_sql("SELECT id FROM jobs")}
    assert left == set(kept_ids)
    assert _events(db, doomed) == set()
    assert _events(db, kept_ids) == set(kept_ids)
    assert kept(db) == counted(db) == {(TYPES[0], "succeeded"): 1, (TYPES[1], "dead"): 1}
    # nothing old is left: a second purge deletes nothing; purge_history says how many it deleted
    assert store.purge_history(db, now - 7 * 86400, batch=5) == 0
    insert_rows(db, [row(TYPES[0], "cancelled", old) for _ in range(12)])
    assert store.purge_history(db, now - 7 * 86400, batch=5) == 12
    assert kept(db) == counted(db)


def test_purge_takes_the_oldest_first(db):
    now = time.time()
    ids = insert_rows(db, [row(TYPES[0], "succeeded", now - (40 - i) * 86400) for i in range(10)])
    gen = store.purge_batches(db, now, batch=4, pause=0)
    assert next(gen)[0] == 4
    left = sorted(r[0] for r in db.execute_sql("SELECT id FROM jobs"))
    assert left == ids[4:]   # the four that finished first went first
    gen.close()


def test_jobs_list_total_exact_by_status_and_type_estimated_for_a_library_over_the_limit(db):
    now = time.time()
    insert_rows(db, [row(TYPES[i % 2], "succeeded" if i % 4 else "dead", now - i, library_id=1 + i % 3)
                     for i in range(60)] + [row(TYPES[0], "pending", None, library_id=1) for _ in range(5)]
                + [row(TYPES[1], "running", None, library_id=2)])
    for statuses, types in [(None, None), (["dead"], None), (["pending", "succeeded"], [TYPES[0]]),
                            (["pending", "pending"], None), (["dead", "dead", "succeeded"], None),
                            (["running"], None), (None, [TYPES[1]])]:
        page = store.list_jobs_page(db, statuses, types, limit=3)
        marks = " AND ".join(c for c in (
            f"status IN ({', '.join(repr(s) for s in statuses)})" if statuses else "",
            f"type IN ({', '.join(repr(t) for t in types)})" if types else "") if c) or "1 = 1"
        truth = db.execute_sql(f"SELECT COUNT(*) FROM jobs WHERE {marks}").fetchone()[0]
        assert truth > 0
        assert (page.total, page.total_estimated) == (truth, False), (statuses, types)
        assert len(page.rows) == min(3, truth)
    # a library's jobs: exact up to the limit, above it an estimate said to be one
    exact = store.list_jobs_page(db, None, None, limit=5, library_id=1, exact_limit=100)
    assert (exact.total, exact.total_estimated) == (25, False)
    est = store.list_jobs_page(db, None, None, limit=5, library_id=1, exact_limit=10)
    assert est.total_estimated and est.total > 10 and len(est.rows) == 5
    assert all(r["library_id"] == 1 for r in est.rows)
    # the tuple form the CLI and the attention list use gives the same total
    assert store.list_jobs(db, ["dead"])[1] == 15


async def test_api_jobs_list_says_whether_its_total_is_an_estimate(api, services):
    now = time.time()
    insert_rows(services.db, [row("test.counted", "succeeded", now - i) for i in range(7)])
    r = await api.get("/api/v1/jobs?status=succeeded&type=test.counted&limit=2")
    body = await r.json()
    assert r.status == 200
    cursor = body["meta"].pop("next_cursor")   # the next page's (tests/api/test_jobs_cursor.py)
    assert body["meta"] == {"total": 7, "total_estimated": False, "limit": 2, "offset": 0} and cursor
    r = await api.get("/api/v1/jobs/stats")
    data = (await r.json())["data"]
    assert set(data) == {"due", "running", "retrying", "scheduled", "dead", "succeeded", "cancelled", "by_type"}
    assert data["succeeded"] >= 7 and data["by_type"]["test.counted"] == {"succeeded": 7}


def test_stats_read_no_row_of_the_history(db):
    """SQLite: with many finished jobs and a few live ones, the statement of the stats reads the
    counters and the live jobs' partial index, not the whole table (its planner took the (type,
    status) index for the GROUP BY and scanned every row). PostgreSQL plans from its statistics."""
    from metarr.db.database import is_sqlite
    now = time.time()
    insert_rows(db, [row(TYPES[i % 3], "succeeded", now - i) for i in range(300)]
                + [row(TYPES[0], "pending", None), row(TYPES[1], "running", None)])
    if not is_sqlite(db):
        assert store.stats(db, now) == stats_by_scan(db, now)
        return
    db.execute_sql("ANALYZE")
    sql = store._q(db, "SELECT type, status, CASE WHEN status = 'running' THEN 'running' WHEN run_after <= %s "
                       "THEN 'due' WHEN failed THEN 'retrying' WHEN schedule IS NULL THEN 'due' ELSE 'scheduled' END "
                       f"AS bucket, COUNT(*) FROM jobs WHERE {counts.LIVE} GROUP BY type, status, bucket")
    plan = " ".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, (now,)).fetchall())
    assert "jobs_live" in plan and "SCAN jobs" not in plan, plan
    assert store.stats(db, now) == stats_by_scan(db, now)
