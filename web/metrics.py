"""`GET /metrics`: Prometheus text exposition (format 0.0.4), authenticated like the API (X-Api-Key
or a UI session). A summary of the same numbers is the `metrics` block of `/api/v1/status`.

Where the numbers come from (nothing here blocks the event loop: DB reads and actor asks go through
the bridge's thread pool, and a slow or missing actor only leaves its metrics out):
- queue depth per state and type: `jobs.store.stats` (`due`, `running`, `retrying`, `scheduled`,
  `dead`, `succeeded`, `cancelled`);
- job durations: a histogram over the finished jobs still kept in history (`jobs.history_days`),
  per type and final status (`finished_at - started_at` of the last attempt);
- provider requests / 429s / errors / cache hits / last latency: the ProviderGateway's `status()`
  (counters since the process started);
- downloads ok/failed: the AssetCache's counters since start, plus the cache files on disk by kind
  and the selected candidates still without a cached file;
- player sync: `sync.*` jobs by final status, players by last connection status, and any numeric
  counters a `syncer` actor's `status()` exposes;
- DB query time: a trivial `SELECT 1` timed on a pooled connection, and the time of this scrape.
"""
from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import peewee as pw
from aiohttp import web

from metarr.jobs import store

from .keys import bridge_key, hub_key, services_key

BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)
STATES = ("due", "running", "retrying", "scheduled", "dead", "succeeded", "cancelled")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ACTOR_TIMEOUT = 5.0

routes = web.RouteTableDef()


def _durations_sql() -> str:
    dur = "(finished_at - started_at)"
    cases = ", ".join(f"SUM(CASE WHEN {dur} <= {b} THEN 1 ELSE 0 END)" for b in BUCKETS)
    return (f"SELECT type, status, COUNT(*), SUM({dur}), {cases} FROM jobs "
            "WHERE finished_at IS NOT NULL AND started_at IS NOT NULL "
            "AND status IN ('succeeded', 'dead', 'cancelled') GROUP BY type, status")


def _db_snapshot(db) -> dict[str, Any]:
    """Every DB read of a scrape (runs on the bridge pool, with a connection)."""
    from metarr.db.integrations import Player
    from metarr.db.media import AssetCandidate, CacheFile
    t0 = time.perf_counter()
    db.execute_sql("SELECT 1").fetchone()
    ping_s = time.perf_counter() - t0
    stats = store.stats(db, time.time())
    durations = []
    for row in db.execute_sql(_durations_sql()).fetchall():
        jtype, status, count, total = row[0], row[1], int(row[2] or 0), float(row[3] or 0.0)
        durations.append({"type": jtype, "status": status, "count": count, "sum": max(0.0, total),
                          "buckets": [int(x or 0) for x in row[4:]]})
    cache_files = {(k or "assets", o or "unknown"): n for k, o, n in
                   CacheFile.select(CacheFile.kind, CacheFile.origin, pw.fn.COUNT(CacheFile.id))
                   .group_by(CacheFile.kind, CacheFile.origin).tuples()}
    uncached = (AssetCandidate.select().where((AssetCandidate.selected == True)  # noqa: E712
                                              & AssetCandidate.cache_file_id.is_null(True)).count())
    players = {s or "unknown": n for s, n in
               Player.select(Player.last_status, pw.fn.COUNT(Player.id)).group_by(Player.last_status).tuples()}
    return {"db_ping_seconds": ping_s, "stats": stats, "durations": durations, "cache_files": cache_files,
            "uncached_selected": uncached, "players": players}


async def _ask(app: web.Application, name: str) -> dict | None:
    actor = app[services_key].actor(name)
    if actor is None or not hasattr(actor, "status"):
        return None
    try:
        return await app[bridge_key].ask(lambda: actor.status(), timeout=ACTOR_TIMEOUT)
    except Exception:   # a stopped or busy actor leaves its metrics out, never fails the scrape
        return None


