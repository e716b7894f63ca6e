"""Jellyfin: tell it which folders changed (`/Library/Media/Updated`), falling back to a full
library refresh on servers that lack the endpoint."""
from __future__ import annotations

from . import http
from .http import PlayerProtocolError


class JellyfinClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f'MediaBrowser Token="{token or ""}"'}
        self.timeout = timeout

    def _req(self, method: str, path: str, body=None) -> http.Response:
        return http.request(method, self.url + path, headers=self.headers, body=body, timeout=self.timeout)

    def info(self) -> dict:
        return self._req("GET", "/System/Info").json() or {}

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
