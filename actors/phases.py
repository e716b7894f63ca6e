"""Job handlers of the phases that run per entity or per library (publish for now; scan, enrich,
verify and sync register theirs in their own modules)."""
from __future__ import annotations

from metarr.db.database import waiting
from metarr.db.media import Artist, Movie, Series
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobResult, JobSpec, PermanentError
from metarr.publishing.desired import Gone, PublishError, Unidentified
from metarr.publishing.publish import paths_to_notify

ROOTS = {"movie": Movie, "series": Series, "artist": Artist}


def sync_spec(services, entity_type: str, entity_id: int, library_id: int, paths: list[str]) -> JobSpec | None:
    """The sync step after a publish, if this build has one and the library wants it."""
    lib = Library.get_or_none(Library.id == library_id)
    if lib is None or not lib.auto_sync or not paths or services.registry.get("sync.entity") is None:
        return None
    return chain.entity_sync(entity_type, entity_id, library_id, paths)


def publish_entity(ctx, job):
    p = job.payload
    et, eid = p["entity_type"], int(p["entity_id"])
    publisher = ctx.services.actor("publisher")
    try:
        with waiting(ctx.services.db):
            res = publisher.publish(et, eid).get(timeout=1800)
    except Gone as e:   # deleted or moved since the job was queued: nothing to do, nothing failed
        return JobResult(data={"skipped": str(e)})
    except Unidentified as e:   # policy, not a failure: the item shows why, and identify publishes it
        return JobResult(data={"skipped": str(e), "unidentified": e.reason})
    except PublishError as e:
        raise PermanentError(str(e)) from e
    done = {k: res.get(k, 0) for k in ("written", "replaced", "recycled")}
    if any(done.values()):
        from metarr.service import activity
        what = ", ".join(f"{n} {k}" for k, n in done.items() if n)
        activity.record(ctx.services.db, "publish", f"{activity.entity_label(et, eid)}: {what}", "info", et, eid,
                        bus=ctx.services.bus)
    paths = paths_to_notify(res["paths"], res["all_paths"], job.attempts)
    nxt = sync_spec(ctx.services, et, eid, res["library_id"], paths)
    return JobResult(data={k: v for k, v in res.items() if k not in ("paths", "all_paths")}, next=(nxt,) if nxt else ())


def fan_out(job, phase: str) -> JobResult:
    """A whole-library phase becomes one job per item (each retried on its own)."""
    lib = Library.get_or_none(Library.id == int(job.payload["library_id"]))
    if lib is None:
        raise PermanentError("library not found")
    et = chain.LIBRARY_ROOT[lib.kind]
    model = ROOTS[et]
    cond = (model.library_id == lib.id) & model.deleted_at.is_null(True)
    if phase == "publish" and job.payload.get("trigger") == chain.REPUBLISH_PUBLISHED:
        cond &= model.published_at.is_null(False)
    ids = [r.id for r in model.select(model.id).where(cond)]
    return JobResult(data={"entities": len(ids)},
                     next=tuple(chain.entity_job(phase, et, i, lib.id, PRIORITY["bulk"]) for i in ids))


def publish_library(ctx, job):
    return fan_out(job, "publish")


def dry_run_library(ctx, job):
    """What a `publish.library` would write, planned item by item with the publish settings, nothing
    applied; the job's result is the summary (metarr.publishing.library_plan)."""
    from metarr.publishing import library_plan
    s = ctx.services
    lib = Library.get_or_none(Library.id == int(job.payload["library_id"]))
    if lib is None:
        raise PermanentError("library not found")
    opts = library_plan.options(s.db, job.payload.get("samples"))
    summary = library_plan.plan_library(s.config.data_dir, lib.id, opts,
                                        lambda done, total: ctx.progress(done, total, "planning"))
    return JobResult(data=summary.to_json())


# ------------------------------------------------------------------ verification

def verify_all(ctx, job):
    ids = [lib.id for lib in Library.select(Library.id).where(Library.enabled == True)]  # noqa: E712
    return JobResult(data={"libraries": len(ids)},
                     next=tuple(chain.library_job("verify", i, PRIORITY["maintenance"]) for i in ids))


KEPT_FINDINGS = 1000   # findings a verification's result lists (metarr.publishing.verify.Tally)


def verify_library(ctx, job):
    from pathlib import Path

    from metarr.publishing import verify
    from metarr.scanning import availability
    from metarr.service import activity, settings
    s = ctx.services
    lib = Library.get_or_none(Library.id == int(job.payload["library_id"]))
    if lib is None:
        raise PermanentError("library not found")
    policy = job.payload.get("policy") or settings.get(s.db, "verify.policy")
    if policy not in verify.POLICIES:
        raise PermanentError(f"unknown verify policy {policy!r}")
    availability.check_for_verify(s.db, lib)   # every file "missing" in an unmounted share: republish nothing
    republish: set[tuple[str, int]] = set()
    tally = verify.Tally(KEPT_FINDINGS)
    for f in verify.iter_findings(s.config.data_dir, lib.id):   # a page of files at a time
        done, item = verify.repair(s.db, s.config.data_dir, Path(lib.path), f, policy)
        if item:
            republish.add(item)
        tally.add(f, done)
    if tally.problems:
        activity.record(s.db, "verify", f"{lib.name}: {tally.problems} problem(s) found", "warning",
                        data={"library_id": lib.id}, bus=s.bus)
    s.bus.publish("verify.result", library_id=lib.id, problems=tally.problems, findings=tally.listed[:200])
    specs = tuple(chain.entity_job("publish", et, eid, lib.id, PRIORITY["maintenance"]) for et, eid in sorted(republish))
    return JobResult(data=tally.to_json(policy), next=specs)
