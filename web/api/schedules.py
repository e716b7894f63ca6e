"""Schedules (SPEC §4, §10): list them with their next run and last result, change the interval or
turn one off, run one now."""
from __future__ import annotations

import time

from aiohttp import web

from metarr.jobs import scheduling

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import json_body

routes = web.RouteTableDef()


def _name(request: web.Request) -> str:
    name = request.match_info["name"]
    if len(name) > 64:
        raise not_found(f"schedule {name[:64]!r}…")
    return name


@routes.get("/api/v1/schedules")
async def list_schedules(request: web.Request) -> web.Response:
    db = request.app[services_key].db
    rows = await request.app[bridge_key].run(scheduling.list_schedules, db, time.time())
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0})


@routes.get("/api/v1/schedules/{name}")
async def get_schedule(request: web.Request) -> web.Response:
    name = _name(request)
    d = await request.app[bridge_key].run(scheduling.get_schedule, request.app[services_key].db, name, time.time())
    if d is None:
        raise not_found(f"schedule {name!r}")
    return ok(d)


@routes.route("PATCH", "/api/v1/schedules/{name}")
async def change_schedule(request: web.Request) -> web.Response:
    name = _name(request)
    try:
        interval, enabled = scheduling.parse_change(await json_body(request))
    except scheduling.ScheduleError as e:
        raise bad_request(str(e)) from None
    s = request.app[services_key]
    ledger = s.actor("ledger")
    if await request.app[bridge_key].ask(lambda: ledger.change_schedule(name, interval, enabled)) is None:
        raise not_found(f"schedule {name!r}")
    return ok(await request.app[bridge_key].run(scheduling.get_schedule, s.db, name, time.time()))


@routes.post("/api/v1/schedules/{name}/run")
async def run_schedule(request: web.Request) -> web.Response:
    name = _name(request)
    ledger = request.app[services_key].actor("ledger")
    jid = await request.app[bridge_key].ask(lambda: ledger.run_schedule(name))
    if jid is None:
        raise not_found(f"schedule {name!r}")
    return ok({"job_id": jid, "schedule": name}, status=202)
