"""Jobs as the Jobs page shows them: a human name with a link to the item, a duration, and grouped
by the run they belong to (a library scan and the enrich/cache/publish/sync jobs it led to)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from metarr.jobs import paging, store
from metarr.service import humanize

LINKS = {"movie": "/movies/{}", "series": "/series/{}", "artist": "/artists/{}", "collection": "/collections/{}",
         "library": "/libraries",
         "player": "/players", "group": "/players"}


def subject_labels(subjects: list[str]) -> dict[str, str]:
    """"movie:3" → "The General (1926)", "library:1" → "Movies": one query per kind on the page."""
    from metarr.db.integrations import Player as PlayerRow
    from metarr.db.integrations import PlayerGroup
    from metarr.db.media import Artist, Collection, Movie, Series
    from metarr.db.models import Library
    ids: dict[str, set[int]] = {}
    for s in subjects:
        kind, _, rest = (s or "").partition(":")
        if rest.isdigit():
            ids.setdefault(kind, set()).add(int(rest))
    out: dict[str, str] = {}

    def fill(kind, model, label):
        if ids.get(kind):
            for r in model.select().where(model.id.in_(sorted(ids[kind]))):
                out[f"{kind}:{r.id}"] = label(r)
    fill("movie", Movie, lambda r: f"{r.title} ({r.year})" if r.year else r.title)
    fill("series", Series, lambda r: r.title)
    fill("artist", Artist, lambda r: r.name)
    fill("collection", Collection, lambda r: r.name)
    fill("library", Library, lambda r: r.name)
    fill("player", PlayerRow, lambda r: r.name)
    fill("group", PlayerGroup, lambda r: r.name)
    return out


def _ts(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def describe(job: dict, labels: dict[str, str]) -> dict:
    """A job (as the API shows it) with a name, a link and a duration."""
    subject = job.get("subject") or ""
    kind, _, rest = subject.partition(":")
    # only a subject that names something gets words: a bare key ("players" of sync.flush, a schedule's
    # name) is already said by the job's own words ("Send gathered changes to the players players")
    label = labels.get(subject) or ((job.get("payload") or {}).get("provider") or "").upper()
    started, finished = _ts(job.get("started_at")), _ts(job.get("finished_at"))
    return {**job, "name": humanize.job_name(job["type"], label),
            "link": LINKS[kind].format(rest) if kind in LINKS and rest.isdigit() else None,
            "duration": humanize.duration(finished - started) if started and finished else ""}


def group_runs(jobs: list[dict]) -> list[dict]:
    """Jobs grouped under the first job of their run (following parent ids among the jobs shown),
    newest run first; a run's title is its first job's name."""
    by_id = {j["id"]: j for j in jobs}

    def root(j: dict) -> int:
        seen = set()
        while j.get("parent_id") in by_id and j["id"] not in seen:
            seen.add(j["id"])
            j = by_id[j["parent_id"]]
        return j["id"]
    runs: dict[int, list[dict]] = {}
    for j in jobs:
        runs.setdefault(root(j), []).append(j)
    out = []
    for rid, members in sorted(runs.items(), key=lambda kv: -kv[0]):
        members.sort(key=lambda j: j["id"])
        counts: dict[str, int] = {}
        for m in members:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
        out.append({"id": rid, "title": by_id[rid]["name"], "started_at": by_id[rid].get("created_at"),
                    "jobs": members, "counts": counts})
    return out


@dataclass
class JobsPage:
    """A page of the Jobs page: its rows (newest first), the list's total, and the cursors of the
    older and the newer page (None when there is none)."""
    rows: list[dict]
    total: int
    older: str | None = None
    newer: str | None = None
    offset: int | None = 0       # the first row's position when known (a page by offset), else None


def page(db: pw.Database, statuses: list[str] | None, limit: int, offset: int, now: float,
         after: int | None = None, before: int | None = None) -> JobsPage:
    """A page of the Jobs page's jobs, newest first, without the schedules' jobs that only wait for
    their time (those are listed apart, folded: `waiting_schedules`). `after`/`before`: the id of
    the job the page is older/newer than (#32: a keyset page, as fast deep in the history as at its
    start; an offset read and dropped every row before it)."""
    where = ["NOT (status = 'pending' AND schedule IS NOT NULL AND run_after > %s)"]
    params: list = [now]
    if statuses:
        where.append(f"status IN ({', '.join(['%s'] * len(statuses))})")
        params += statuses
    # the finished jobs from their kept counts, not a count of the whole history (#32)
    total = store.count_jobs(db, statuses, None, where[0], (now,))

    def read(cond: str, args: list, order: str, skip: int) -> list[dict]:
        clause = " WHERE " + " AND ".join(where + ([cond] if cond else []))
        rows = store._exec(db, f"SELECT {', '.join(store.JOB_FIELDS)} FROM jobs{clause} ORDER BY {order} "
                               f"LIMIT %s OFFSET %s", (*params, *args, limit + 1, skip)).fetchall()
        return [store._row(r) for r in rows]
    if before is not None:
        rows = read("id > %s", [before], "id", 0)
        if len(rows) > limit:   # newer ones remain above this page
            rows = rows[:limit][::-1]
            return JobsPage(rows, total, older=paging.encode("-id", rows[-1]["id"]),
                            newer=paging.encode("-id", rows[0]["id"]), offset=None)
        after, offset = None, 0   # back at the newest: the first page, full
    if after is not None:
        rows = read("id < %s", [after], "id DESC", 0)
        first = False
    else:
        rows = read("", [], "id DESC", offset)
        first = offset == 0
    more = len(rows) > limit
    rows = rows[:limit]
    return JobsPage(rows, total, older=paging.encode("-id", rows[-1]["id"]) if more else None,
                    newer=paging.encode("-id", rows[0]["id"]) if rows and not first else None,
                    offset=None if after is not None else offset)


def waiting_schedules(db: pw.Database, now: float) -> list[dict]:
    """The schedules' jobs that wait for their time, soonest first."""
    rows = store._exec(db, f"SELECT {', '.join(store.JOB_FIELDS)} FROM jobs WHERE status = 'pending' "
                           "AND schedule IS NOT NULL AND run_after > %s ORDER BY run_after", (now,)).fetchall()
    return [store._row(r) for r in rows]
