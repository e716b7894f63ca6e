"""Health (public) and status."""
from __future__ import annotations

import time

from aiohttp import web

from metarr.db.database import ping
from metarr.jobs import leases, store

from ..envelope import ApiError, ok
from ..healthcheck import health_check_key
from ..keys import bridge_key, hub_key, services_key

routes = web.RouteTableDef()


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """200 `status: ok`, or 503 saying what is wrong (the Docker HEALTHCHECK restarts on it)."""
    problems = await request.app[health_check_key].problems()
    if problems:
        raise ApiError(503, "unavailable", "; ".join(problems),
                       details={"status": "unavailable", "problems": problems}, headers={"Retry-After": "10"})
    # a library that cannot be written keeps the service up (the rest works): said, not a 503
    waits = getattr(request.app[services_key], "waits", None)
    waiting = waits.sentences() if waits is not None else []
    return ok({"status": "ok", "version": "0.1.0", **({"waiting": waiting} if waiting else {})})


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    s = request.app[services_key]
    bridge = request.app[bridge_key]

    def collect():
        db_ok = ping(s.db)
        now = time.time()
        stats = store.stats(s.db, now) if db_ok else None
        queue = leases.queue_health(s.db, now) if db_ok else None
        from metarr import attention
        from metarr.enrichment import refresh
        from metarr.sources import gaps
        return (db_ok, stats, queue, (refresh.status() if db_ok else {}),
                attention.waiting(s.db, s.config.data_dir) if db_ok else [], gaps.summary() if db_ok else [])

    try:
        db_ok, stats, queue, freshness, waiting, missed = await bridge.run(collect)
    except Exception:   # not even a connection: status still answers, and says so
        db_ok, stats, queue, freshness, waiting, missed = False, None, None, {}, [], []
    problems = await request.app[health_check_key].problems()
    db = {"status": "ok" if db_ok else "error", "engine": "sqlite" if s.config.is_sqlite else "postgresql"}
    book = [p.message for p in s.health.problems()]
    if db_ok and book:
        db.update(status="degraded", problems=book)
    if queue is None:
        queue = {"status": "error", "reasons": ["the database cannot be reached"]}
    elif problems and queue["status"] == "ok":
        queue.update(status="degraded", reasons=problems)
    if waiting:   # jobs waiting for a disk or the database, in words; they resume by themselves
        queue["waiting"] = [w["sentence"] for w in waiting]
        if queue["status"] == "ok":
            queue.update(status="degraded", reasons=queue["waiting"])
    components = {
        "db": db,
        "queue": {**({k: v for k, v in vars(stats).items() if k != "by_type"} if stats else {}), **queue},
        "websocket": {"clients": len(request.app[hub_key].clients), "dropped": request.app[hub_key].dropped},
        # per change feed (and the periodic sweep): cursor, last run, items refreshed
        "freshness": freshness,
    }
    for name in ("ledger", "watcher", "gateway", "asset_cache", "syncer"):
        actor = s.actor(name)
        if actor is None or not hasattr(actor, "status"):
            continue
        try:
            components[name] = await request.app[bridge_key].ask(lambda a=actor: a.status(), timeout=5)
        except Exception as e:  # a slow or broken component must not break status
            components[name] = {"status": "error", "error": str(e)}
    if missed:   # items enriched while a provider's circuit was open: filled in once it closes
        gw = components.setdefault("gateway", {})
        gw["missing"] = {g["provider"]: g["items"] for g in missed}
        gw["missing_sentences"] = [g["sentence"] for g in missed]
    from .. import metrics
    try:
        summary = metrics.summary(await metrics.collect(request.app)) if db_ok else None
    except Exception as e:  # the numbers are a bonus: status must answer even if they fail
        summary = {"error": str(e)}
    return ok({"status": "ok" if db_ok and not problems and queue["status"] == "ok" else "degraded",
               "uptime_s": round(time.time() - s.started_at, 1), "problems": problems,
               "waiting": [w["sentence"] for w in waiting],
               "role": s.role, "components": components, "metrics": summary})
