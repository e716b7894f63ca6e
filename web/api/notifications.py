"""Notification channels: CRUD with event filters, and a test message (rules in metarr/outbound/channels.py)."""
from __future__ import annotations

from aiohttp import web

from metarr.assets.ssrf import AllowList
from metarr.outbound import channels, notify
from metarr.service import redact

from ..envelope import ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body, path_id
from .ops import call, db_of, removed

routes = web.RouteTableDef()


@routes.get("/api/v1/notification-channels")
async def list_channels(request: web.Request) -> web.Response:
    rows = await call(request, channels.list_channels)
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0, "events": list(notify.EVENTS)})


@routes.post("/api/v1/notification-channels")
async def create_channel(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = field(body, "name", str, required=True, max_len=100)
    url = field(body, "url", str, required=True, max_len=2000)
    events = field(body, "events", list, default=["*"])
    enabled = field(body, "enabled", bool, default=True)
    bus = request.app[services_key].bus
    return ok(await call(request, channels.create_channel, db_of(request), bus, name, url, events, enabled), status=201)


@routes.delete("/api/v1/notification-channels/{id}")
async def delete_channel(request: web.Request) -> web.Response:
    cid = path_id(request)
    bus = request.app[services_key].bus
    await call(request, channels.remove_channel, db_of(request), bus, cid, missing=f"channel {cid}")
    return ok(removed(cid))


@routes.post("/api/v1/notification-channels/{id}/test")
async def test_channel(request: web.Request) -> web.Response:
    cid = path_id(request)
    c = await call(request, channels.get_channel, cid, missing=f"channel {cid}")
    try:
        allow = AllowList.parse(request.app[services_key].config.allow_hosts)
        await request.app[bridge_key].run(lambda: notify.send(c.url, "Metarr test", "This is a test notification.",
                                                              {"event": "test"}, allow=allow))
    except Exception as e:   # noqa: BLE001 - every failure is the answer to a test send
        return ok({"ok": False, "message": redact.describe(e)})
    return ok({"ok": True, "message": "sent"})
