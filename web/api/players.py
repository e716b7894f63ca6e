"""Players (Kodi, Jellyfin, Plex) and player groups: CRUD, connection test, path-mapping test.
Passwords and tokens are write-only: responses say whether one is set, never what it is."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from metarr.assets.ssrf import AllowList
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.players import admin, kinds

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body, path_id
from .ops import call, db_of, get_by_id, listed, removed

routes = web.RouteTableDef()

# option -> (types, check, message)
OPTIONS: dict[str, tuple[tuple, Any, str]] = {
    "skip_when_playing": ((bool,), None, "true or false"),
    "when_playing": ((str,), lambda v: v in ("defer", "skip"), "'defer' or 'skip'"),
    "order": ((int,), lambda v: 0 <= v <= 1000, "an integer 0..1000 (try order inside a group)"),
    "timeout": ((int, float), lambda v: 1 <= v <= 60, "seconds between 1 and 60"),
}


def _url(value: str) -> str:
    u = urlsplit(value.strip())
    if u.scheme not in ("http", "https") or not u.hostname:
        raise bad_request("'url' must be an http(s) URL with a host, e.g. http://kodi.local:8080", {"field": "url"})
    return value.strip().rstrip("/")


def _options(value: Any) -> dict:
    if not isinstance(value, dict):
        raise bad_request("'options' must be an object", {"field": "options"})
    out = {}
    for k, v in value.items():
        if k not in OPTIONS:
            raise bad_request(f"unknown option {k!r} (known: {', '.join(OPTIONS)})", {"field": "options"})
        types, check, msg = OPTIONS[k]
        if isinstance(v, bool) and bool not in types or not isinstance(v, types) or (check and not check(v)):
            raise bad_request(f"option {k!r} must be {msg}", {"field": "options"})
        out[k] = v
    return out


def _player_fields(body: dict, partial: bool) -> dict:
    req = not partial
    out: dict[str, Any] = {}
    for name, kind, extra in (("name", str, {"max_len": 100}), ("kind", str, {"choices": kinds.names()}),
                              ("url", str, {"max_len": 2048}), ("username", str, {"max_len": 100}),
                              ("password", str, {"max_len": 1024}), ("token", str, {"max_len": 1024}),
                              ("group_id", int, {}), ("enabled", bool, {})):
        if name in body:
            out[name] = field(body, name, kind, required=req and name in ("name", "kind", "url"), **extra)
        elif req and name in ("name", "kind", "url"):
            field(body, name, kind, required=True)
    if "enabled" in out and out["enabled"] is None:
        raise bad_request("'enabled' must be true or false", {"field": "enabled"})
    if "name" in out and not out["name"].strip():
        raise bad_request("'name' must not be empty", {"field": "name"})
    if out.get("url") is not None:
        out["url"] = _url(out["url"])
    if "options" in body:
        out["options"] = _options(body["options"]) if body["options"] is not None else {}
    for secret in ("password", "token", "username"):
        if secret in out and out[secret] == "":
            out[secret] = None  # an empty string clears it
        # sent in a header: a line break there is an invalid request (or a header of the caller's choosing)
        if isinstance(out.get(secret), str) and any(ord(c) < 0x20 or ord(c) == 0x7f for c in out[secret]):
            raise bad_request(f"'{secret}' must not contain line breaks or control characters", {"field": secret})
    return out


# ------------------------------------------------------------------ players

@routes.get("/api/v1/players")
async def list_players(request: web.Request) -> web.Response:
    return await listed(request, admin.list_players)


@routes.post("/api/v1/players")
async def create_player(request: web.Request) -> web.Response:
    values = _player_fields(await json_body(request), partial=False)
    return ok(await call(request, admin.create_player, db_of(request), values), status=201)


get_by_id(routes, "/api/v1/players/{id}", admin.get_player, "player")


@routes.route("PATCH", "/api/v1/players/{id}")
async def update_player(request: web.Request) -> web.Response:
    pid = path_id(request)
    values = _player_fields(await json_body(request), partial=True)
    for name in ("name", "kind", "url"):
        if name in values and values[name] is None:
            raise bad_request(f"'{name}' cannot be removed", {"field": name})
    return ok(await call(request, admin.update_player, db_of(request), pid, values, missing=f"player {pid}"))


@routes.delete("/api/v1/players/{id}")
async def delete_player(request: web.Request) -> web.Response:
    pid = path_id(request)
    await call(request, admin.remove_player, db_of(request), pid, missing=f"player {pid}")
    return ok(removed(pid))


@routes.post("/api/v1/players/{id}/test")
async def test_player(request: web.Request) -> web.Response:
    """Connection test: 200 with `ok` true/false and a message saying what went wrong."""
    pid = path_id(request)
    s = request.app[services_key]
    res = await call(request, admin.test_player, s.db, s.bus, pid, AllowList.parse(s.config.allow_hosts),
                     missing=f"player {pid}")
    return ok({"id": pid, **res})


@routes.post("/api/v1/players/{id}/test-path")
async def test_path(request: web.Request) -> web.Response:
    """What the player will be told for a Metarr path: `{path}` → `{mapped, scope}`."""
    pid = path_id(request)
    body = await json_body(request)
    path = field(body, "path", str, required=True, max_len=4096)
    if not path.strip():
        raise bad_request("'path' must not be empty", {"field": "path"})
    return ok({"id": pid, **await call(request, admin.test_path, pid, path, missing=f"player {pid}")})


@routes.post("/api/v1/players/sync")
async def sync_now(request: web.Request) -> web.Response:
    """Tell every player about a whole library (`{"library_id"}`) or all enabled libraries: one
    `sync.library` job each, coalesced by the PlayerSyncer like any other sync."""
    body = await json_body(request, required=False)
    lib_id = field(body, "library_id", int)

    def ids():
        q = Library.select(Library.id).where(Library.enabled == True)  # noqa: E712
        if lib_id is not None:
            q = Library.select(Library.id).where(Library.id == lib_id)
        return [lib.id for lib in q]
    libs = await request.app[bridge_key].run(ids)
    if lib_id is not None and not libs:
        raise not_found(f"library {lib_id}")
    specs = [chain.library_job("sync", i) for i in libs]
    ledger = request.app[services_key].actor("ledger")
    job_ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(specs)) if specs else []
    return ok({"job_ids": job_ids, "libraries": libs}, status=202)


# ------------------------------------------------------------------ groups

@routes.get("/api/v1/player-groups")
async def list_groups(request: web.Request) -> web.Response:
    return await listed(request, admin.list_groups)


def _group_name(body: dict, required: bool) -> str | None:
    name = field(body, "name", str, required=required, max_len=100)
    if name is not None and not name.strip():
        raise bad_request("'name' must not be empty", {"field": "name"})
    return name


@routes.post("/api/v1/player-groups")
async def create_group(request: web.Request) -> web.Response:
    name = _group_name(await json_body(request), True)
    return ok(await call(request, admin.create_group, db_of(request), name), status=201)


get_by_id(routes, "/api/v1/player-groups/{id}", admin.get_group, "player group")


@routes.route("PATCH", "/api/v1/player-groups/{id}")
async def update_group(request: web.Request) -> web.Response:
    gid = path_id(request)
    name = _group_name(await json_body(request), False)
    return ok(await call(request, admin.rename_group, db_of(request), gid, name, missing=f"player group {gid}"))


@routes.delete("/api/v1/player-groups/{id}")
async def delete_group(request: web.Request) -> web.Response:
    """Its players stay, ungrouped; the group's path mappings go with it."""
    gid = path_id(request)
    await call(request, admin.remove_group, db_of(request), gid, missing=f"player group {gid}")
    return ok(removed(gid))
