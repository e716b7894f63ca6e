"""Every database operation of the job ledger, as plain functions over a peewee database.

Claims are one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`; on SQLite the
surrounding BEGIN IMMEDIATE makes the same statement atomic (one writer). A completion only counts
if the row is still `running` under the same lease token, so a worker whose lease expired cannot
finish a job someone else has claimed since (fencing).
"""
from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator

import peewee as pw

from metarr.db.cursors import BadQuery
from metarr.db.database import is_sqlite, write_tx
from metarr.jobs import chain, counts, enqueue_plan, paging
from metarr.jobs.model import ACTIVE, ClaimedJob, JobPage, JobSpec, Outcome, Progress, Stats
from metarr.jobs.retry import backoff_delay, next_state
from metarr.service import redact, settings

_COLS = "id, type, subject, payload, priority, attempts, max_attempts, lease_token, library_id, schedule"


def _q(db: pw.Database, sql: str) -> str:
    return sql.replace("%s", "?") if is_sqlite(db) else sql


def _exec(db: pw.Database, sql: str, params: Iterable = ()):
    return db.execute_sql(_q(db, sql), tuple(params))


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


# ---------------------------------------------------------------- enqueue

Parent = tuple[int | None, int | None]   # a job's parent job and the library it falls back to


def enqueue_in_tx(db: pw.Database, specs: Iterable[JobSpec], now: float, parent_id: int | None = None,
                  parent_library: int | None = None) -> list[tuple[int, bool]]:
    """Insert jobs (caller holds a write transaction). Returns (id, created) per spec, in the specs'
    order; a duplicate of an active job (or of a spec before it in `specs`) returns the existing one,
    raised in priority and pulled earlier if asked."""
    specs = list(specs)
    return _enqueue(db, specs, [(parent_id, parent_library)] * len(specs), now)


def enqueue_children_in_tx(db: pw.Database, groups: list[tuple[int, int | None, list[JobSpec]]],
                           now: float) -> list[list[tuple[int, bool]]]:
    """The next jobs of several parents, (parent id, its library, specs) each, as one batch (one
    enqueue after another would answer the same): on PostgreSQL its keys are then locked in one
    order, where a call per parent held the keys of the parents before while waiting on the next
    (two workers' completions chaining the same keys in opposite orders deadlocked)."""
    specs = [s for _, _, g in groups for s in g]
    got = iter(_enqueue(db, specs, [(pid, lib) for pid, lib, g in groups for _ in g], now))
    return [[next(got) for _ in g] for _, _, g in groups]


def _enqueue(db: pw.Database, specs: list[JobSpec], parents: list[Parent], now: float) -> list[tuple[int, bool]]:
    if not is_sqlite(db):
        return _enqueue_pg(db, specs, parents, now)
    out: list[tuple[int, bool]] = []
    for spec, parent in zip(specs, parents, strict=True):
        key = spec.idem_key
        if key is not None:
            # one writer (BEGIN IMMEDIATE): nobody can insert the key between this SELECT and the INSERT
            row = _exec(db, _ACTIVE_BY_KEY, (key,)).fetchone()
            if row:
                out.append((_raise_existing(db, row, spec, _run_after(spec, now)), False))
                continue
        out.append((_exec(db, _INSERT + " RETURNING id", _params(spec, now, parent)).fetchone()[0], True))
    return out


ENQUEUE_CHUNK = 500   # PostgreSQL: specs a multi-row INSERT carries (13 parameters each)


def _run_after(spec: JobSpec, now: float) -> float:
    return now + max(0.0, spec.delay)


def _params(spec: JobSpec, now: float, parent: Parent) -> tuple:
    parent_id, parent_library = parent
    lib = spec.library_id if spec.library_id is not None else parent_library
    return (spec.type, spec.subject, spec.idem_key, "pending", spec.priority,
            json.dumps(spec.payload) if spec.payload is not None else None,
            spec.max_attempts, _run_after(spec, now), now, False, parent_id, spec.schedule, lib)


