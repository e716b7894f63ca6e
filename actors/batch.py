"""Batch action handlers (thin around metarr.batch): the request fans out into chunks; a chunk does
its items and queues the chain jobs they need, stopping early when the batch was cancelled."""
from __future__ import annotations

from metarr import batch
from metarr.db.models import Job
from metarr.jobs.model import JobResult, PermanentError
from metarr.service import settings


def run_batch(ctx, job):
    p = job.payload
    if p.get("kind") not in batch.KINDS.values() or p.get("action") not in batch.ACTIONS:
        raise PermanentError(f"unknown batch {p.get('kind')!r}/{p.get('action')!r}")
    ids = [int(i) for i in p.get("ids") or ()]
    nxt = batch.chunks(p["kind"], p["action"], ids, p.get("params") or {})
    return JobResult(data={"items": len(ids), "chunks": len(nxt), "action": p["action"]}, next=nxt)


def run_chunk(ctx, job):
    p = job.payload
    db = ctx.services.db

    def wanted() -> bool:   # the batch cancelled meanwhile: this chunk's row says so
        row = Job.select(Job.status).where(Job.id == job.id).first()
        return row is not None and row.status == "running"
    res = batch.run_chunk(db, p["kind"], p["action"], [int(i) for i in p["ids"]], p.get("params") or {},
                          allow_unidentified=bool(settings.get(db, "publish.unidentified")),
                          progress=lambda a, b: ctx.progress(a, b, batch.WORDS[p["action"]]), wanted=wanted)
    return JobResult(data=res.to_json(), next=tuple(res.next))