async def collect(app: web.Application) -> dict[str, Any]:
    s = app[services_key]
    t0 = time.perf_counter()
    snap, gateway, asset_cache, syncer = await asyncio.gather(
        app[bridge_key].run(_db_snapshot, s.db), _ask(app, "gateway"), _ask(app, "asset_cache"), _ask(app, "syncer"))
    hub = app[hub_key]
    snap.update(gateway=gateway, asset_cache=asset_cache, syncer=syncer,
                ws={"clients": len(hub.clients), "sent": hub.sent, "dropped": hub.dropped},
                uptime_seconds=time.time() - s.started_at, scrape_seconds=time.perf_counter() - t0)
    from .ratelimit import ratelimit_key
    limiter = app.get(ratelimit_key)
    if limiter is not None:
        snap["ratelimit"] = {"allowed": limiter.buckets.allowed, "rejected": limiter.buckets.rejected,
                             "per_minute": limiter.buckets.per_minute}
    return snap


# ------------------------------------------------------------------ text format

def _esc(v: Any) -> str:
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(v: Any) -> str:
    f = float(v)
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if math.isnan(f):
        return "NaN"
    return repr(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_: str, samples: list[tuple[dict, Any]], suffix_samples=None):
        self.lines.append(f"# HELP {name} {help_}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.sample(name, labels, value)
        for sname, labels, value in suffix_samples or ():
            self.sample(sname, labels, value)

    def sample(self, name: str, labels: dict, value: Any) -> None:
        lab = ",".join(f'{k}="{_esc(v)}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{lab}}} {_num(value)}" if lab else f"{name} {_num(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _numeric(d: dict | None) -> dict[str, float]:
    return {k: v for k, v in (d or {}).items() if isinstance(v, int | float) and not isinstance(v, bool)}


def render(snap: dict[str, Any]) -> str:
    w = _Writer()
    stats = snap["stats"]
    w.family("metarr_jobs", "gauge", "Jobs in the ledger by state and type.",
             [({"state": state, "type": jtype}, counts.get(state, 0))
              for jtype, counts in sorted(stats.by_type.items()) for state in STATES])
    w.family("metarr_jobs_state", "gauge", "Jobs in the ledger by state (all types).",
             [({"state": state}, getattr(stats, state)) for state in STATES])
    extra = []
    for d in snap["durations"]:
        base = {"type": d["type"], "status": d["status"]}
        for b, n in zip(BUCKETS, d["buckets"], strict=True):
            extra.append(("metarr_job_duration_seconds_bucket", {**base, "le": _num(b)}, n))
        extra.append(("metarr_job_duration_seconds_bucket", {**base, "le": "+Inf"}, d["count"]))
        extra.append(("metarr_job_duration_seconds_sum", base, round(d["sum"], 6)))
        extra.append(("metarr_job_duration_seconds_count", base, d["count"]))
    w.family("metarr_job_duration_seconds", "histogram",
             "Run time of finished jobs kept in history (jobs.history_days), by type and final status.", [], extra)

    providers = (snap.get("gateway") or {}).get("providers") or {}
    for metric, key, kind, help_ in (
            ("metarr_provider_requests_total", "requests", "counter", "HTTP requests sent to a provider since start."),
            ("metarr_provider_rate_limited_total", "rate_limited", "counter", "429 answers from a provider since start."),
            ("metarr_provider_errors_total", "errors", "counter", "Failed provider requests since start."),
            ("metarr_provider_cache_hits_total", "cache_hits", "counter", "Provider answers served from the cache."),
            ("metarr_provider_requests_today", "requests_today", "gauge", "Requests counted for today's quota.")):
        w.family(metric, kind, help_, [({"provider": p}, st.get(key) or 0) for p, st in sorted(providers.items())])
    w.family("metarr_provider_latency_seconds", "gauge", "Latency of the last successful request to a provider.",
             [({"provider": p}, st["latency_ms"] / 1000.0) for p, st in sorted(providers.items())
              if isinstance(st.get("latency_ms"), int | float)])
    w.family("metarr_provider_up", "gauge", "1 when a provider is usable (configured, circuit closed, no cool-down).",
             [({"provider": p, "state": st.get("state", "")}, 1 if st.get("state") == "ok" else 0)
              for p, st in sorted(providers.items())])

    ac = snap.get("asset_cache") or {}
    w.family("metarr_downloads_total", "counter", "Artwork downloads by the asset cache since start.",
             [({"result": "ok"}, ac.get("downloads", 0)), ({"result": "failed"}, ac.get("failed", 0)),
              ({"result": "shared"}, ac.get("shared", 0))])
    w.family("metarr_downloads_in_flight", "gauge", "Artwork downloads running now.", [({}, ac.get("in_flight", 0))])
    w.family("metarr_cache_files", "gauge", "Files in the content-addressed cache by kind and origin.",
             [({"kind": k, "origin": o}, n) for (k, o), n in sorted(snap["cache_files"].items())])
    w.family("metarr_selected_artwork_uncached", "gauge",
             "Selected artwork candidates with no cached file (not downloaded yet, or the download failed).",
             [({}, snap["uncached_selected"])])

    sync_rows = [d for d in snap["durations"] if d["type"].startswith("sync.")]
    w.family("metarr_player_sync_jobs", "gauge", "Finished player sync jobs kept in history, by type and result.",
             [({"type": d["type"], "result": d["status"]}, d["count"]) for d in sync_rows])
    w.family("metarr_players", "gauge", "Players by the status of their last connection.",
             [({"status": st}, n) for st, n in sorted(snap["players"].items())])
    syncer = _numeric(snap.get("syncer"))
    if syncer:
        w.family("metarr_syncer", "gauge", "Counters exposed by the player syncer.",
                 [({"counter": k}, v) for k, v in sorted(syncer.items())])

    w.family("metarr_db_query_seconds", "gauge", "Time of a trivial query (SELECT 1) during this scrape.",
             [({}, round(snap["db_ping_seconds"], 6))])
    w.family("metarr_scrape_seconds", "gauge", "Time spent collecting these metrics.",
             [({}, round(snap["scrape_seconds"], 6))])
    ws = snap["ws"]
    w.family("metarr_websocket_clients", "gauge", "Connected websocket clients.", [({}, ws["clients"])])
    w.family("metarr_websocket_messages_sent_total", "counter", "Websocket messages sent.", [({}, ws["sent"])])
    w.family("metarr_websocket_dropped_total", "counter", "Websocket clients dropped for being too slow.",
             [({}, ws["dropped"])])
    if "ratelimit" in snap:
        rl = snap["ratelimit"]
        w.family("metarr_http_rate_limited_total", "counter", "API requests answered 429 since start.",
                 [({}, rl["rejected"])])
    w.family("metarr_uptime_seconds", "gauge", "Seconds since the process started.",
             [({}, round(snap["uptime_seconds"], 3))])
    return w.text()


def summary(snap: dict[str, Any]) -> dict[str, Any]:
    """The main numbers, for `/api/v1/status`."""
    stats = snap["stats"]
    jobs: dict[str, Any] = {}
    for d in snap["durations"]:
        j = jobs.setdefault(d["type"], {"finished": 0, "failed": 0, "seconds": 0.0})
        j["finished"] += d["count"]
        j["seconds"] += d["sum"]
        if d["status"] == "dead":
            j["failed"] += d["count"]
    durations = {t: {"finished": j["finished"], "failed": j["failed"],
                     "mean_seconds": round(j["seconds"] / j["finished"], 3) if j["finished"] else None}
                 for t, j in sorted(jobs.items())}
    providers = (snap.get("gateway") or {}).get("providers") or {}
    ac = snap.get("asset_cache") or {}
    sync = {"succeeded": 0, "dead": 0, "cancelled": 0}
    for d in snap["durations"]:
        if d["type"].startswith("sync."):
            sync[d["status"]] = sync.get(d["status"], 0) + d["count"]
    return {
        "queue": {state: getattr(stats, state) for state in STATES},
        "job_durations": durations,
        "providers": {p: {"requests": st.get("requests", 0), "rate_limited": st.get("rate_limited", 0),
                          "errors": st.get("errors", 0), "latency_ms": st.get("latency_ms")}
                      for p, st in sorted(providers.items())},
        "downloads": {"ok": ac.get("downloads", 0), "failed": ac.get("failed", 0),
                      "cache_files": sum(snap["cache_files"].values()),
                      "selected_uncached": snap["uncached_selected"]},
        "player_sync": {**sync, "players": snap["players"]},
        "db_query_ms": round(snap["db_ping_seconds"] * 1000, 3),
        "websocket": snap["ws"],
        "rate_limited": (snap.get("ratelimit") or {}).get("rejected", 0),
    }


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    snap = await collect(request.app)
    return web.Response(body=render(snap).encode(), headers={"Content-Type": CONTENT_TYPE})
