"""Jellyfin: tell it which folders changed (`/Library/Media/Updated`), falling back to a full
library refresh on servers that lack the endpoint."""
from __future__ import annotations

from typing import Any

from metarr.players import http
from metarr.players.http import PlayerProtocolError
from metarr.players.model import PlayerCalls, PlayerConn
from metarr.players.plan import plan_jellyfin


class JellyfinClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT, allow=None) -> None:
        self.allow = allow
        self.url = url.rstrip("/")
        self.headers = self.auth_headers(token or "")
        self.timeout = timeout

    @staticmethod
    def auth_headers(token: str) -> dict[str, str]:
        return {"Authorization": f'MediaBrowser Token="{token}"'}

    def _req(self, method: str, path: str, body=None) -> http.Response:
        return http.request(method, self.url + path, allow=self.allow, headers=self.headers, body=body,
                            timeout=self.timeout)

    def info(self) -> dict:
        return self._req("GET", "/System/Info").json() or {}

    def sessions(self) -> list[dict]:
        """The server's sessions (`/Sessions`): connected clients, with `NowPlayingItem` while one plays."""
        got = self._req("GET", "/Sessions").json()
        return [x for x in got if isinstance(x, dict)] if isinstance(got, list) else []

    def media_updated(self, updates: list[dict[str, str]]) -> str:
        """Returns "media_updated", or "refresh" when the server fell back to a full refresh."""
        try:
            self._req("POST", "/Library/Media/Updated", {"Updates": updates})
            return "media_updated"
        except PlayerProtocolError as e:
            if e.status not in (400, 404, 405, 501):
                raise
        self._req("POST", "/Library/Refresh")
        return "refresh"


# ------------------------------------------------------------------ the player seam (kinds.py)

class JellyfinKind:
    name, label, credentials = "jellyfin", "Jellyfin", ("token",)
    client_class = JellyfinClient

    def connect(self, c: PlayerConn) -> JellyfinClient:
        return self.client_class(c.url, c.token, timeout=c.timeout, allow=c.allow)

    def test(self, client: JellyfinClient) -> tuple[dict[str, Any], str]:
        si = client.info()
        info = {"version": si.get("Version"), "server_name": si.get("ServerName")}
        return info, f"{self.label} {info['version'] or ''} '{info['server_name'] or ''}' answered".replace("  ", " ")

    def is_playing(self, client: JellyfinClient) -> bool:
        # an idle client is listed too; one with an item loaded (paused or not) is playing
        return any(x.get("NowPlayingItem") for x in client.sessions())

    def sync(self, client: JellyfinClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
        # a collection is no folder of the library: Jellyfin makes its box sets from the movies' NFOs
        # (<set>, tmdbcolid); setting a box set's images over its API is not done yet
        updates = plan_jellyfin(c for c in pc.changes if c.entity_type != "collection")
        how = client.media_updated(updates) if updates else "nothing"
        return {"method": how, "paths": [u["Path"] for u in updates]}


KIND = JellyfinKind()
