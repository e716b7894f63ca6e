"""Emby: Jellyfin's API (Jellyfin is its fork) under the `/emby` base path, authenticated with the
`X-Emby-Token` header. Same calls: `/System/Info`, `/Library/Media/Updated`, `/Library/Refresh`,
`/Sessions`."""
from __future__ import annotations

from metarr.players.jellyfin import JellyfinClient, JellyfinKind


class EmbyClient(JellyfinClient):
    def __init__(self, url: str, token: str | None, timeout: float = 5.0, allow=None) -> None:
        base = url.rstrip("/")
        # users paste either the server address or the API base; both end up at <server>/emby
        super().__init__(base if base.endswith("/emby") else base + "/emby", token, timeout, allow)

    @staticmethod
    def auth_headers(token: str) -> dict[str, str]:
        return {"X-Emby-Token": token}


class EmbyKind(JellyfinKind):
    name, label, credentials = "emby", "Emby", ("token",)
    client_class = EmbyClient


KIND = EmbyKind()
