"""Enrichment and artwork-caching job handlers (thin around metarr.enrichment.enrich), and the gateway call
they use: a worker thread submits to the ProviderGateway and waits on the returned future."""
from __future__ import annotations

import contextlib
import dataclasses
import time

from metarr.db.database import waiting
from metarr.db.media import ENTITY_MODELS
from metarr.db.models import Library
from metarr.enrichment import artwork_selection, collections, context, enrich, refresh, scoring
from metarr.jobs import chain
from metarr.jobs.model import JobResult, PermanentError, RetryLater
from metarr.jobs.retry import backoff_delay
from metarr.service import activity, settings
from metarr.sources import gaps
from metarr.sources.http import ProviderError, RateLimited, Unavailable

from .phases import fan_out


def gateway_call(services, timeout: float = 300.0, fresh: frozenset[str] = frozenset()):
    """`fresh`: providers whose cached answers are skipped (their change feed named the item;
    "*" = every provider, for the sweep)."""
    gw = services.actor("gateway")

    def call(req):
        if req.cache_ttl and ("*" in fresh or req.provider in fresh):
            req = dataclasses.replace(req, fresh=True)
        with waiting(services.db):
            return gw.submit(req).get(timeout=10).result(timeout=timeout)
    return call


def configured_providers(services) -> set[str]:
    """The providers with a key that the user has not switched off."""
    disabled = set(settings.get(services.db, "providers.disabled") or [])
    return set(services.actor("gateway").configured().get(timeout=10)) - disabled


@contextlib.contextmanager
def provider_outcomes():
    """A provider's failure as the job's outcome: a rate limit or an open circuit is a wait, a
    retryable error a retry (the ledger's backoff), anything else a permanent failure."""
    try:
        yield
    except RateLimited as e:
        raise RetryLater(str(e), delay=max(5.0, e.retry_after)) from e
    except ProviderError as e:
        if isinstance(e, Unavailable) and e.retry_after is not None:
            # identification met an open circuit: ask again when the circuit lets requests through
            raise RetryLater(str(e), delay=max(5.0, e.retry_after)) from e
        if e.retryable:
            raise
        raise PermanentError(str(e)) from e


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
    configured = configured_providers(s)
    is_refresh = bool(job.payload.get("refresh"))
    model = ENTITY_MODELS[et]
    before = model.get_by_id(eid).state
    call = gateway_call(s, fresh=frozenset(job.payload.get("fresh") or ()))
    ectx = context.make_ctx(s.db, call, s.config, configured, library=lib)
    with provider_outcomes():
        res = enrich.ENRICHERS[et](s.db, ectx, eid)
        gaps.record(s.db, et, eid, set(res.missing), set(res.answered), time.time(),
                    {d.split(":", 1)[0]: d for d in res.degraded})
    if is_refresh and not res.modified:
        # nothing changed upstream for us: no event, no re-cache, no publish (no NFO rewritten)
        return JobResult(data=res.to_json())
    s.bus.publish("entity.updated", entity=et, id=eid, fields=res.changed, source="enrich", state=res.state)
    _record_identification(s, et, eid, before, res.state)
    phase = chain.after_enrich(res.state)
    nxt = (chain.entity_job(phase, et, eid, lib.id, job.priority, publish=job.payload.get("publish")),) \
        if phase else ()
    nxt += collections.after_member_enrich(res.collection, lib.id, job.priority)
    return JobResult(data=res.to_json(), next=nxt)


def _record_identification(s, et: str, eid: int, before: str, after: str) -> None:
    """The activity log tells when an item needs the user, and when one that did is resolved."""
    from metarr.publishing.desired import describe_reason
    if after in ("ambiguous", "unidentified") and before != after:
        row = ENTITY_MODELS[et].get_by_id(eid)
        activity.record(s.db, "identify", f"{activity.entity_label(et, eid)}: not identified, "
                        f"{describe_reason(row.identify_reason or after)}", "warning", et, eid, bus=s.bus)
    elif before in ("ambiguous", "unidentified") and after not in ("ambiguous", "unidentified"):
        activity.record(s.db, "identify", f"{activity.entity_label(et, eid)}: identified", "info", et, eid, bus=s.bus)