def _enqueue_pg(db: pw.Database, specs: list[JobSpec], parents: list[Parent], now: float) -> list[tuple[int, bool]]:
    """PostgreSQL: a statement per ENQUEUE_CHUNK specs, not a round trip per spec (#32: a page of
    500 follow-up jobs took 0.5-2.3 s). The partial unique index decides which keys are taken, also
    against a concurrent insert of the same key by another process (which makes this wait, then
    skip it); the skipped keys are looked up in one statement and raised as a duplicate is."""
    out: list[tuple[int, bool] | None] = [None] * len(specs)
    p = enqueue_plan.plan(specs)
    active: dict[str, tuple] = {}   # key -> (id, priority, run_after, status) of the job it already had
    todo = p.inserts
    for _ in range(2):
        taken = _insert_many(db, specs, parents, todo, out, now)
        found = _active_by_keys(db, [specs[i].idem_key for i in taken]) if taken else {}
        active.update(found)
        # a key taken at the INSERT but free at the SELECT: its job finished in between; once more
        # (this second statement takes its keys after the first's: the one order, and so no
        # deadlock, holds only within each; rare, as it needs that job to finish just then)
        todo = [i for i in taken if specs[i].idem_key not in found]
        if not todo:
            break
    if todo:
        raise RuntimeError(f"could not enqueue {specs[todo[0]].idem_key!r}: key contended")
    updates: list[tuple[int, int, float]] = []
    for key, idxs in p.by_key.items():
        first = idxs[0]
        if key in active:
            jid, prio, ra, status = active[key]
            dups = idxs
        else:
            jid, prio, ra, status = out[first][0], specs[first].priority, _run_after(specs[first], now), "pending"
            dups = idxs[1:]
        for i in dups:
            out[i] = (jid, False)
        new = enqueue_plan.raised((prio, ra), [(specs[i].priority, _run_after(specs[i], now)) for i in dups]) \
            if status == "pending" and dups else None
        if new is not None:
            updates.append((jid, *new))
    if updates:
        updates.sort()
        if len(updates) > 1:
            # the raised jobs' rows are locked in id order, for the reason the keys are taken in one
            # order; an UPDATE … FROM VALUES locks them in the order its plan meets them
            _exec(db, f"SELECT 1 FROM jobs WHERE id IN ({', '.join(['%s'] * len(updates))}) ORDER BY id FOR UPDATE",
                  [u[0] for u in updates])
        rows = ", ".join(["(%s::bigint, %s::smallint, %s::double precision)"] * len(updates))
        _exec(db, f"UPDATE jobs SET priority = v.p, run_after = v.ra FROM (VALUES {rows}) AS v(id, p, ra) "
                  "WHERE jobs.id = v.id", [x for u in updates for x in u])
    return out


def _insert_many(db: pw.Database, specs: list[JobSpec], parents: list[Parent], idxs: list[int], out: list,
                 now: float) -> list[int]:
    """Insert specs[idxs] (in the specs' order) a chunk a statement, in enqueue_plan.insert_order
    (keys in one global order: no deadlock between batches), filling `out` with (id, True) for each
    row made. Returns the indices whose key an active job holds (nothing inserted for them)."""
    rows = enqueue_plan.insert_order(specs, idxs)
    # ids stay in the specs' order, as one insert after another gave them: the claim takes jobs of
    # equal priority and run_after by id, so a scan's follow-ups run in the scan's order, not in
    # their keys'. A multi-row INSERT takes its default ids in VALUES order; when that is not the
    # specs' order they are drawn first (one statement), and given in the specs' order.
    ids: dict[int, int] = {}
    if rows != idxs:
        drawn = _exec(db, "SELECT nextval(pg_get_serial_sequence('jobs', 'id')) FROM generate_series(1, %s)",
                      (len(idxs),)).fetchall()
        ids = dict(zip(idxs, sorted(r[0] for r in drawn), strict=True))
    head, row = (_INSERT_HEAD_ID, _ROW_ID) if ids else (_INSERT_HEAD, _ROW)
    taken: list[int] = []
    for c in range(0, len(rows), ENQUEUE_CHUNK):
        chunk = rows[c:c + ENQUEUE_CHUNK]
        params = [x for i in chunk for x in ((ids[i],) if ids else ()) + _params(specs[i], now, parents[i])]
        got = _exec(db, head + ", ".join([row] * len(chunk)) + _ON_ACTIVE_KEY + " RETURNING id, idem_key",
                    params).fetchall()
        made = {k: jid for jid, k in got if k is not None}
        # rows without a key are told apart by id: a multi-row INSERT takes its ids in VALUES order
        plain = iter(sorted(jid for jid, k in got if k is None))
        for i in chunk:
            key = specs[i].idem_key
            if key is None:
                out[i] = (ids[i] if ids else next(plain), True)
            elif key in made:
                out[i] = (made[key], True)
            else:
                taken.append(i)
    return sorted(taken)


