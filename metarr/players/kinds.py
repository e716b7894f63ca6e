"""The player seam: what Metarr needs of a kind of player, and the kinds this build knows.

A kind connects (a client from the player's row), tests the connection (what it is, in words),
says whether it is playing, and syncs one planned call (plan + refresh, returning what it did).
Adding a kind is one module with its client and `KIND`, a line in `KINDS`, and its emulator."""
from __future__ import annotations

from typing import Any, Protocol

from metarr.players import emby, jellyfin, kodi, plex
from metarr.players.http import PlayerConfigError
from metarr.players.model import PlayerCalls, PlayerConn


class PlayerKind(Protocol):
    name: str                       # stored in players.kind
    label: str                      # shown to people
    credentials: tuple[str, ...]    # what the UI asks for: ("username", "password") or ("token",)

    def connect(self, conn: PlayerConn) -> Any: ...

    def test(self, client: Any) -> tuple[dict[str, Any], str]: ...

    def is_playing(self, client: Any) -> bool: ...

    def sync(self, client: Any, calls: PlayerCalls, confirm_timeout: float) -> dict[str, Any]: ...


KINDS: dict[str, PlayerKind] = {k.name: k for k in (kodi.KIND, jellyfin.KIND, emby.KIND, plex.KIND)}


def names() -> tuple[str, ...]:
    return tuple(KINDS)


def kind_of(name: str) -> PlayerKind:
    try:
        return KINDS[name]
    except KeyError:
        raise PlayerConfigError(f"unknown player kind {name!r}") from None
