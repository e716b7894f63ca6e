"""Players (Kodi, Jellyfin, Plex) and player groups: CRUD, connection test, path-mapping test.
Passwords and tokens are write-only: responses say whether one is set, never what it is."""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from metarr.assets.ssrf import AllowList
from metarr.db.database import write_tx
from metarr.db.media import PathMapping, Player, PlayerGroup
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.pathmap import Mapping, map_path, scopes_for_player
from metarr.players import kinds
from metarr.players.resolve import conn_of
from metarr.players.run import check_connection
from metarr.timefmt import iso

from ..envelope import bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, json_body, paging, path_id

routes = web.RouteTableDef()

# option -> (types, check, message)
OPTIONS: dict[str, tuple[tuple, Any, str]] = {
    "skip_when_playing": ((bool,), None, "true or false"),
    "when_playing": ((str,), lambda v: v in ("defer", "skip"), "'defer' or 'skip'"),
    "order": ((int,), lambda v: 0 <= v <= 1000, "an integer 0..1000 (try order inside a group)"),
    "timeout": ((int, float), lambda v: 1 <= v <= 60, "seconds between 1 and 60"),
}


def player_json(p: Player) -> dict:
    return {"id": p.id, "name": p.name, "kind": p.kind, "url": p.url, "username": p.username,
            "password_set": bool(p.password), "token_set": bool(p.token), "group_id": p.group_id,
            "enabled": p.enabled, "options": p.options or {}, "last_status": p.last_status,
            "created_at": iso(p.created_at)}


def group_json(g: PlayerGroup, members: list[int]) -> dict:
    return {"id": g.id, "name": g.name, "player_ids": members, "created_at": iso(g.created_at)}


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
    return out


def _check_group(gid: int | None) -> None:
    if gid is not None and PlayerGroup.get_or_none(PlayerGroup.id == gid) is None:
        raise bad_request(f"player group {gid} does not exist", {"field": "group_id"})


# ------------------------------------------------------------------ players

@routes.get("/api/v1/players")
async def list_players(request: web.Request) -> web.Response:
    limit, offset = paging(request)

    def q():
        query = Player.select().order_by(Player.id)
        return [player_json(p) for p in query.limit(limit).offset(offset)], query.count()
    rows, total = await request.app[bridge_key].run(q)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


@routes.post("/api/v1/players")
async def create_player(request: web.Request) -> web.Response:
    values = _player_fields(await json_body(request), partial=False)
    s = request.app[services_key]

    def create():
        _check_group(values.get("group_id"))
        with write_tx(s.db):
            return player_json(Player.create(created_at=time.time(), **values))
    return ok(await request.app[bridge_key].run(create), status=201)


@routes.get("/api/v1/players/{id}")
async def get_player(request: web.Request) -> web.Response:
    pid = path_id(request)
    p = await request.app[bridge_key].run(lambda: Player.get_or_none(Player.id == pid))
    if p is None:
        raise not_found(f"player {pid}")
    return ok(player_json(p))


@routes.route("PATCH", "/api/v1/players/{id}")
async def update_player(request: web.Request) -> web.Response:
    pid = path_id(request)
    values = _player_fields(await json_body(request), partial=True)
    for name in ("name", "kind", "url"):
        if name in values and values[name] is None:
            raise bad_request(f"'{name}' cannot be removed", {"field": name})
    s = request.app[services_key]

    def update():
        if "group_id" in values:
            _check_group(values["group_id"])
        with write_tx(s.db):
            if values:
                Player.update(**values).where(Player.id == pid).execute()
            p = Player.get_or_none(Player.id == pid)
        return player_json(p) if p else None
    out = await request.app[bridge_key].run(update)
    if out is None:
        raise not_found(f"player {pid}")
    return ok(out)


@routes.delete("/api/v1/players/{id}")
async def delete_player(request: web.Request) -> web.Response:
    pid = path_id(request)
    s = request.app[services_key]

    def rm():
        with write_tx(s.db):
            n = Player.delete().where(Player.id == pid).execute()
            if n:
                PathMapping.delete().where(PathMapping.scope == f"player:{pid}").execute()
        return n
    if not await request.app[bridge_key].run(rm):
        raise not_found(f"player {pid}")
    return ok({"id": pid, "removed": True})


