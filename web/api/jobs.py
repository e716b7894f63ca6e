"""Jobs: list/filter, stats, get, retry, cancel."""
from __future__ import annotations

import time

from aiohttp import web

from metarr.db.cursors import BadQuery
from metarr.jobs import store
from metarr.jobs.model import STATUSES
from metarr.service.timefmt import iso

from ..envelope import ApiError, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import csv_param, int_param, paging, path_id

routes = web.RouteTableDef()


def _waiting_for(code: str | None) -> str | None:
    """A job waiting for a disk or the database, in words ("cannot write: disk full")."""
    from metarr.jobs.waiting import parse_code
    b = parse_code(code)
    return b.words if b is not None else None


def job_json(d: dict, full: bool = False) -> dict:
    out = {"id": d["id"], "type": d["type"], "status": d["status"], "priority": d["priority"],
           "attempts": d["attempts"], "max_attempts": d["max_attempts"],
           "progress": {"current": d["progress_current"], "total": d["progress_total"],
                        "message": d["progress_message"]},
           "subject": d["subject"], "run_after": iso(d["run_after"]), "created_at": iso(d["created_at"]),
           "started_at": iso(d["started_at"]), "finished_at": iso(d["finished_at"]),
           "last_error": d["last_error"], "library_id": d["library_id"], "parent_id": d["parent_id"],
           "schedule": d["schedule"], "blocked_on": d.get("blocked_on"), "waiting_for": _waiting_for(d.get("blocked_on"))}
    if full:
        out.update(payload=d["payload"], result=d["result"], worker_id=d["worker_id"],
                   events=[{**e, "ts": iso(e["ts"])} for e in d.get("events", [])])
    return out


@routes.get("/api/v1/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    statuses = csv_param(request, "status", STATUSES)
    types = csv_param(request, "type")
    sort = request.query.get("sort", "-id")
    if sort not in store.SORTS:
        raise ApiError(400, "bad_request", f"sort must be one of {', '.join(store.SORTS)}")
    lib = int_param(request, "library_id", 0, 1) if request.query.get("library_id") else None
    after = request.query.get("after") or None   # a cursor: meta.next_cursor of the previous page
    if after is not None and len(after) > 2000:
        raise ApiError(400, "bad_request", "'after' is not a cursor this API gave out (too long)")
    db = request.app[services_key].db
    try:
        page = await request.app[bridge_key].run(
            store.list_jobs_page, db, statuses, types, limit, offset, sort, lib, None, after)
    except BadQuery as e:
        raise ApiError(400, "bad_request", str(e)) from None
    return ok([job_json(r) for r in page.rows], {"total": page.total, "total_estimated": page.total_estimated,
                                                 "limit": limit, "offset": offset, "next_cursor": page.next_cursor})


@routes.get("/api/v1/jobs/stats")
async def job_stats(request: web.Request) -> web.Response:
    db = request.app[services_key].db
    s = await request.app[bridge_key].run(store.stats, db, time.time())
    return ok({"due": s.due, "running": s.running, "retrying": s.retrying, "scheduled": s.scheduled,
               "dead": s.dead, "succeeded": s.succeeded, "cancelled": s.cancelled, "by_type": s.by_type})


@routes.get("/api/v1/jobs/{id}")
async def get_job(request: web.Request) -> web.Response:
    jid = path_id(request)
    d = await request.app[bridge_key].run(store.get_job, request.app[services_key].db, jid)
    if d is None:
        raise not_found(f"job {jid}")
    return ok(job_json(d, full=True))


@routes.post("/api/v1/jobs/{id}/retry")
async def retry_job(request: web.Request) -> web.Response:
    jid = path_id(request)
    ledger = request.app[services_key].actor("ledger")
    status, new_id = await request.app[bridge_key].ask(lambda: ledger.retry(jid))
    if status is None:
        raise not_found(f"job {jid}")
    if status in ("running", "succeeded"):
        raise ApiError(409, "conflict", f"job {jid} is {status} and cannot be retried")
    return ok({"job_id": new_id, "status": "pending" if status != "duplicate" else "already queued"}, status=202)


@routes.post("/api/v1/jobs/{id}/cancel")
async def cancel_job(request: web.Request) -> web.Response:
    jid = path_id(request)
    ledger = request.app[services_key].actor("ledger")
    db = request.app[services_key].db
    d = await request.app[bridge_key].run(store.get_job, db, jid)
    if d is not None and d["type"] == "batch.run":
        # a batch is its whole tree: what has not run yet is cancelled with it
        ids = await request.app[bridge_key].ask(lambda: ledger.cancel_tree(jid), timeout=120)
        if not ids and d["status"] not in ("pending", "running"):
            raise ApiError(409, "conflict", f"job {jid} is {d['status']} and its batch has finished")
        return ok({"job_id": jid, "status": "cancelled", "cancelled": len(ids)})
    status = await request.app[bridge_key].ask(lambda: ledger.cancel(jid))
    if status is None:
        raise not_found(f"job {jid}")
    if status != "cancelled":
        raise ApiError(409, "conflict", f"job {jid} is {status}")
    return ok({"job_id": jid, "status": "cancelled"})
