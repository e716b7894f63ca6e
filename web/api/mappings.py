"""Path mappings: *arr → Metarr (`radarr`, `sonarr`, `lidarr`) and Metarr → player
(`player:<id>`, `group:<id>`). Prefix mappings; the longest prefix wins. The rules live in
metarr/library/path_mappings.py."""
from __future__ import annotations

from aiohttp import web

from metarr.library import path_mappings

from ..envelope import ok
from ..validate import field, json_body, path_id
from .ops import call, db_of, listed, removed

routes = web.RouteTableDef()


@routes.get("/api/v1/path-mappings")
async def list_mappings(request: web.Request) -> web.Response:
    return await listed(request, path_mappings.list_mappings, request.query.get("scope"))


@routes.post("/api/v1/path-mappings")
async def create_mapping(request: web.Request) -> web.Response:
    body = await json_body(request)
    scope = field(body, "scope", str, required=True, max_len=40)
    src = field(body, "from", str, required=True, max_len=4096)
    dst = field(body, "to", str, required=True, max_len=4096)
    return ok(await call(request, path_mappings.create_mapping, db_of(request), scope, src, dst), status=201)


@routes.delete("/api/v1/path-mappings/{id}")
async def delete_mapping(request: web.Request) -> web.Response:
    mid = path_id(request)
    await call(request, path_mappings.remove_mapping, db_of(request), mid, missing=f"path mapping {mid}")
    return ok(removed(mid))