def _active_by_keys(db: pw.Database, keys: list[str]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for c in range(0, len(keys), ENQUEUE_CHUNK):
        chunk = keys[c:c + ENQUEUE_CHUNK]
        rows = _exec(db, "SELECT idem_key, id, priority, run_after, status FROM jobs WHERE idem_key IN "
                         f"({', '.join(['%s'] * len(chunk))}) AND status IN ('pending', 'running')", chunk).fetchall()
        found.update({r[0]: tuple(r[1:]) for r in rows})
    return found


_ACTIVE_BY_KEY = "SELECT id, priority, run_after, status FROM jobs WHERE idem_key = %s AND status IN ('pending', 'running')"
_INSERT_HEAD = ("INSERT INTO jobs (type, subject, idem_key, status, priority, payload, attempts, max_attempts, "
                "run_after, created_at, lease_token, progress_current, progress_total, progress_message, failed, "
                "parent_id, schedule, library_id) VALUES ")
_ROW = "(%s, %s, %s, %s, %s, %s, 0, %s, %s, %s, 0, 0, 0, '', %s, %s, %s, %s)"
_INSERT = _INSERT_HEAD + _ROW
_INSERT_HEAD_ID = _INSERT_HEAD.replace("INSERT INTO jobs (", "INSERT INTO jobs (id, ")
_ROW_ID = "(%s, " + _ROW[1:]
# must match the predicate of the jobs_active_idem index (migration 0001)
_ON_ACTIVE_KEY = (" ON CONFLICT (idem_key) WHERE status IN ('pending', 'running') AND idem_key IS NOT NULL "
                  "DO NOTHING")


def _raise_existing(db: pw.Database, row, spec: JobSpec, run_after: float) -> int:
    """A duplicate of an active job: raise its priority / pull it earlier if asked; returns its id."""
    jid, prio, ra, status = row
    new = enqueue_plan.raised((prio, ra), [(spec.priority, run_after)]) if status == "pending" else None
    if new is not None:
        _exec(db, "UPDATE jobs SET priority = %s, run_after = %s WHERE id = %s", (*new, jid))
    return jid


def enqueue(db: pw.Database, specs: Iterable[JobSpec], now: float | None = None) -> list[tuple[int, bool]]:
    with write_tx(db):
        return enqueue_in_tx(db, list(specs), now or time.time())


# ---------------------------------------------------------------- claim

def claim(db: pw.Database, worker_id: str, capacity: dict[str, int], now: float, lease: float) -> list[ClaimedJob]:
    """Claim due jobs, at most `capacity[type]` of each type, highest priority first."""
    want = {t: n for t, n in capacity.items() if n > 0}
    claimed: list[ClaimedJob] = []
    lock = "" if is_sqlite(db) else " FOR UPDATE SKIP LOCKED"
    with write_tx(db):
        while want:
            types = sorted(want)
            window = min(500, sum(want.values()) * 2 + 8)
            marks = ", ".join(["%s"] * len(types))
            rows = _exec(db, f"SELECT id, type FROM jobs WHERE status = 'pending' AND run_after <= %s "
                             f"AND type IN ({marks}) ORDER BY priority, run_after, id LIMIT %s{lock}",
                         (now, *types, window)).fetchall()
            if not rows:
                break
            picked: list[int] = []
            for jid, jtype in rows:
                if want.get(jtype, 0) > 0:
                    picked.append(jid)
                    want[jtype] -= 1
            if picked:
                marks = ", ".join(["%s"] * len(picked))
                got = _exec(db, f"UPDATE jobs SET status = 'running', worker_id = %s, lease_until = %s, "
                                f"lease_token = lease_token + 1, attempts = attempts + 1, started_at = %s "
                                f"WHERE id IN ({marks}) AND status = 'pending' RETURNING {_COLS}",
                            (worker_id, now + lease, now, *picked)).fetchall()
                claimed.extend(_claimed(r) for r in got)
            want = {t: n for t, n in want.items() if n > 0}
            if len(rows) < window:
                break  # no more due jobs of the types still wanted
    claimed.sort(key=lambda j: (j.priority, j.id))
    return claimed


def _claimed(r) -> ClaimedJob:
    payload = r[3]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return ClaimedJob(id=r[0], type=r[1], subject=r[2], payload=payload or {}, priority=r[4], attempts=r[5],
                      max_attempts=r[6], lease_token=r[7], library_id=r[8], schedule=r[9])


# ---------------------------------------------------------------- finish

def finish(db: pw.Database, outcomes: list[Outcome], now: float,
           chain_filter: Callable[[ClaimedJob | None, JobSpec], bool] | None = None,
           delay_fn: Callable[[int], float] = backoff_delay) -> list[dict]:
    """Record a batch of outcomes in one transaction, creating chained jobs with the completion.
    Returns one change record per outcome that still held its lease."""
    changes: list[dict] = []
    if not outcomes:
        return changes
    chained: list[tuple[dict, list[JobSpec]]] = []
    groups: list[tuple[int, int | None, list[JobSpec]]] = []
    with write_tx(db):
        for o in outcomes:
            if o.ok:
                # the success path is one statement: the fenced UPDATE returns what the change needs
                data = o.result.data if o.result else None
                row = _exec(db, "UPDATE jobs SET status = 'succeeded', finished_at = %s, result = %s, lease_until = NULL, "
                                "blocked_on = NULL, "
                                "progress_current = CASE WHEN progress_total > 0 THEN progress_total ELSE progress_current END "
                                "WHERE id = %s AND status = 'running' AND lease_token = %s "
                                "RETURNING attempts, max_attempts, schedule, library_id, type, subject",
                            (now, json.dumps(data) if data is not None else None, o.job_id, o.lease_token)).fetchone()
            else:
                row = _exec(db, "SELECT attempts, max_attempts, schedule, library_id, type, subject FROM jobs "
                                "WHERE id = %s AND status = 'running' AND lease_token = %s",
                            (o.job_id, o.lease_token)).fetchone()
            if row is None:
                continue  # lease lost: someone else owns this job now
            attempts, max_attempts, schedule, library_id, jtype, subject = row
            change = {"id": o.job_id, "type": jtype, "subject": subject, "attempts": attempts, "next": []}
            if o.ok:
                change["status"] = "succeeded"
                nxt = list(o.result.next) if o.result else []
                if nxt:   # enqueued below, every outcome's in one batch
                    chained.append((change, nxt))
                    groups.append((o.job_id, library_id, nxt))
            elif o.blocked:
                # the environment's failure, not the job's: the try is given back and the job waits
                # (a probe of the place may let it run sooner: `release_blocked`)
                error = redact.scrub(o.error or "")
                delay = o.retry_delay if o.retry_delay is not None else delay_fn(1)
                _exec(db, "UPDATE jobs SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 "
                          "ELSE 0 END, run_after = %s, last_error = %s, failed = %s, worker_id = NULL, "
                          "lease_until = NULL, blocked_on = %s WHERE id = %s",
                      (now + delay, error[:4000], True, o.blocked[:200], o.job_id))
                _event(db, o.job_id, now, "waiting", f"{o.blocked}: {error}")
                change.update(status="retrying", error=error, run_after=now + delay, waiting=o.blocked,
                              attempts=max(0, attempts - 1))
            else:
                error = redact.scrub(o.error or "")   # stored and sent on: never a secret
                state = next_state(attempts, max_attempts, o.retryable)
                delay = o.retry_delay if o.retry_delay is not None else delay_fn(attempts)
                if state == "pending":
                    _exec(db, "UPDATE jobs SET status = 'pending', run_after = %s, last_error = %s, failed = %s, "
                              "worker_id = NULL, lease_until = NULL, blocked_on = NULL WHERE id = %s",
                          (now + delay, error[:4000], True, o.job_id))
                else:
                    _exec(db, "UPDATE jobs SET status = 'dead', finished_at = %s, last_error = %s, failed = %s, "
                              "lease_until = NULL, blocked_on = NULL WHERE id = %s", (now, error[:4000], True, o.job_id))
                _event(db, o.job_id, now, "failed" if state == "pending" else "dead", error)
                change["status"] = "retrying" if state == "pending" else "dead"
                change["error"] = error
                change["run_after"] = now + delay if state == "pending" else None
            if schedule and change["status"] in ("succeeded", "dead"):
                reschedule(db, schedule, now, change["status"],
                           (o.result.data if o.result else None) if o.ok else {"error": (o.error or "")[:500]})
            changes.append(change)
        for (change, nxt), ids in zip(chained, enqueue_children_in_tx(db, groups, now), strict=True):
            change["next"] = [(jid, spec.type, created) for (jid, created), spec in zip(ids, nxt, strict=True)]
    return changes


def _event(db: pw.Database, job_id: int, now: float, kind: str, message: str) -> None:
    _exec(db, "INSERT INTO job_events (job_id, ts, kind, message) VALUES (%s, %s, %s, %s)",
          (job_id, now, kind, message[:4000]))


def reschedule(db: pw.Database, name: str, now: float, status: str | None = None,
               result: dict | None = None) -> int | None:
    """A schedule's job ended: remember how (also when the schedule is off: a "Run now" of it),
    and queue its next run one interval later."""
    row = _exec(db, "SELECT job_type, subject, interval_s, enabled, payload FROM schedules WHERE name = %s",
                (name,)).fetchone()
    if not row:
        return None
    _exec(db, "UPDATE schedules SET last_run = %s, last_status = %s, last_result = %s WHERE name = %s",
          (now, status, json.dumps(result) if result is not None else None, name))
    jtype, subject, interval, enabled, payload = row
    if not enabled:
        return None
    spec = chain.scheduled(name, jtype, subject, json.loads(payload) if payload else None, interval)
    return enqueue_in_tx(db, [spec], now)[0][0]


def ensure_schedules(db: pw.Database, now: float) -> None:
    """Each enabled schedule has one pending job (created at start-up, kept by `reschedule`)."""
    with write_tx(db):
        rows = _exec(db, "SELECT name, job_type, subject, interval_s, payload, last_run FROM schedules "
                         "WHERE enabled = %s", (True,)).fetchall()
        specs = []
        for name, jtype, subject, interval, payload, last_run in rows:
            active = _exec(db, "SELECT 1 FROM jobs WHERE schedule = %s AND status IN ('pending', 'running')",
                           (name,)).fetchone()
            if active:
                continue
            due = chain.next_due(last_run, interval, now)
            specs.append(chain.scheduled(name, jtype, subject, json.loads(payload) if payload else None,
                                         max(0.0, due - now)))
        # one batch: its keys locked in one order (a serve and a worker start at once and both ensure)
        enqueue_in_tx(db, specs, now)


# ---------------------------------------------------------------- progress, user actions

def save_progress(db: pw.Database, items: list[Progress]) -> None:
    if not items:
        return
    with write_tx(db):
        for p in items:
            _exec(db, "UPDATE jobs SET progress_current = %s, progress_total = %s, progress_message = %s "
                      "WHERE id = %s AND status = 'running'", (p.current, p.total, p.message[:500], p.job_id))


# a cancelled job: finished now, and a running one's lease taken (its outcome is then ignored)
_CANCELLED = "status = 'cancelled', finished_at = %s, lease_token = lease_token + 1, lease_until = NULL"


def cancel(db: pw.Database, job_id: int, now: float) -> str | None:
    """Cancel a pending job, or mark a running one cancelled (its outcome is then ignored).
    Returns 'cancelled', 'already <status>' for a finished job, or None if there is no such job."""
    with write_tx(db):
        row = _exec(db, "SELECT status FROM jobs WHERE id = %s", (job_id,)).fetchone()
        if row is None:
            return None
        if row[0] not in ACTIVE:
            return f"already {row[0]}"
        _exec(db, f"UPDATE jobs SET {_CANCELLED} WHERE id = %s", (now, job_id))
        _event(db, job_id, now, "cancelled", "by user")
        return "cancelled"


def cancel_library(db: pw.Database, library_id: int, now: float, why: str) -> int:
    """Cancel every pending or running job of a library (it was removed): a queued scan of it must not
    run, nor fail as if something had gone wrong. Called inside the caller's transaction."""
    rows = _exec(db, f"UPDATE jobs SET {_CANCELLED} WHERE library_id = %s AND status IN ('pending', 'running') "
                     "RETURNING id", (now, library_id)).fetchall()
    for (jid,) in rows:
        _event(db, jid, now, "cancelled", why)
    return len(rows)


def retry(db: pw.Database, job_id: int, now: float) -> tuple[str | None, int | None]:
    """Put a dead, cancelled or retrying job back to run now with fresh attempts."""
    with write_tx(db):
        row = _exec(db, "SELECT status, idem_key FROM jobs WHERE id = %s", (job_id,)).fetchone()
        if row is None:
            return None, None
        status, key = row
        if status == "running" or status == "succeeded":
            return status, job_id
        if status in ("dead", "cancelled") and key is not None:
            dup = _exec(db, "SELECT id FROM jobs WHERE idem_key = %s AND status IN ('pending', 'running')",
                        (key,)).fetchone()
            if dup:
                return "duplicate", dup[0]
        _exec(db, "UPDATE jobs SET status = 'pending', attempts = 0, run_after = %s, finished_at = NULL, "
                  "failed = %s, worker_id = NULL, lease_until = NULL, blocked_on = NULL WHERE id = %s",
              (now, False, job_id))
        _event(db, job_id, now, "retried", "by user")
        return "pending", job_id


def blocked_groups(db: pw.Database) -> dict[str, tuple[int, float]]:
    """The places waiting jobs wait on: code -> (jobs, since when the first of them waits). Read
    through the partial index of migration 0027: a handful of rows, however long the history."""
    rows = _exec(db, "SELECT blocked_on, COUNT(*), MIN(started_at) FROM jobs WHERE blocked_on IS NOT NULL "
                     "AND status = 'pending' GROUP BY blocked_on").fetchall()
    return {code: (n, since or 0.0) for code, n, since in rows}


def release_blocked(db: pw.Database, code: str, now: float) -> list[int]:
    """The place works again: every job waiting on it is due now. Returns their ids."""
    with write_tx(db):
        rows = _exec(db, "UPDATE jobs SET run_after = %s, blocked_on = NULL WHERE blocked_on = %s "
                         "AND status = 'pending' RETURNING id", (now, code)).fetchall()
        for (jid,) in rows:
            _event(db, jid, now, "resumed", f"{code}: works again")
    return [r[0] for r in rows]


PURGE_BATCH = 2000


def purge_batches(db: pw.Database, older_than: float, batch: int = PURGE_BATCH,
                  pause: float | None = None) -> Iterator[tuple[int, float]]:
    """Delete the finished jobs that ended before `older_than`, and their events, oldest first, at
    most `batch` jobs a transaction: a purge of half a million jobs in one transaction held the
    write lock (SQLite) for seconds and the workers and the API waited. Between batches a short
    `pause` (SQLite: 10 ms) lets a waiting writer in (a thread's lock is not fair to the others;
    PostgreSQL's writers do not wait on these rows). Yields (jobs deleted, seconds the transaction
    took) per batch; the kept counts follow by trigger."""
    if pause is None:
        pause = 0.01 if is_sqlite(db) else 0.0
    while True:
        t = time.perf_counter()
        with write_tx(db):
            ids = [r[0] for r in _exec(db, "SELECT id FROM jobs WHERE status IN ('succeeded', 'dead', 'cancelled') "
                                           "AND finished_at < %s ORDER BY finished_at, id LIMIT %s",
                                       (older_than, batch)).fetchall()]
            if ids:
                marks = ", ".join(["%s"] * len(ids))
                _exec(db, f"DELETE FROM job_events WHERE job_id IN ({marks})", ids)
                _exec(db, f"DELETE FROM jobs WHERE id IN ({marks})", ids)
        if not ids:
            return
        yield len(ids), time.perf_counter() - t
        if len(ids) < batch:
            return
        if pause > 0:
            time.sleep(pause)


def purge_history(db: pw.Database, older_than: float, batch: int = PURGE_BATCH) -> int:
    """Purge the history older than `older_than` in batches; returns the jobs deleted."""
    total = sum(n for n, _ in purge_batches(db, older_than, batch))
    counts.fold(db)
    return total


# ---------------------------------------------------------------- reads

def stats(db: pw.Database, now: float) -> Stats:
    s = Stats()
    # a link of a chain waiting out a short delay (the sync debounce) is owed work like a runnable
    # one: counting it as "scheduled" let "the chain has finished" be said while it still waited
    # the finished history (most of a large table) comes from its kept counts (migration 0038), a
    # few dozen rows however long the history (#32: a count of a million rows took 0.5 s a call);
    # the running and pending jobs are counted from their rows, in their partial index jobs_live
    # one statement, so one snapshot: two would miss a job that went from pending to running between
    # them (counted in neither), and "the chain has finished" would be said while it ran
    rows = _exec(db, f"SELECT type, status, status AS bucket, n FROM ({counts.history_sql(db)}) h "
                     "UNION ALL "
                     "SELECT type, status, "
                     "CASE WHEN status = 'running' THEN 'running' WHEN run_after <= %s THEN 'due' "
                     "WHEN failed THEN 'retrying' WHEN schedule IS NULL THEN 'due' ELSE 'scheduled' END AS bucket, "
                     f"COUNT(*) FROM jobs WHERE {counts.LIVE} GROUP BY type, status, bucket", (now,)).fetchall()
    for jtype, _status, bucket, n in rows:
        n = int(n)
        if hasattr(s, bucket):
            setattr(s, bucket, getattr(s, bucket) + n)
        s.by_type.setdefault(jtype, {})
        s.by_type[jtype][bucket] = s.by_type[jtype].get(bucket, 0) + n
    return s


def count_jobs(db: pw.Database, statuses: list[str] | None = None, types: list[str] | None = None,
               live_where: str = "", live_params: Iterable = ()) -> int:
    """How many jobs have one of `statuses` (all if None) and `types`, exactly, in one statement:
    the finished ones from their kept counts, the pending and running ones from their rows
    (narrowed further by `live_where`, a condition on them)."""
    wanted = sorted(set(statuses)) if statuses else None
    hist = [x for x in wanted if counts.is_history(x)] if wanted else None
    live = [x for x in wanted if not counts.is_history(x)] if wanted else list(ACTIVE)
    parts, params = [], []
    tcond = f" AND type IN ({', '.join(['%s'] * len(types))})" if types else ""
    if hist is None or hist:
        scond = f" AND status IN ({', '.join(['%s'] * len(hist))})" if hist else ""
        parts.append(f"(SELECT COALESCE(SUM(n), 0) FROM ({counts.history_sql(db)}) h WHERE 1 = 1{scond}{tcond})")
        params += [*(hist or ()), *(types or ())]
    if live:
        lcond = f" AND ({live_where})" if live_where else ""
        scond = f" AND status IN ({', '.join(['%s'] * len(live))})" if len(live) < len(ACTIVE) else ""
        parts.append(f"(SELECT COUNT(*) FROM jobs WHERE {counts.LIVE}{scond}{tcond}{lcond})")
        params += [*(live if scond else ()), *(types or ()), *live_params]
    return int(_exec(db, "SELECT " + " + ".join(parts), params).fetchone()[0])


JOB_FIELDS = ("id", "type", "subject", "status", "priority", "attempts", "max_attempts", "run_after",
              "created_at", "started_at", "finished_at", "worker_id", "progress_current", "progress_total",
              "progress_message", "last_error", "parent_id", "schedule", "library_id", "payload", "result", "failed",
              "blocked_on")


def _row(r) -> dict:
    d = dict(zip(JOB_FIELDS, r, strict=True))
    for k in ("payload", "result"):
        if isinstance(d[k], str):
            d[k] = json.loads(d[k])
    d["failed"] = bool(d["failed"])
    return d


SORTS = {"id": "id", "-id": "id DESC", "priority": "priority, id", "run_after": "run_after, id",
         "-created_at": "created_at DESC, id DESC", "created_at": "created_at, id", "-finished_at": "finished_at DESC, id DESC"}


def list_jobs(db: pw.Database, statuses: list[str] | None = None, types: list[str] | None = None,
              limit: int = 50, offset: int = 0, sort: str = "-id", library_id: int | None = None) -> tuple[list[dict], int]:
    page = list_jobs_page(db, statuses, types, limit, offset, sort, library_id)
    return page.rows, page.total


def list_jobs_page(db: pw.Database, statuses: list[str] | None = None, types: list[str] | None = None,
                   limit: int = 50, offset: int = 0, sort: str = "-id", library_id: int | None = None,
                   exact_limit: int | None = None, after: str | None = None) -> JobPage:
    """A page of jobs and their total. Filtered by status and type only, the total is exact and
    cheap (`count_jobs`); with a library too, it is counted up to `exact_limit` (the setting
    `api.exact_total_limit`) and estimated above, as the media lists do (`total_estimated`).
    `after`: a cursor (`JobPage.next_cursor` of the page before, sorts -id and id), the jobs past
    it; the total is still the whole list's."""
    where, params = [], []
    if statuses:
        where.append(f"status IN ({', '.join(['%s'] * len(statuses))})")
        params += statuses
    if types:
        where.append(f"type IN ({', '.join(['%s'] * len(types))})")
        params += types
    kinds = (" WHERE " + " AND ".join(where)) if where else ""
    if library_id is not None:
        where.append("library_id = %s")
        params.append(library_id)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    order = SORTS.get(sort, "id DESC")
    pclause, pparams = clause, list(params)
    if after is not None:
        if offset:
            raise BadQuery("give either 'after' (a cursor) or 'offset', not both")
        pclause = (pclause + " AND " if pclause else " WHERE ") + paging.condition(sort)
        pparams.append(paging.decode(after, sort))
    # one row more than the page tells whether there is a next one
    found = _exec(db, f"SELECT {', '.join(JOB_FIELDS)} FROM jobs{pclause} ORDER BY {order} LIMIT %s OFFSET %s",
                  (*pparams, limit + 1, offset)).fetchall()
    rows = [_row(r) for r in found[:limit]]
    cursor = paging.next_cursor(sort, rows, len(found) > limit)
    if library_id is None:
        return JobPage(rows, count_jobs(db, statuses, types), next_cursor=cursor)
    if exact_limit is None:
        setting = settings.get(db, "api.exact_total_limit")
        exact_limit = EXACT_LIMIT if setting is None else int(setting)
    n = _exec(db, f"SELECT COUNT(*) FROM (SELECT 1 FROM jobs{clause} LIMIT %s) b",
              (*params, exact_limit + 1)).fetchone()[0]
    if n <= exact_limit:
        return JobPage(rows, n, next_cursor=cursor)
    # the library's share of the newest jobs of these statuses and types, times all of them
    kparams = params[:-1]
    seen, hits = _exec(db, f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN library_id = %s THEN 1 ELSE 0 END), 0) FROM "
                           f"(SELECT library_id FROM jobs{kinds} ORDER BY id DESC LIMIT %s) s",
                       (library_id, *kparams, ESTIMATE_SAMPLE)).fetchone()
    est = count_jobs(db, statuses, types) * int(hits) // max(1, int(seen))
    return JobPage(rows, max(exact_limit + 1, est), total_estimated=True, next_cursor=cursor)


ESTIMATE_SAMPLE = 2000
EXACT_LIMIT = 1000   # the default of the setting api.exact_total_limit


def get_job(db: pw.Database, job_id: int) -> dict | None:
    r = _exec(db, f"SELECT {', '.join(JOB_FIELDS)} FROM jobs WHERE id = %s", (job_id,)).fetchone()
    if r is None:
        return None
    d = _row(r)
    d["events"] = [dict(zip(("ts", "kind", "message"), e, strict=True)) for e in
                   _exec(db, "SELECT ts, kind, message FROM job_events WHERE job_id = %s ORDER BY id", (job_id,)).fetchall()]
    return d
