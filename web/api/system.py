"""Health (public) and status."""
from __future__ import annotations

import time

from aiohttp import web

from metarr.db.database import ping
from metarr.jobs import store

from ..envelope import ok
from ..keys import bridge_key, hub_key, services_key

routes = web.RouteTableDef()


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    return ok({"status": "ok", "version": "0.1.0"})


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    s = request.app[services_key]
    bridge = request.app[bridge_key]

    def collect():
        db_ok = ping(s.db)
        stats = store.stats(s.db, time.time()) if db_ok else None
        from metarr.enrichment import refresh
        return db_ok, stats, (refresh.status() if db_ok else {})

    db_ok, stats, freshness = await bridge.run(collect)
    components = {
        "db": {"status": "ok" if db_ok else "error", "engine": "sqlite" if s.config.is_sqlite else "postgresql"},
        "queue": {"status": "ok", **({k: v for k, v in vars(stats).items() if k != "by_type"} if stats else {})},
        "websocket": {"clients": len(request.app[hub_key].clients), "dropped": request.app[hub_key].dropped},
        # per change feed (and the periodic sweep): cursor, last run, items refreshed
        "freshness": freshness,
    }
    for name in ("watcher", "gateway", "asset_cache", "syncer"):
        actor = s.actor(name)
        if actor is None or not hasattr(actor, "status"):
            continue
        try:
            components[name] = await request.app[bridge_key].ask(lambda a=actor: a.status(), timeout=5)
        except Exception as e:  # a slow or broken component must not break status
            components[name] = {"status": "error", "error": str(e)}
    from .. import metrics
    try:
        summary = metrics.summary(await metrics.collect(request.app)) if db_ok else None
    except Exception as e:  # the numbers are a bonus: status must answer even if they fail
        summary = {"error": str(e)}
    return ok({"status": "ok" if db_ok else "degraded", "uptime_s": round(time.time() - s.started_at, 1),
               "role": s.role, "components": components, "metrics": summary})