def cache_entity(ctx, job):
    s = ctx.services
    et, eid = job.payload["entity_type"], int(job.payload["entity_id"])
    lib = _lib(et, eid)
    if lib is None:   # deleted since the job was queued: nothing to do, nothing failed
        return JobResult(data={"skipped": f"{et} {eid} no longer exists"})
    asset_cache = s.actor("asset_cache")

    def fetch(url: str, kind: str):
        with waiting(s.db):
            return asset_cache.fetch(url, kind).get(timeout=10).result(timeout=300)
    out = artwork_selection.cache_selected(s.db, fetch, et, eid, bool(settings.get(s.db, "publish.actors")),
                                           scoring.limits(int(settings.get(s.db, "publish.fanart_count"))))
    s.bus.publish("asset.selected", entity=et, id=eid, cached=out["cached"], failed=len(out["failed"]))
    if out["retry"]:
        # the best images are not here yet: try again later rather than publish without them (the
        # attempt counts; a host down for good ends as a visible dead job, never as worse artwork)
        wait = max([r.get("retry_after") or 0 for r in out["retry"]] + [backoff_delay(job.attempts, base=5.0, cap=900.0)])
        raise RetryLater(f"{len(out['retry'])} download(s) to try again: "
                         + ", ".join(sorted({r["reason"] for r in out["retry"]})), delay=wait)
    phase = chain.after_cache(lib.auto_publish or bool(job.payload.get("publish")))
    nxt = (chain.entity_job(phase, et, eid, lib.id, job.priority),) if phase else ()
    return JobResult(data=out, next=nxt)


def enrich_library(ctx, job):
    return fan_out(job, "enrich")


def enrich_stale(ctx, job):
    """Daily even sweep: today's slice of the library, so every enriched item is refreshed once
    within `refresh.sweep_days` (MusicBrainz items rely on it: MusicBrainz has no change feed)."""
    s = ctx.services
    n = refresh.sweep(s.db, time.time(), int(settings.get(s.db, "refresh.sweep_days") or 90), chain.KINDS)
    activity.record(s.db, "refresh", f"Periodic sweep: {n} item(s) queued for refresh", data={"provider": "sweep",
                    "refreshed": n}, bus=s.bus)
    return JobResult(data={"stale": n})


def refresh_changes(ctx, job):
    """Daily per provider: read its change feed since the stored cursor and refresh exactly the
    items it names. A failed read is retried and keeps the cursor."""
    s = ctx.services
    provider = (job.payload or {}).get("provider")
    if provider not in refresh.freshness.FEEDS:
        raise PermanentError(f"no change feed for provider {provider!r}")
    configured = configured_providers(s)
    if provider not in configured:
        return JobResult(data={"skipped": f"{provider} is not configured"})
    now = time.time()
    try:
        run = refresh.run_feed(gateway_call(s), provider, now)
    except ProviderError as e:
        refresh.failed(s.db, provider, now, str(e))
        activity.record(s.db, "refresh", f"{provider} change feed could not be read: {e}", "warning",
                        data={"provider": provider}, bus=s.bus)
        delay = getattr(e, "retry_after", None) or 60.0
        raise RetryLater(str(e), delay=max(5.0, delay)) from e
    n = refresh.commit(s.db, run, now)
    gap = ""
    if run.window.fallback_from is not None:
        gap = (f"; the feed no longer covers {refresh.freshness.day(run.window.fallback_from)} to "
               f"{refresh.freshness.day(run.window.start)}: that gap is left to the periodic sweep")
    activity.record(s.db, "refresh", f"{provider} change feed: {run.feed_ids} id(s) changed upstream, {n} of ours "
                    f"queued for refresh ({run.pages} page(s)){gap}", "warning" if gap else "info",
                    data={"provider": provider, "refreshed": n, "feed_ids": run.feed_ids, "pages": run.pages,
                          "fallback": run.window.fallback_from is not None}, bus=s.bus)
    return JobResult(data={"provider": provider, "refreshed": n, "feed_ids": run.feed_ids, "pages": run.pages,
                           "fallback_from": run.window.fallback_from})
