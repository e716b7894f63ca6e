"""Job handlers of collections (TMDB movie sets), thin around metarr.enrichment.collections and the
Publisher: enrich (texts in its movies' library language, artwork candidates) ─▶ cache its chosen
artwork ─▶ publish its movie set folder ─▶ tell the players (Kodi's set art over JSON-RPC). Each
link follows when one of its movies' libraries wants it (auto publish, auto sync)."""
from __future__ import annotations

from metarr.db.database import waiting
from metarr.db.media import Collection
from metarr.enrichment import artwork_selection, context
from metarr.enrichment import collections as coll
from metarr.jobs import chain
from metarr.jobs.model import JobResult, JobSpec, PermanentError, RetryLater
from metarr.jobs.retry import backoff_delay
from metarr.publishing.desired import Gone, PublishError
from metarr.service import activity

from .enrichment import configured_providers, gateway_call, provider_outcomes


def _gone(cid: int) -> JobResult | None:
    if Collection.get_or_none(Collection.id == cid) is None:
        return JobResult(data={"skipped": f"collection {cid} no longer exists"})
    return None


def enrich_collection(ctx, job):
    s = ctx.services
    cid = int(job.payload["entity_id"])
    if (skip := _gone(cid)) is not None:
        return skip
    lib = coll.texts_library(cid)
    configured = configured_providers(s)
    call = gateway_call(s, fresh=frozenset(job.payload.get("fresh") or ()))
    # the texts follow the languages (and fallbacks) of the library holding most of its movies
    ectx = context.make_ctx(s.db, call, s.config, configured, library=lib)
    with provider_outcomes():
        res = coll.enrich_collection(s.db, ectx, cid)
    s.bus.publish("entity.updated", entity="collection", id=cid, fields=res.changed, source="enrich", state=res.state)
    nxt: list[JobSpec] = []
    if res.state in ("enriched", "published"):
        nxt.append(chain.entity_job("cache", "collection", cid, None, job.priority))
    if {"name", "overview"} & set(res.changed):   # its movies' NFOs name the set
        nxt += coll.republish_members(cid, job.priority)
    return JobResult(data=res.to_json(), next=tuple(nxt))


def cache_collection(ctx, job):
    s = ctx.services
    cid = int(job.payload["entity_id"])
    if (skip := _gone(cid)) is not None:
        return skip
    asset_cache = s.actor("asset_cache")

    def fetch(url: str, kind: str):
        with waiting(s.db):
            return asset_cache.fetch(url, kind).get(timeout=10).result(timeout=300)
    out = artwork_selection.cache_selected(s.db, fetch, "collection", cid, False, coll.LIMITS)
    s.bus.publish("asset.selected", entity="collection", id=cid, cached=out["cached"], failed=len(out["failed"]))
    if out["retry"]:
        wait = max([r["retry_after"] or 0 for r in out["retry"]] + [backoff_delay(job.attempts, base=5.0, cap=900.0)])
        raise RetryLater(f"{len(out['retry'])} download(s) to try again: "
                         + ", ".join(sorted({r["reason"] for r in out["retry"]})), delay=wait)
    nxt = coll.publish_spec(cid, job.priority)
    return JobResult(data=out, next=(nxt,) if nxt else ())


def publish_collection(ctx, job):
    s = ctx.services
    cid = int(job.payload["entity_id"])
    publisher = s.actor("publisher")
    try:
        with waiting(s.db):
            res = publisher.publish_collection(cid).get(timeout=1800)
    except Gone as e:
        return JobResult(data={"skipped": str(e)})
    except PublishError as e:
        raise PermanentError(str(e)) from e
    done = {k: res.get(k, 0) for k in ("written", "replaced", "recycled")}
    if any(done.values()):
        activity.record(s.db, "publish", f"{activity.entity_label('collection', cid)} (movie set folder): "
                        + ", ".join(f"{n} {k}" for k, n in done.items() if n), "info", "collection", cid, bus=s.bus)
    lib = coll.texts_library(cid)
    nxt = ()
    if lib is not None and lib.auto_sync and s.registry.get("sync.entity") is not None:
        # the players' sets: Kodi fixed a set's art from the first movie it scanned (reference §2.2)
        nxt = (chain.entity_sync("collection", cid, lib.id, res["all_paths"]),)
    return JobResult(data={k: v for k, v in res.items() if k not in ("paths", "all_paths")}, next=nxt)
