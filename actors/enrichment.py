"""Enrichment and artwork-caching job handlers (thin around metarr.enrich), and the gateway call
they use: a worker thread submits to the ProviderGateway and waits on the returned future."""
from __future__ import annotations

import time

from metarr import enrich, settings
from metarr.db.media import ENTITY_MODELS
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobResult, PermanentError, RetryLater
from metarr.jobs.retry import backoff_delay
from metarr.sources.http import ProviderError, RateLimited, Unavailable

from .phases import fan_out


def gateway_call(services, timeout: float = 300.0):
    gw = services.actor("gateway")

    def call(req):
        return gw.submit(req).get(timeout=10).result(timeout=timeout)
    return call


def _lib(entity_type: str, entity_id: int) -> Library | None:
    model = ENTITY_MODELS[entity_type]
    row = model.get_or_none(model.id == entity_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        return None
    return Library.get_or_none(Library.id == row.library_id)


def enrich_entity(ctx, job):
    s = ctx.services
    et, eid = job.payload["entity_type"], int(job.payload["entity_id"])
    lib = _lib(et, eid)
    if lib is None:   # deleted since the job was queued: nothing to do, nothing failed
        return JobResult(data={"skipped": f"{et} {eid} no longer exists"})
    configured = set(s.actor("gateway").configured().get(timeout=10)) - set(settings.get(s.db, "providers.disabled") or [])
    ectx = enrich.make_ctx(s.db, gateway_call(s), s.config, configured, lib.language)
    try:
        res = enrich.ENRICHERS[et](s.db, ectx, eid)
    except RateLimited as e:
        raise RetryLater(str(e), delay=max(5.0, e.retry_after)) from e
    except ProviderError as e:
        if isinstance(e, Unavailable) and e.retry_after is not None:
            # identification met an open circuit: ask again when the circuit lets requests through
            raise RetryLater(str(e), delay=max(5.0, e.retry_after)) from e
        if e.retryable:
            raise
        raise PermanentError(str(e)) from e
    s.bus.publish("entity.updated", entity=et, id=eid, fields=res.changed, source="enrich", state=res.state)
    phase = chain.after_enrich(res.state)
    nxt = (chain.entity_job(phase, et, eid, lib.id, job.priority),) if phase else ()
    return JobResult(data=res.to_json(), next=nxt)


def cache_entity(ctx, job):
    s = ctx.services
    et, eid = job.payload["entity_type"], int(job.payload["entity_id"])
    lib = _lib(et, eid)
    if lib is None:   # deleted since the job was queued: nothing to do, nothing failed
        return JobResult(data={"skipped": f"{et} {eid} no longer exists"})
    asset_cache = s.actor("asset_cache")

    def fetch(url: str, kind: str):
        return asset_cache.fetch(url, kind).get(timeout=10).result(timeout=300)
    out = enrich.cache_selected(s.db, fetch, et, eid, bool(settings.get(s.db, "publish.actors")))
    s.bus.publish("asset.selected", entity=et, id=eid, cached=out["cached"], failed=len(out["failed"]))
    if out["retry"]:
        # the best images are not here yet: try again later rather than publish without them (the
        # attempt counts; a host down for good ends as a visible dead job, never as worse artwork)
        wait = max([r["retry_after"] or 0 for r in out["retry"]] + [backoff_delay(job.attempts, base=5.0, cap=900.0)])
        raise RetryLater(f"{len(out['retry'])} download(s) to try again: "
                         + ", ".join(sorted({r["reason"] for r in out["retry"]})), delay=wait)
    phase = chain.after_cache(lib.auto_publish)
    nxt = (chain.entity_job(phase, et, eid, lib.id, job.priority),) if phase else ()
    return JobResult(data=out, next=nxt)


def enrich_library(ctx, job):
    return fan_out(job, "enrich")


def enrich_stale(ctx, job):
    """Weekly: refresh metadata enriched more than 30 days ago (the response cache keeps it cheap)."""
    cutoff = time.time() - 30 * 86400
    specs = []
    for et in chain.KINDS:
        model = ENTITY_MODELS[et]
        for r in model.select(model.id, model.library_id).where(model.enriched_at.is_null(False)
                                                                 & (model.enriched_at < cutoff)
                                                                 & model.deleted_at.is_null(True)).limit(1000):
            specs.append(chain.entity_job("enrich", et, r.id, r.library_id, PRIORITY["maintenance"]))
    return JobResult(data={"stale": len(specs)}, next=tuple(specs))
