"""Leases: who is running which job, for how long, and taking jobs back from whoever is not.

A ledger renews the leases of the jobs it really runs (or whose outcome it holds, waiting for the
database), never "every running row with my id": a row of its own it no longer runs (its outcome
was lost, its worker thread is gone) is taken back at once. Another process's job is taken back
when that process is gone from this host, or when its lease expired; after an outage of the
database every process renews before anyone judges the others' leases (see `recover`).
"""
from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable

import peewee as pw

from metarr.db.database import write_tx
from metarr.jobs.store import _event, _exec, reschedule


def extend_leases(db: pw.Database, worker_id: str, job_ids: Iterable[int], now: float, lease: float) -> int:
    """Renew the leases of these jobs (those this ledger runs or holds an outcome of)."""
    ids = sorted(set(job_ids))
    n = 0
    if not ids:
        return 0
    with write_tx(db):
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ", ".join(["%s"] * len(part))
            cur = _exec(db, f"UPDATE jobs SET lease_until = %s WHERE worker_id = %s AND status = 'running' "
                            f"AND id IN ({marks})", (now + lease, worker_id, *part))
            n += max(cur.rowcount or 0, 0)
    return n


def _owner_gone(worker_id: str | None, host: str, self_id: str, pid_alive: Callable[[int], bool]) -> str | None:
    """Why a job claimed by a process of this host can be taken back at once (None: it cannot)."""
    if not worker_id or worker_id == self_id:
        return None
    parts = worker_id.split(":")
    if len(parts) != 3 or parts[0] != host:
        return None
    try:
        pid = int(parts[1])
    except ValueError:
        return None
    if pid == os.getpid():
        # an earlier incarnation with our pid (container restarts reuse pids)
        return f"its process ({pid}) was restarted"
    return None if pid_alive(pid) else f"its process ({pid}) is gone"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(db: pw.Database, now: float, self_id: str, mine: Iterable[int] | None = None, *,
            take_expired: bool = True, host: str | None = None,
            alive: Callable[[int], bool] = pid_alive) -> list[tuple[int, str]]:
    """Return jobs to pending (the try counts; out of attempts: dead), and say why in their history:
    - our own running rows that are not in `mine` (the jobs this ledger runs or holds an outcome
      of): nobody runs them, at once (`mine=None`: ours are left alone);
    - another process's rows whose process on this host is gone, at once;
    - another process's rows whose lease expired, unless `take_expired` is false: the caller has
      just got the database back and gives the others time to renew theirs first.
    Returns (id, new status)."""
    host = host or socket.gethostname()
    mine = None if mine is None else set(mine)
    out: list[tuple[int, str]] = []
    with write_tx(db):
        rows = _exec(db, "SELECT id, worker_id, lease_until, attempts, max_attempts, schedule FROM jobs "
                         "WHERE status = 'running'").fetchall()
        for jid, wid, lease_until, attempts, max_attempts, schedule in rows:
            if wid == self_id:
                why = None if mine is None or jid in mine else "no longer running in its process (outcome lost or worker stopped)"
            else:
                why = _owner_gone(wid, host, self_id, alive)
                if why is None and take_expired and (lease_until is None or lease_until < now):
                    why = f"lease of {wid} expired {max(0.0, now - (lease_until or now)):.0f} s ago without a heartbeat"
            if why is None:
                continue
            if attempts >= max_attempts:
                _exec(db, "UPDATE jobs SET status = 'dead', finished_at = %s, lease_until = NULL, "
                          "last_error = %s WHERE id = %s", (now, f"taken back on its last attempt: {why}", jid))
                _event(db, jid, now, "dead", f"taken back on its last attempt: {why}")
                out.append((jid, "dead"))
                if schedule:
                    reschedule(db, schedule, now)
            else:
                _exec(db, "UPDATE jobs SET status = 'pending', run_after = %s, worker_id = NULL, lease_until = NULL "
                          "WHERE id = %s", (now, jid))
                _event(db, jid, now, "recovered", why)
                out.append((jid, "pending"))
    return out


def queue_health(db: pw.Database, now: float, stale_due: float = 600.0) -> dict:
    """The queue as an operator needs it: jobs running past their lease (nobody renews them),
    dead jobs, and how long the oldest due job has waited. `status` is "ok", or "degraded" with
    the reasons in words when jobs are stuck or due jobs wait too long (dead jobs are counted: they
    need the user, not the service)."""
    stuck = _exec(db, "SELECT COUNT(*), MIN(lease_until) FROM jobs WHERE status = 'running' AND "
                      "(lease_until IS NULL OR lease_until < %s)", (now,)).fetchone()
    dead = _exec(db, "SELECT COUNT(*) FROM jobs WHERE status = 'dead'").fetchone()[0]
    due = _exec(db, "SELECT COUNT(*), MIN(run_after) FROM jobs WHERE status = 'pending' AND run_after <= %s",
                (now,)).fetchone()
    running = _exec(db, "SELECT COUNT(*) FROM jobs WHERE status = 'running'").fetchone()[0]
    oldest_due = round(now - due[1], 1) if due[0] else None
    reasons = []
    if stuck[0]:
        reasons.append(f"{stuck[0]} job(s) running past their lease (for {now - (stuck[1] or now):.0f} s)")
    if oldest_due is not None and oldest_due > stale_due:
        reasons.append(f"the oldest due job has waited {oldest_due:.0f} s")
    return {"status": "degraded" if reasons else "ok", "reasons": reasons, "running": running,
            "stuck_leases": stuck[0], "dead": dead, "due": due[0], "oldest_due_s": oldest_due}
