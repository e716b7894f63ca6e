"""Calling a domain operation from a handler: on the bridge pool, with the domain's refusals turned
into the API's errors (Invalid -> 400 naming the field; nothing there -> 404)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from metarr.service.records import Invalid

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import paging, path_id


async def call(request: web.Request, fn, *args: Any, missing: str | None = None) -> Any:
    """`missing`: what to call a None or False answer in the 404 ("player 3")."""
    try:
        out = await request.app[bridge_key].run(fn, *args)
    except Invalid as e:
        raise bad_request(str(e), {"field": e.field} if e.field else None) from None
    if missing is not None and (out is None or out is False):
        raise not_found(missing)
    return out


def db_of(request: web.Request):
    return request.app[services_key].db


def removed(rid: int) -> dict:
    return {"id": rid, "removed": True}


async def listed(request: web.Request, fn, *args: Any) -> web.Response:
    """A page of records: `fn(*args, limit, offset)` -> (rows, total), with the paging meta."""
    limit, offset = paging(request)
    rows, total = await call(request, fn, *args, limit, offset)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


def get_by_id(routes: web.RouteTableDef, path: str, fn, what: str) -> None:
    """`GET path` (with `{id}`): `fn(id)` -> the record's JSON, or a 404 naming `what`."""
    async def handler(request: web.Request) -> web.Response:
        rid = path_id(request)
        return ok(await call(request, fn, rid, missing=f"{what} {rid}"))
    handler.__name__ = f"get_{what.replace(' ', '_')}"
    handler.__doc__ = f"One {what}."
    routes.get(path)(handler)
