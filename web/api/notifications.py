"""Notification channels: CRUD with event filters, and a test message."""
from __future__ import annotations

import time

from aiohttp import web

from metarr import notify
from metarr.assets.ssrf import AllowList
from metarr.db.database import write_tx
from metarr.db.media import NotificationChannel

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body, path_id

routes = web.RouteTableDef()


def channel_json(c: NotificationChannel) -> dict:
    return {"id": c.id, "name": c.name, "url": c.url, "events": c.events or [], "enabled": c.enabled}


def _events(body) -> list[str]:
    events = field(body, "events", list, default=["*"])
    if not all(isinstance(e, str) and e for e in events):
        raise bad_request("'events' must be a list of event names (see notify events), '*' patterns allowed")
    return events


@routes.get("/api/v1/notification-channels")
async def list_channels(request: web.Request) -> web.Response:
    rows = await request.app[bridge_key].run(lambda: [channel_json(c) for c in NotificationChannel.select()])
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0, "events": list(notify.EVENTS)})


@routes.post("/api/v1/notification-channels")
async def create_channel(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = field(body, "name", str, required=True, max_len=100)
    url = field(body, "url", str, required=True, max_len=2000)
    events = _events(body)
    s = request.app[services_key]

    def create():
        with write_tx(s.db):
            return NotificationChannel.create(name=name, url=url, events=events,
                                              enabled=field(body, "enabled", bool, default=True), created_at=time.time())
    c = await request.app[bridge_key].run(create)
    s.bus.publish("entity.updated", entity="channel", id=c.id, action="created")
    return ok(channel_json(c), status=201)


@routes.delete("/api/v1/notification-channels/{id}")
async def delete_channel(request: web.Request) -> web.Response:
    cid = path_id(request)
    s = request.app[services_key]

    def rm():
        with write_tx(s.db):
            return NotificationChannel.delete().where(NotificationChannel.id == cid).execute()
    if not await request.app[bridge_key].run(rm):
        raise not_found(f"channel {cid}")
    s.bus.publish("entity.updated", entity="channel", id=cid, action="removed")
    return ok({"id": cid, "removed": True})


@routes.post("/api/v1/notification-channels/{id}/test")
async def test_channel(request: web.Request) -> web.Response:
    cid = path_id(request)
    c = await request.app[bridge_key].run(lambda: NotificationChannel.get_or_none(NotificationChannel.id == cid))
    if c is None:
        raise not_found(f"channel {cid}")
    try:
        allow = AllowList.parse(request.app[services_key].config.allow_hosts)
        await request.app[bridge_key].run(lambda: notify.send(c.url, "Metarr test", "This is a test notification.",
                                                              {"event": "test"}, allow=allow))
    except Exception as e:   # noqa: BLE001 - every failure is the answer to a test send
        return ok({"ok": False, "message": str(e)})
    return ok({"ok": True, "message": "sent"})
