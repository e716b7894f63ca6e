"""Providers: state (ok, cooling down until…, circuit open, requests today), enable/disable, and a
connection test that makes one cheap real request through the gateway."""
from __future__ import annotations

import asyncio

from aiohttp import web

from metarr import settings
from metarr.sources import registry
from metarr.sources.http import ProviderError

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import json_body

routes = web.RouteTableDef()


async def _status(request) -> dict:
    s = request.app[services_key]
    got = await request.app[bridge_key].ask(lambda: s.actor("gateway").status(), timeout=10)
    disabled = set(await request.app[bridge_key].run(settings.get, s.db, "providers.disabled") or [])
    out = got["providers"]
    for name, p in out.items():
        p["enabled"] = name not in disabled
    return out


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
