"""Plex Media Server: find the library section by its Location paths, then a partial refresh."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from metarr.players import http
from metarr.players.http import PlayerConfigError
from metarr.players.model import PlayerCalls, PlayerConn
from metarr.players.plan import PlexSection, plan_plex


class PlexClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT, allow=None) -> None:
        self.allow = allow
        self.url = url.rstrip("/")
        self.headers = {"X-Plex-Token": token or "", "Accept": "application/json",
                        "X-Plex-Client-Identifier": "metarr", "X-Plex-Product": "Metarr"}
        self.timeout = timeout

    def _get(self, path: str) -> http.Response:
        return http.request("GET", self.url + path, allow=self.allow, headers=self.headers, timeout=self.timeout)

    def identity(self) -> dict:
        return (self._get("/identity").json() or {}).get("MediaContainer") or {}

    def sections(self) -> list[PlexSection]:
        mc = (self._get("/library/sections").json() or {}).get("MediaContainer") or {}
        return [PlexSection(str(d.get("key")), d.get("type", ""), d.get("title", ""),
                            tuple(loc.get("path", "") for loc in d.get("Location") or ()))
                for d in mc.get("Directory") or ()]

    def sessions(self) -> list[dict]:
        """What is loaded in a player now (`/status/sessions`; the list is absent when nothing is)."""
        mc = (self._get("/status/sessions").json() or {}).get("MediaContainer") or {}
        return list(mc.get("Metadata") or ())

    def refresh(self, key: str, path: str | None = None) -> None:
        q = f"?path={quote(path, safe='')}" if path else ""
        self._get(f"/library/sections/{quote(key, safe='')}/refresh{q}")


# ------------------------------------------------------------------ the player seam (kinds.py)

class PlexKind:
    name, label, credentials = "plex", "Plex", ("token",)

    def connect(self, c: PlayerConn) -> PlexClient:
        return PlexClient(c.url, c.token, timeout=c.timeout, allow=c.allow)

    def test(self, client: PlexClient) -> tuple[dict[str, Any], str]:
        ident = client.identity()
        sections = client.sections()
        info = {"version": ident.get("version"), "sections": [s.title for s in sections]}
        return info, f"Plex {info['version'] or ''} answered with {len(sections)} library sections"

    def is_playing(self, client: PlexClient) -> bool:
        # playing, paused or buffering alike: a paused film resumes into the refreshed library
        return bool(client.sessions())

    def sync(self, client: PlexClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
        refreshes, unmatched = plan_plex(pc.changes, client.sections())
        if unmatched and not refreshes:
            raise PlayerConfigError(f"no Plex library section contains {unmatched[0]} (check the path mapping)")
        for key, path in refreshes:
            client.refresh(key, path)
        return {"refreshes": [{"section": k, "path": p} for k, p in refreshes], "unmatched": unmatched}


KIND = PlexKind()
