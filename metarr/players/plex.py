"""Plex Media Server: find the library section by its Location paths, then a partial refresh."""
from __future__ import annotations

from urllib.parse import quote

from . import http
from .plan import PlexSection


class PlexClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.headers = {"X-Plex-Token": token or "", "Accept": "application/json",
                        "X-Plex-Client-Identifier": "metarr", "X-Plex-Product": "Metarr"}
        self.timeout = timeout

    def _get(self, path: str) -> http.Response:
        return http.request("GET", self.url + path, headers=self.headers, timeout=self.timeout)

    def identity(self) -> dict:
        return (self._get("/identity").json() or {}).get("MediaContainer") or {}

    def sections(self) -> list[PlexSection]:
        mc = (self._get("/library/sections").json() or {}).get("MediaContainer") or {}
        return [PlexSection(str(d.get("key")), d.get("type", ""), d.get("title", ""),
                            tuple(loc.get("path", "") for loc in d.get("Location") or ()))
                for d in mc.get("Directory") or ()]

    def refresh(self, key: str, path: str | None = None) -> None:
        q = f"?path={quote(path, safe='')}" if path else ""
        self._get(f"/library/sections/{quote(key, safe='')}/refresh{q}")