@routes.post("/api/v1/players/{id}/test")
async def test_player(request: web.Request) -> web.Response:
    """Connection test: 200 with `ok` true/false and a message saying what went wrong."""
    pid = path_id(request)
    s = request.app[services_key]

    def run():
        p = Player.get_or_none(Player.id == pid)
        if p is None:
            return None
        # blocking HTTP (5 s timeout) on the bridge pool, through the outbound guard
        res = check_connection(conn_of(p, AllowList.parse(s.config.allow_hosts)))
        with write_tx(s.db):
            Player.update(last_status=res["status"]).where(Player.id == pid).execute()
        s.bus.publish("player.status", id=pid, name=p.name, status=res["status"], message=res["message"])
        return res
    res = await request.app[bridge_key].run(run)
    if res is None:
        raise not_found(f"player {pid}")
    return ok({"id": pid, **res})


@routes.post("/api/v1/players/{id}/test-path")
async def test_path(request: web.Request) -> web.Response:
    """What the player will be told for a Metarr path: `{path}` → `{mapped, scope}`."""
    pid = path_id(request)
    body = await json_body(request)
    path = field(body, "path", str, required=True, max_len=4096)
    if not path.strip():
        raise bad_request("'path' must not be empty", {"field": "path"})

    def run():
        p = Player.get_or_none(Player.id == pid)
        if p is None:
            return None
        scopes = scopes_for_player(p.id, p.group_id)
        maps = [Mapping(m.scope, m.from_prefix, m.to_prefix)
                for m in PathMapping.select().where(PathMapping.scope.in_(scopes))]
        for scope in scopes:   # same order as the sync: the player's own mappings, then its group's
            mapped = map_path(path, maps, scope)
            if mapped != path:
                return {"path": path, "mapped": mapped, "scope": scope, "changed": True}
        return {"path": path, "mapped": path, "scope": None, "changed": False}
    res = await request.app[bridge_key].run(run)
    if res is None:
        raise not_found(f"player {pid}")
    return ok({"id": pid, **res})


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

def _members() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for p in Player.select(Player.id, Player.group_id).where(Player.group_id.is_null(False)).order_by(Player.id):
        out.setdefault(p.group_id, []).append(p.id)
    return out


@routes.get("/api/v1/player-groups")
async def list_groups(request: web.Request) -> web.Response:
    limit, offset = paging(request)

    def q():
        query = PlayerGroup.select().order_by(PlayerGroup.id)
        members = _members()
        return [group_json(g, members.get(g.id, [])) for g in query.limit(limit).offset(offset)], query.count()
    rows, total = await request.app[bridge_key].run(q)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})


def _group_name(body: dict, required: bool) -> str | None:
    name = field(body, "name", str, required=required, max_len=100)
    if name is not None and not name.strip():
        raise bad_request("'name' must not be empty", {"field": "name"})
    return name


@routes.post("/api/v1/player-groups")
async def create_group(request: web.Request) -> web.Response:
    name = _group_name(await json_body(request), True)
    s = request.app[services_key]

    def create():
        with write_tx(s.db):
            return group_json(PlayerGroup.create(name=name, created_at=time.time()), [])
    return ok(await request.app[bridge_key].run(create), status=201)


@routes.get("/api/v1/player-groups/{id}")
async def get_group(request: web.Request) -> web.Response:
    gid = path_id(request)

    def q():
        g = PlayerGroup.get_or_none(PlayerGroup.id == gid)
        return group_json(g, _members().get(gid, [])) if g else None
    out = await request.app[bridge_key].run(q)
    if out is None:
        raise not_found(f"player group {gid}")
    return ok(out)


@routes.route("PATCH", "/api/v1/player-groups/{id}")
async def update_group(request: web.Request) -> web.Response:
    gid = path_id(request)
    name = _group_name(await json_body(request), False)
    s = request.app[services_key]

    def update():
        with write_tx(s.db):
            if name is not None:
                PlayerGroup.update(name=name).where(PlayerGroup.id == gid).execute()
            g = PlayerGroup.get_or_none(PlayerGroup.id == gid)
        return group_json(g, _members().get(gid, [])) if g else None
    out = await request.app[bridge_key].run(update)
    if out is None:
        raise not_found(f"player group {gid}")
    return ok(out)


@routes.delete("/api/v1/player-groups/{id}")
async def delete_group(request: web.Request) -> web.Response:
    """Its players stay, ungrouped; the group's path mappings go with it."""
    gid = path_id(request)
    s = request.app[services_key]

    def rm():
        with write_tx(s.db):
            n = PlayerGroup.delete().where(PlayerGroup.id == gid).execute()
            if n:
                Player.update(group_id=None).where(Player.group_id == gid).execute()
                PathMapping.delete().where(PathMapping.scope == f"group:{gid}").execute()
        return n
    if not await request.app[bridge_key].run(rm):
        raise not_found(f"player group {gid}")
    return ok({"id": gid, "removed": True})
