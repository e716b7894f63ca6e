"""Schedules you can see, change and run (SPEC §4, §10): the read model of `GET /schedules`, the
checks of a change, and the two writes the ledger makes for them (a change re-dates or withdraws
the schedule's pending job in the same transaction; "Run now" pulls it forward)."""
from __future__ import annotations

import json
from typing import Any

import peewee as pw

from metarr.db.database import write_tx
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.jobs.store import _exec, enqueue_in_tx
from metarr.service import humanize
from metarr.service.timefmt import iso

MIN_INTERVAL = 60             # a minute: shorter would only keep a worker busy
MAX_INTERVAL = 366 * 86400    # a year


class ScheduleError(ValueError):
    """A change the API refuses (the message says why, in words)."""


def parse_change(body: dict[str, Any]) -> tuple[int | None, bool | None]:
    """`{"interval_s"?, "enabled"?}` → (interval, enabled); anything else is refused."""
    unknown = sorted(set(body) - {"interval_s", "enabled"})
    if unknown:
        raise ScheduleError(f"{', '.join(repr(k) for k in unknown)}: a schedule has only interval_s and enabled")
    interval = body.get("interval_s")
    enabled = body.get("enabled")
    if interval is not None:
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval != int(interval):
            raise ScheduleError("interval_s must be a whole number of seconds")
        if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ScheduleError(f"interval_s must be between {MIN_INTERVAL} (a minute) and {MAX_INTERVAL} (a year)")
        interval = int(interval)
    if enabled is not None and not isinstance(enabled, bool):
        raise ScheduleError("enabled must be true or false")
    if interval is None and enabled is None:
        raise ScheduleError("nothing to change: give interval_s and/or enabled")
    return interval, enabled


# ------------------------------------------------------------------ words

RESULT_WORDS = {"refreshed": "refreshed", "feed_ids": "changed upstream", "pages": "page(s) read",
                "libraries": "library(ies)", "purged": "removed", "stale": "queued for refresh",
                "marked": "unused file(s) marked", "recycled": "moved to the recycle bin"}


def result_words(status: str | None, result: dict | None) -> str:
    """How a schedule's last run ended, as a sentence: "done: 3 refreshed, 12 changed upstream"."""
    result = result or {}
    if status is None:
        return "not run yet"
    if status != "succeeded":
        return f"failed: {result.get('error') or 'no reason given'}"
    if result.get("skipped"):
        return f"skipped: {result['skipped']}"
    parts = [f"{v} {RESULT_WORDS[k]}" for k, v in result.items()
             if k in RESULT_WORDS and isinstance(v, int) and not isinstance(v, bool)]
    return "done" + (": " + ", ".join(parts) if parts else "")


def interval_words(seconds: int) -> str:
    """86400 → "every day", 7200 → "every 2 hours", 90 → "every 90 seconds"."""
    for unit, size in (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"every {unit}" if n == 1 else f"every {n} {unit}s"
    return f"every {seconds} seconds"


# ------------------------------------------------------------------ read model

def list_schedules(db: pw.Database, now: float) -> list[dict]:
    """Every schedule with its next run (the pending job's time) and how its last run ended."""
    active: dict[str, tuple[float, str, int]] = {}
    for name, run_after, status, jid in _exec(
            db, "SELECT schedule, run_after, status, id FROM jobs WHERE status IN ('pending', 'running') "
                "AND schedule IS NOT NULL ORDER BY id").fetchall():
        if name not in active or status == "running":
            active[name] = (run_after, status, jid)
    out = []
    for (name, jtype, interval, enabled, last_run, last_status, last_result, payload) in _exec(
            db, "SELECT name, job_type, interval_s, enabled, last_run, last_status, last_result, payload "
                "FROM schedules ORDER BY name").fetchall():
        run_after, status, jid = active.get(name, (None, None, None))
        if isinstance(last_result, str):
            last_result = json.loads(last_result)
        if isinstance(payload, str):
            payload = json.loads(payload)
        provider = (payload or {}).get("provider")
        out.append({
            "name": name, "job_type": jtype, "interval_s": interval, "enabled": bool(enabled),
            "last_run": iso(last_run), "next_run": iso(max(run_after, now)) if status == "pending" else None,
            "running": status == "running", "job_id": jid, "last_status": last_status,
            "last_result": last_result, "last_result_text": result_words(last_status, last_result),
            "title": humanize.job_name(jtype, provider.upper() if provider else ""),
            "interval_text": interval_words(interval)})
    return out


def get_schedule(db: pw.Database, name: str, now: float) -> dict | None:
    return next((s for s in list_schedules(db, now) if s["name"] == name), None)


# ------------------------------------------------------------------ writes (the ledger calls these)

def change(db: pw.Database, name: str, now: float, interval: int | None, enabled: bool | None) -> dict | None:
    """Store a schedule's new interval / state and bring its pending job in line, in one transaction:
    turned off → the waiting job is cancelled; a new interval → it is due one interval after the last
    run; turned on → a job is queued. None when there is no such schedule."""
    out: dict[str, list[int]] = {"cancelled": [], "created": []}
    with write_tx(db):
        row = _exec(db, "SELECT job_type, subject, interval_s, enabled, payload, last_run FROM schedules "
                        "WHERE name = %s", (name,)).fetchone()
        if row is None:
            return None
        jtype, subject, cur_interval, cur_enabled, payload, last_run = row
        interval = cur_interval if interval is None else interval
        enabled = bool(cur_enabled) if enabled is None else enabled
        _exec(db, "UPDATE schedules SET interval_s = %s, enabled = %s WHERE name = %s", (interval, enabled, name))
        waiting = _exec(db, "SELECT id, run_after FROM jobs WHERE schedule = %s AND status = 'pending'",
                        (name,)).fetchall()
        due = chain.next_due(last_run, interval, now)
        if not enabled:
            for jid, _ in waiting:
                _exec(db, "UPDATE jobs SET status = 'cancelled', finished_at = %s WHERE id = %s", (now, jid))
                _exec(db, "INSERT INTO job_events (job_id, ts, kind, message) VALUES (%s, %s, %s, %s)",
                      (jid, now, "cancelled", "schedule turned off"))
                out["cancelled"].append(jid)
        elif waiting:
            for jid, run_after in waiting:
                if run_after > now:   # a job already pulled forward ("Run now") stays due
                    _exec(db, "UPDATE jobs SET run_after = %s WHERE id = %s", (max(now, due), jid))
        elif _exec(db, "SELECT 1 FROM jobs WHERE schedule = %s AND status = 'running'", (name,)).fetchone() is None:
            spec = chain.scheduled(name, jtype, subject, json.loads(payload) if isinstance(payload, str) else payload,
                                   max(0.0, due - now))
            out["created"] += [jid for jid, created in enqueue_in_tx(db, [spec], now) if created]
    return out


def run_now(db: pw.Database, name: str, now: float) -> tuple[int, bool] | None:
    """Queue the schedule's job to run at once, at a user's priority: its waiting job is pulled
    forward (one job, not two); a running one is returned as it is. (job id, created) or None."""
    with write_tx(db):
        row = _exec(db, "SELECT job_type, subject, payload FROM schedules WHERE name = %s", (name,)).fetchone()
        if row is None:
            return None
        jtype, subject, payload = row
        spec = chain.scheduled(name, jtype, subject, json.loads(payload) if isinstance(payload, str) else payload,
                               0.0, priority=PRIORITY["user"])
        return enqueue_in_tx(db, [spec], now)[0]

