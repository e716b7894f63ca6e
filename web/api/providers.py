"""Providers: state (ok, cooling down until…, circuit open, requests today), enable/disable, and a
connection test that makes one cheap real request through the gateway."""
from __future__ import annotations

import asyncio

from aiohttp import web

from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.service import settings
from metarr.sources import keys as provider_keys
from metarr.sources import registry
from metarr.sources.http import ProviderError

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body
from .ops import call

routes = web.RouteTableDef()


async def _status(request) -> dict:
    s = request.app[services_key]
    got = await request.app[bridge_key].ask(lambda: s.actor("gateway").status(), timeout=10)
    disabled = set(await request.app[bridge_key].run(settings.get, s.db, "providers.disabled") or [])
    keys = {k["provider"]: k for k in await request.app[bridge_key].run(
        provider_keys.states, s.config.provider_keys, s.db)}
    out = got["providers"]
    for name, p in out.items():
        p["enabled"] = name not in disabled
        # write-only: whether a key is set and where from, never the key
        p["key_set"] = keys[name]["key_set"] if name in keys else None
        p["key_source"] = keys[name]["source"] if name in keys else None
    return out


@routes.put("/api/v1/providers/{name}/key")
async def put_key(request: web.Request) -> web.Response:
    """Store a provider's API key (write-only). A key in the environment still wins. Items left
    unidentified for want of this key are enriched again at once."""
    name = request.match_info["name"]
    body = await json_body(request)
    key = field(body, "key", str, required=True, max_len=512)
    return ok(await _save_key(request, name, key))


@routes.delete("/api/v1/providers/{name}/key")
async def delete_key(request: web.Request) -> web.Response:
    return ok(await _save_key(request, request.match_info["name"], None))


async def _save_key(request: web.Request, name: str, key: str | None) -> dict:
    if registry.get(name) is None:
        raise not_found(f"provider {name!r}")
    s = request.app[services_key]
    await call(request, provider_keys.put, s.db, name, key)
    gw = s.actor("gateway")
    if gw is not None:
        await request.app[bridge_key].ask(lambda: gw.reload_keys(), timeout=15)
    jobs = []
    if key:
        waiting = await request.app[bridge_key].run(provider_keys.items_waiting, name)
        specs = [chain.entity_job("enrich", kind, eid, lib, PRIORITY["user"]) for kind, eid, lib in waiting]
        if specs:
            ledger = s.actor("ledger")
            jobs = await request.app[bridge_key].ask(lambda: ledger.enqueue(specs))
    state = next(k for k in await request.app[bridge_key].run(provider_keys.states, s.config.provider_keys, s.db)
                 if k["provider"] == name) if name in registry.key_vars() else {}
    return {"name": name, "key_set": state.get("key_set", False), "key_source": state.get("source"),
            "environment_wins": bool(state.get("overridden")), "enrich_jobs": len(jobs)}


@routes.get("/api/v1/providers")
async def list_providers(request: web.Request) -> web.Response:
    rows = await _status(request)
    data = [{"name": k, **v} for k, v in sorted(rows.items())]
    return ok(data, {"total": len(data), "limit": len(data), "offset": 0})


@routes.route("PATCH", "/api/v1/providers/{name}")
async def update_provider(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if registry.get(name) is None:
        raise not_found(f"provider {name!r}")
    body = await json_body(request)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise bad_request("'enabled' must be true or false")
    s = request.app[services_key]

    def save():
        current = set(settings.get(s.db, "providers.disabled") or [])
        current.discard(name) if enabled else current.add(name)
        settings.put_many(s.db, {"providers.disabled": sorted(current)})
    await request.app[bridge_key].run(save)
    return ok((await _status(request))[name])


@routes.post("/api/v1/providers/{name}/test")
async def test_provider(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    source = registry.get(name)
    if source is None:
        raise not_found(f"provider {name!r}")
    s = request.app[services_key]
    gw = s.actor("gateway")
    try:
        fut = await request.app[bridge_key].ask(lambda: gw.submit(source.probe), timeout=10)
        await asyncio.wait_for(asyncio.wrap_future(fut), 60)
    except ProviderError as e:
        return ok({"name": name, "ok": False, "message": str(e)})
    except TimeoutError:
        raise ApiError(504, "timeout", f"{name} did not answer within 60 s") from None
    return ok({"name": name, "ok": True, "message": "connection and key work"})
