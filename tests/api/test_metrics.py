"""`/metrics` (Prometheus text format, authenticated) and the metrics block of `/api/v1/status`."""
from __future__ import annotations

import asyncio
import re
import time

from metarr.jobs.model import JobSpec
from metarr.jobs.store import Stats
from tests.conftest import API_KEY
from web import metrics
from web.keys import services_key

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? '
                    r'(-?[0-9.e+-]+|\+Inf|-Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> dict[str, list[tuple[dict, float]]]:
    """A strict little reader of the text exposition format: every line is a HELP, a TYPE or a sample
    of a declared family."""
    assert text.endswith("\n")
    families: dict[str, str] = {}
    out: dict[str, list[tuple[dict, float]]] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped")
            assert name not in families, f"family {name} declared twice"
            families[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in families or (base in families and families[base] == "histogram"), name
        labels = dict(LABEL.findall(m.group(2) or ""))
        out.setdefault(name, []).append((labels, float(m.group(4))))
    return out


def value(samples, name: str, **labels) -> float:
    hits = [v for lab, v in samples.get(name, []) if all(lab.get(k) == str(x) for k, x in labels.items())]
    assert len(hits) == 1, (name, labels, samples.get(name))
    return hits[0]


async def test_metrics_need_the_key(api):
    r = await api.get("/metrics", headers={"X-Api-Key": ""})
    assert r.status == 401 and (await r.json())["error"]["code"] == "unauthorized"


async def test_metrics_after_jobs_ran(api):
    s = api.app[services_key]
    ledger = s.actor("ledger")
    ids = await asyncio.get_running_loop().run_in_executor(
        None, lambda: ledger.enqueue([JobSpec("test.noop", subject=f"metrics{i}") for i in range(5)]).get(timeout=10))
    assert len(ids) == 5
    deadline = time.monotonic() + 15
    while True:
        stats = await (await api.get("/api/v1/jobs/stats")).json()
        if stats["data"]["by_type"].get("test.noop", {}).get("succeeded") == 5:
            break
        assert time.monotonic() < deadline, stats
        await asyncio.sleep(0.05)

    r = await api.get("/metrics")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = parse(await r.text())
    assert value(samples, "metarr_jobs", state="succeeded", type="test.noop") == 5
    assert value(samples, "metarr_jobs", state="due", type="test.noop") == 0
    assert value(samples, "metarr_jobs_state", state="succeeded") >= 5
    assert value(samples, "metarr_job_duration_seconds_count", type="test.noop", status="succeeded") == 5
    assert value(samples, "metarr_job_duration_seconds_bucket", type="test.noop", status="succeeded", le="+Inf") == 5
    assert value(samples, "metarr_job_duration_seconds_sum", type="test.noop", status="succeeded") >= 0
    buckets = [v for lab, v in samples["metarr_job_duration_seconds_bucket"] if lab["type"] == "test.noop"]
    assert buckets == sorted(buckets), "histogram buckets must be cumulative"
    # every provider is listed (from the gateway actor), with zero counts here
    assert value(samples, "metarr_provider_requests_total", provider="tmdb") == 0
    assert value(samples, "metarr_provider_rate_limited_total", provider="musicbrainz") == 0
    assert value(samples, "metarr_downloads_total", result="ok") == 0
    assert value(samples, "metarr_downloads_total", result="failed") == 0
    assert 0 <= value(samples, "metarr_db_query_seconds") < 1
    assert value(samples, "metarr_websocket_clients") == 0
    assert value(samples, "metarr_uptime_seconds") >= 0

    status = (await (await api.get("/api/v1/status")).json())["data"]["metrics"]
    assert status["queue"]["succeeded"] >= 5 and status["queue"]["due"] == 0
    assert status["job_durations"]["test.noop"]["finished"] == 5
    assert status["job_durations"]["test.noop"]["mean_seconds"] >= 0
    assert set(status["providers"]) >= {"tmdb", "tvdb", "fanart", "musicbrainz"}
    assert status["downloads"] == {"ok": 0, "failed": 0, "cache_files": 0, "selected_uncached": 0}
    assert status["db_query_ms"] >= 0 and "player_sync" in status


async def test_websocket_clients_are_counted(api):
    ws = await api.ws_connect(f"/api/v1/ws?apikey={API_KEY}")
    await ws.receive_json(timeout=5)
    samples = parse(await (await api.get("/metrics")).text())
    assert value(samples, "metarr_websocket_clients") == 1
    await ws.close()


def _snapshot(**over):
    stats = Stats(due=2, running=1, succeeded=7, by_type={"scan.path": {"due": 2, "running": 1, "succeeded": 7}})
    snap = {
        "db_ping_seconds": 0.0004, "stats": stats, "scrape_seconds": 0.01, "uptime_seconds": 12.5,
        "durations": [{"type": "scan.path", "status": "succeeded", "count": 7, "sum": 9.5,
                       "buckets": [1, 2, 5, 7, 7, 7, 7, 7]},
                      {"type": "sync.player", "status": "dead", "count": 1, "sum": 30.0,
                       "buckets": [0, 0, 0, 0, 0, 1, 1, 1]},
                      {"type": "sync.player", "status": "succeeded", "count": 3, "sum": 1.5,
                       "buckets": [0, 3, 3, 3, 3, 3, 3, 3]}],
        "cache_files": {("assets", "provider"): 40, ("actors", "provider"): 4},
        "uncached_selected": 3, "players": {"ok": 2, "unreachable": 1},
        "gateway": {"status": "ok", "providers": {
            "tmdb": {"state": "ok", "requests": 120, "rate_limited": 4, "errors": 1, "cache_hits": 30,
                     "requests_today": 150, "latency_ms": 85.5},
            "fanart": {"state": "circuit_open", "requests": 9, "errors": 9, "latency_ms": None},
            "tvdb": {"state": "unconfigured"}}},
        "asset_cache": {"status": "ok", "downloads": 44, "failed": 2, "shared": 5, "in_flight": 1},
        "syncer": {"status": "ok", "sent": 12, "coalesced": 30, "name": "x"},
        "ws": {"clients": 3, "sent": 900, "dropped": 1},
        "ratelimit": {"allowed": 10, "rejected": 2, "per_minute": 1200.0},
    }
    snap.update(over)
    return snap


def test_render_providers_downloads_sync_and_escaping():
    snap = _snapshot(players={'we"ird\\status\n': 1})
    samples = parse(metrics.render(snap))
    assert value(samples, "metarr_provider_requests_total", provider="tmdb") == 120
    assert value(samples, "metarr_provider_rate_limited_total", provider="tmdb") == 4
    assert value(samples, "metarr_provider_errors_total", provider="fanart") == 9
    assert value(samples, "metarr_provider_cache_hits_total", provider="tmdb") == 30
    assert value(samples, "metarr_provider_latency_seconds", provider="tmdb") == 0.0855
    assert "fanart" not in {lab["provider"] for lab, _ in samples["metarr_provider_latency_seconds"]}
    assert value(samples, "metarr_provider_up", provider="tmdb", state="ok") == 1
    assert value(samples, "metarr_provider_up", provider="fanart", state="circuit_open") == 0
    assert value(samples, "metarr_downloads_total", result="ok") == 44
    assert value(samples, "metarr_downloads_total", result="failed") == 2
    assert value(samples, "metarr_cache_files", kind="assets", origin="provider") == 40
    assert value(samples, "metarr_selected_artwork_uncached") == 3
    assert value(samples, "metarr_player_sync_jobs", type="sync.player", result="dead") == 1
    assert value(samples, "metarr_player_sync_jobs", type="sync.player", result="succeeded") == 3
    assert value(samples, "metarr_syncer", counter="coalesced") == 30
    assert value(samples, "metarr_job_duration_seconds_bucket", type="scan.path", status="succeeded", le="0.5") == 2
    assert value(samples, "metarr_jobs", state="due", type="scan.path") == 2
    assert value(samples, "metarr_http_rate_limited_total") == 2
    assert value(samples, "metarr_websocket_dropped_total") == 1
    (lab, n), = samples["metarr_players"]
    assert lab["status"] == 'we\\"ird\\\\status\\n' and n == 1


def test_summary_numbers():
    out = metrics.summary(_snapshot())
    assert out["queue"]["due"] == 2 and out["queue"]["running"] == 1
    assert out["job_durations"]["scan.path"] == {"finished": 7, "failed": 0, "mean_seconds": 1.357}
    assert out["job_durations"]["sync.player"]["failed"] == 1
    assert out["providers"]["tmdb"] == {"requests": 120, "rate_limited": 4, "errors": 1, "latency_ms": 85.5}
    assert out["downloads"] == {"ok": 44, "failed": 2, "cache_files": 44, "selected_uncached": 3}
    assert out["player_sync"]["succeeded"] == 3 and out["player_sync"]["dead"] == 1
    assert out["rate_limited"] == 2 and out["db_query_ms"] == 0.4


def test_render_without_actors():
    """Actors that are down leave their metrics out; the rest still renders."""
    samples = parse(metrics.render(_snapshot(gateway=None, asset_cache=None, syncer=None)))
    assert samples.get("metarr_provider_requests_total") is None
    assert value(samples, "metarr_downloads_total", result="ok") == 0
