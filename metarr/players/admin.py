"""Players and player groups as the user configures them: create, read, change, remove, test. The
web handlers parse and render; these functions hold the rules (a group must exist, removing a
player or group takes its path mappings along, the group's players stay ungrouped) and publish
what happened. Secrets are write-only: the JSON says whether one is set, never what it is.
Blocking; worker threads only."""
from __future__ import annotations

import time
from typing import Any

from metarr.assets.ssrf import AllowList
from metarr.db.database import write_tx
from metarr.db.integrations import PathMapping, Player, PlayerGroup
from metarr.library.pathmap import Mapping, map_path, scopes_for_player
from metarr.players.resolve import conn_of
from metarr.players.run import check_connection
from metarr.service import redact
from metarr.service.records import Invalid, page
from metarr.service.timefmt import iso


def player_json(p: Player) -> dict:
    return {"id": p.id, "name": p.name, "kind": p.kind, "url": p.url, "username": p.username,
            "password_set": bool(p.password), "token_set": bool(p.token), "group_id": p.group_id,
            "enabled": p.enabled, "options": p.options or {}, "last_status": p.last_status,
            "created_at": iso(p.created_at)}


def group_json(g: PlayerGroup, members: list[int]) -> dict:
    return {"id": g.id, "name": g.name, "player_ids": members, "created_at": iso(g.created_at)}


def _check_group(gid: int | None) -> None:
    if gid is not None and PlayerGroup.get_or_none(PlayerGroup.id == gid) is None:
        raise Invalid(f"player group {gid} does not exist", "group_id")


def _members() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for p in Player.select(Player.id, Player.group_id).where(Player.group_id.is_null(False)).order_by(Player.id):
        out.setdefault(p.group_id, []).append(p.id)
    return out


# ------------------------------------------------------------------ players

def list_players(limit: int, offset: int) -> tuple[list[dict], int]:
    return page(Player.select().order_by(Player.id), player_json, limit, offset)


def get_player(pid: int) -> dict | None:
    p = Player.get_or_none(Player.id == pid)
    return player_json(p) if p else None


def create_player(db, values: dict[str, Any]) -> dict:
    redact.remember(values.get("password"), values.get("token"))
    _check_group(values.get("group_id"))
    with write_tx(db):
        return player_json(Player.create(created_at=time.time(), **values))


def update_player(db, pid: int, values: dict[str, Any]) -> dict | None:
    redact.remember(values.get("password"), values.get("token"))
    if "group_id" in values:
        _check_group(values["group_id"])
    with write_tx(db):
        if values:
            Player.update(**values).where(Player.id == pid).execute()
        p = Player.get_or_none(Player.id == pid)
    return player_json(p) if p else None


def remove_player(db, pid: int) -> bool:
    with write_tx(db):
        n = Player.delete().where(Player.id == pid).execute()
        if n:
            PathMapping.delete().where(PathMapping.scope == f"player:{pid}").execute()
    return bool(n)


def test_player(db, bus, pid: int, allow: AllowList) -> dict | None:
    """Connection test (blocking HTTP, through the outbound guard): ok, status and a message; the
    status is kept on the player and published."""
    p = Player.get_or_none(Player.id == pid)
    if p is None:
        return None
    res = check_connection(conn_of(p, allow))
    with write_tx(db):
        Player.update(last_status=res["status"]).where(Player.id == pid).execute()
    bus.publish("player.status", id=pid, name=p.name, status=res["status"], message=res["message"])
    return res


def test_path(pid: int, path: str) -> dict | None:
    """What the player will be told for a Metarr path: the mapped path and the scope that mapped it."""
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


# ------------------------------------------------------------------ groups

def list_groups(limit: int, offset: int) -> tuple[list[dict], int]:
    members = _members()
    return page(PlayerGroup.select().order_by(PlayerGroup.id), lambda g: group_json(g, members.get(g.id, [])),
                limit, offset)


def get_group(gid: int) -> dict | None:
    g = PlayerGroup.get_or_none(PlayerGroup.id == gid)
    return group_json(g, _members().get(gid, [])) if g else None


def create_group(db, name: str) -> dict:
    with write_tx(db):
        return group_json(PlayerGroup.create(name=name, created_at=time.time()), [])


def rename_group(db, gid: int, name: str | None) -> dict | None:
    with write_tx(db):
        if name is not None:
            PlayerGroup.update(name=name).where(PlayerGroup.id == gid).execute()
    return get_group(gid)


def remove_group(db, gid: int) -> bool:
    """Its players stay, ungrouped; the group's path mappings go with it."""
    with write_tx(db):
        n = PlayerGroup.delete().where(PlayerGroup.id == gid).execute()
        if n:
            Player.update(group_id=None).where(Player.group_id == gid).execute()
            PathMapping.delete().where(PathMapping.scope == f"group:{gid}").execute()
    return bool(n)
