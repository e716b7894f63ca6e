"""Scan job handlers: whole library, one folder (watcher, webhooks), every library (schedule).
Thin: the work is `metarr.scanning.scanner.scan`; this wires progress to the bus and chains the next phase."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobResult, JobSpec, PermanentError
from metarr.publishing.movieset import orphans
from metarr.scanning import followups
from metarr.scanning.scanner import ScanContext, scan
from metarr.service import activity, settings


def next_phase(services, lib: Library, targets: Iterable[tuple[str, int]], priority: int) -> tuple[JobSpec, ...]:
    """The first enabled phase after scanning for each changed item."""
    out = []
    phases = chain.after_scan(lib.auto_enrich, lib.auto_publish)
    for et, eid in dict.fromkeys(targets):
        phase = next((p for p in phases if services.registry.get(f"{p}.{et}") is not None), None)
        if phase:
            out.append(chain.entity_job(phase, et, eid, lib.id, priority))
    return tuple(out)


def _follow(services, lib: Library, job_id: int, rep, priority: int) -> tuple[JobSpec, ...]:
    """The jobs a scan's targets chain: directly when the scan held them all, else one
    followups.scan job for those it wrote to the database (#32)."""
    if not rep.followups:
        return next_phase(services, lib, rep.targets, priority)
    if not chain.after_scan(lib.auto_enrich, lib.auto_publish):
        followups.forget(services.db, job_id)   # nothing follows a scan in this library
        return ()
    return (chain.scan_followups(chain.FollowupsPayload(job_id, lib.id, priority, rep.followups)),)


def _run(ctx, job, sub: str, context: ScanContext) -> JobResult:
    s = ctx.services
    lib = Library.get_or_none(Library.id == int(job.payload["library_id"]))
    if lib is None:
        raise PermanentError(f"library {job.payload['library_id']} not found")
    if not lib.enabled:
        return JobResult(data={"skipped": "library disabled"})

    def progress(phase: str, current: int, total: int, message: str) -> None:
        s.bus.publish("scan.progress", library_id=lib.id, job_id=job.id, phase=phase, current=current, total=total,
                      path=message)
        ctx.progress(current, total, f"{phase} {message}".strip())

    workers = int(settings.get(s.db, "scan.probe_concurrency"))
    if s.probe_pool is not None:
        s.probe_pool.resize(workers)   # a changed setting applies from the next scan on
    rep = scan(s.db, s.config.data_dir, lib, sub, progress, context, probe_workers=workers,
               probe_pool=s.probe_pool, probe_timeout=float(settings.get(s.db, "scan.probe_timeout_seconds")),
               extra_ignore=settings.get(s.db, "scan.ignore_patterns"), job_id=job.id)
    summary = (f"{lib.name}{'/' + sub if sub else ''}: {rep.files} files, {rep.new} new, {rep.changed} changed, "
               f"{rep.moved} moved, {rep.deleted} deleted; {rep.created} items added, {rep.removed} removed")
    level = "warning" if rep.problems else "info"
    if rep.new or rep.changed or rep.deleted or rep.moved or rep.problems:
        activity.record(s.db, "scan", summary + (f"; {len(rep.problems)} problem(s)" if rep.problems else ""), level,
                        data={"library_id": lib.id, "problems": rep.to_json()["problems"][:50]}, bus=s.bus)
    prio = PRIORITY["webhook"] if context.trigger == "webhook" else PRIORITY["enrich"]
    nxt = _follow(s, lib, job.id, rep, prio)
    if rep.removed and lib.kind == "movie":
        # a set whose last movie went: its set folder goes to the recycle bin
        nxt += tuple(chain.entity_job("publish", "collection", cid, None, PRIORITY["bulk"]) for cid in orphans())
    return JobResult(data=rep.to_json(), next=nxt)


def scan_library(ctx, job):
    return _run(ctx, job, "", ScanContext(trigger=job.payload.get("trigger", "scan")))


def scan_path(ctx, job):
    p = job.payload
    context = ScanContext(ids={k: v for k, v in (p.get("ids") or {}).items() if v}, upgrade=bool(p.get("upgrade")),
                          trigger=p.get("trigger", "watcher"), renames=tuple(tuple(r) for r in p.get("renames") or ()))
    return _run(ctx, job, p.get("path") or "", context)


def scan_all(ctx, job):
    ids = [lib.id for lib in Library.select(Library.id).where(Library.enabled == True)]  # noqa: E712
    return JobResult(data={"libraries": len(ids)},
                     next=tuple(chain.library_job("scan", i, PRIORITY["maintenance"]) for i in ids))


def scan_followups(ctx, job):
    """One page of a large scan's targets becomes their jobs, and the next page its job; the ledger
    records them with this job's success, in one transaction (metarr/scanning/followups.py)."""
    s = ctx.services
    p = chain.FollowupsPayload(**job.payload)
    after = (p.after[0], int(p.after[1])) if p.after else None
    if after is not None:
        followups.forget(s.db, p.scan_job, after)   # the page before: its jobs were recorded with this job
    rows = followups.page(s.db, p.scan_job, after)
    lib = Library.get_or_none(Library.id == p.library_id)
    specs = next_phase(s, lib, rows, p.priority) if lib is not None else ()
    done = p.done + len(rows)
    ctx.progress(done, p.total, f"{done} of {p.total} items queued")
    nxt = (chain.scan_followups(replace(p, page=p.page + 1, done=done, after=list(rows[-1]))),) if rows else ()
    return JobResult(data={"scan_job": p.scan_job, "page": p.page, "queued": len(specs), "done": done,
                           "total": p.total}, next=specs + nxt)
