"""Job handlers of the phases that run per entity or per library (publish for now; scan, enrich,
verify and sync register theirs in their own modules)."""
from __future__ import annotations

from metarr.db.media import Artist, Movie, Series
from metarr.db.models import Library
from metarr.jobs.model import PRIORITY, JobResult, JobSpec, PermanentError
from metarr.publish import PublishError

ROOTS = {"movie": Movie, "series": Series, "artist": Artist}
LIBRARY_ROOT = {"movie": "movie", "tv": "series", "music": "artist"}


def register(reg) -> None:
    for kind in ROOTS:
        reg.register(f"publish.{kind}", publish_entity, concurrency=2)
    reg.register("publish.library", publish_library)


def sync_spec(services, entity_type: str, entity_id: int, library_id: int, paths: list[str]) -> JobSpec | None:
    """The sync step after a publish, if this build has one and the library wants it."""
    lib = Library.get_or_none(Library.id == library_id)
    if lib is None or not lib.auto_sync or not paths or services.registry.get("sync.entity") is None:
        return None
    return JobSpec("sync.entity", subject=f"{entity_type}:{entity_id}", priority=PRIORITY["sync"],
                   library_id=library_id,
                   payload={"entity_type": entity_type, "entity_id": entity_id, "library_id": library_id,
                            "paths": paths})


def publish_entity(ctx, job):
    p = job.payload
    et, eid = p["entity_type"], int(p["entity_id"])
    publisher = ctx.services.actor("publisher")
    try:
        res = publisher.publish(et, eid).get(timeout=1800)
    except PublishError as e:
        raise PermanentError(str(e)) from e
    nxt = sync_spec(ctx.services, et, eid, res["library_id"], res["paths"])
    return JobResult(data={k: v for k, v in res.items() if k != "paths"}, next=(nxt,) if nxt else ())


def publish_library(ctx, job):
    lib = Library.get_or_none(Library.id == int(job.payload["library_id"]))
    if lib is None:
        raise PermanentError("library not found")
    kind = LIBRARY_ROOT[lib.kind]
    model = ROOTS[kind]
    ids = [r.id for r in model.select(model.id).where((model.library_id == lib.id) & model.deleted_at.is_null(True))]
    specs = tuple(JobSpec(f"publish.{kind}", subject=f"{kind}:{i}", payload={"entity_type": kind, "entity_id": i},
                          priority=PRIORITY["bulk"], library_id=lib.id) for i in ids)
    return JobResult(data={"entities": len(ids)}, next=specs)
