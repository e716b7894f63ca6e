"""Path mappings: *arr → Metarr (`radarr`, `sonarr`, `lidarr`) and Metarr → player
(`player:<id>`, `group:<id>`). Prefix mappings; the longest prefix wins."""
from __future__ import annotations

import re
import time

from aiohttp import web

from metarr import paths
from metarr.db.database import write_tx
from metarr.db.media import PathMapping
from metarr.timefmt import iso

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body, paging, path_id

routes = web.RouteTableDef()
SCOPE_RE = re.compile(r"^(radarr|sonarr|lidarr|player:\d+|group:\d+)$")


def mapping_json(m: PathMapping) -> dict:
    return {"id": m.id, "scope": m.scope, "from": m.from_prefix, "to": m.to_prefix, "created_at": iso(m.created_at)}


@routes.get("/api/v1/path-mappings")
async def list_mappings(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    scope = request.query.get("scope")

    def q():
        query = PathMapping.select().order_by(PathMapping.scope, PathMapping.id)
        if scope:
            query = query.where(PathMapping.scope == scope)
        return [mapping_json(m) for m in query.limit(limit).offset(offset)], query.count()
    rows, total = await request.app[bridge_key].run(q)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


@routes.post("/api/v1/path-mappings")
async def create_mapping(request: web.Request) -> web.Response:
    body = await json_body(request)
    scope = field(body, "scope", str, required=True, max_len=40)
    if not SCOPE_RE.match(scope):
        raise bad_request("scope must be radarr, sonarr, lidarr, player:<id> or group:<id>", {"field": "scope"})
    src = field(body, "from", str, required=True, max_len=4096)
    dst = field(body, "to", str, required=True, max_len=4096)
    if not src.strip() or not dst.strip():
        raise bad_request("'from' and 'to' must not be empty")
    s = request.app[services_key]
    # Metarr's side of a mapping is a local path: stored normalised ('..' resolved), so what it maps to
    # is what it says; a webhook path it maps outside every library is refused when it is used
    local = "to" if scope in ("radarr", "sonarr", "lidarr") else "from"
    try:
        if local == "to":
            dst = paths.norm(dst)
        else:
            src = paths.norm(src)
    except paths.OutsidePath as e:
        raise bad_request(f"'{local}': {e}", {"field": local}) from None

    def create():
        with write_tx(s.db):
            return PathMapping.create(scope=scope, from_prefix=src, to_prefix=dst, created_at=time.time())
    m = await request.app[bridge_key].run(create)
    return ok(mapping_json(m), status=201)


@routes.delete("/api/v1/path-mappings/{id}")
async def delete_mapping(request: web.Request) -> web.Response:
    mid = path_id(request)
    s = request.app[services_key]

    def rm():
        with write_tx(s.db):
            return PathMapping.delete().where(PathMapping.id == mid).execute()
    if not await request.app[bridge_key].run(rm):
        raise not_found(f"path mapping {mid}")
    return ok({"id": mid, "removed": True})
