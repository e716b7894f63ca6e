"""Emulators of the media players Metarr syncs: Kodi (JSON-RPC over HTTP), Jellyfin, Emby and Plex.

Each records every request (HTTP method, path, query, headers, body; for Kodi every JSON-RPC call,
batched or not) for assertions, checks credentials like the real server (401 on a wrong one) and
answers with real-shaped bodies. All run on one background loop, so synchronous tests (and actor
threads) can call them while the test thread blocks:

    with PlayerEmulators() as emu:
        emu.kodi.add_movie("/mnt/movies/A (2001)/A.mkv")
        ... emu.kodi.url, emu.kodi.rpc_methods() ...
"""
from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from . import player_art
from .kodi import KodiEmulator
from .player_server import PlayerServer

__all__ = ["EmbyEmulator", "JellyfinEmulator", "KodiEmulator", "PlayerEmulators", "PlexEmulator"]


# ---------------------------------------------------------------------------- Jellyfin

class JellyfinEmulator(PlayerServer):
    base = ""                  # Emby serves the same API under /emby
    server = ("jellyfin-emu", "10.9.11")

    def __init__(self, token: str = "jf-token-123", media_updated: bool = True) -> None:
        super().__init__()
        self.token = token
        self.media_updated = media_updated   # False: a server without /Library/Media/Updated (404)

    def _authorised(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if auth.startswith(("MediaBrowser ", "Emby ")) and f'Token="{self.token}"' in auth:
            return True
        return self.token in (request.headers.get("X-Emby-Token"), request.query.get("api_key"))

    def app(self) -> web.Application:
        app = web.Application()

        async def any_route(request: web.Request) -> web.Response:
            body = await self._record(request)
            if not self._authorised(request):
                return web.Response(status=401, text="")
            path, m = request.path, request.method
            if not path.startswith(self.base + "/"):
                return web.Response(status=404)
            path = path[len(self.base):]
            if m == "GET" and path == "/System/Info":
                return web.json_response({"ServerName": self.server[0], "Version": self.server[1], "Id": "f00d",
                                          "OperatingSystem": "Linux", "StartupWizardCompleted": True})
            if m == "POST" and path == "/Library/Media/Updated" and self.media_updated:
                if not isinstance(body, dict) or not isinstance(body.get("Updates"), list):
                    return web.json_response({"title": "One or more validation errors occurred.", "status": 400},
                                             status=400)
                return web.Response(status=204)
            if m == "POST" and path == "/Library/Refresh":
                return web.Response(status=204)
            return web.Response(status=404)

        app.router.add_route("*", "/{tail:.*}", any_route)
        return app

    def images(self, path, kind: str = "movie", season: int | None = None) -> dict:
        """The local images this server shows for an item (a video file, a show folder; a season is its
        show folder and number), by its own rules: {"Primary": [file], "Backdrop": [...], …}."""
        return player_art.jellyfin(path, kind, season, emby=self.base == "/emby")

    def updates(self) -> list[dict]:
        return [u for c in self.requests if c.path == self.base + "/Library/Media/Updated" and isinstance(c.body, dict)
                for u in c.body.get("Updates", [])]


class EmbyEmulator(JellyfinEmulator):
    """Emby 4.8: Jellyfin's API (its fork) under /emby; tokens by `X-Emby-Token` or `api_key`."""
    base = "/emby"
    server = ("emby-emu", "4.8.10.0")

    def __init__(self, token: str = "emby-token-456") -> None:
        super().__init__(token)

    def _authorised(self, request: web.Request) -> bool:
        return self.token in (request.headers.get("X-Emby-Token"), request.query.get("api_key"))


# ---------------------------------------------------------------------------- Plex

class PlexEmulator(PlayerServer):
    def __init__(self, token: str = "plex-token-abc") -> None:
        super().__init__()
        self.token = token
        self.sections: list[dict] = []

    def add_section(self, key: str, type_: str, title: str, *paths: str) -> None:
        self.sections.append({"allowSync": True, "art": f"/:/resources/{type_}-fanart.jpg", "key": key,
                              "type": type_, "title": title, "agent": "tv.plex.agents.movie",
                              "scanner": "Plex Movie", "language": "en-US",
                              "Location": [{"id": int(key) * 10 + i, "path": p} for i, p in enumerate(paths)]})

    def assets(self, path, kind: str = "movie", season: int | None = None) -> dict:
        """The local media assets Plex uses for an item: {"posters": [...], "art": [...], "banners": [...]},
        the first of each shown."""
        return player_art.plex(path, kind, season)

    def refreshes(self) -> list[tuple[str, str | None]]:
        out = []
        for c in self.requests:
            parts = c.path.strip("/").split("/")
            if len(parts) == 4 and parts[:2] == ["library", "sections"] and parts[3] == "refresh":
                out.append((parts[2], c.query.get("path")))
        return out

    def app(self) -> web.Application:
        app = web.Application()

        async def any_route(request: web.Request) -> web.Response:
            await self._record(request)
            token = request.headers.get("X-Plex-Token") or request.query.get("X-Plex-Token")
            if token != self.token:
                return web.Response(status=401, text="<html><head><title>Unauthorized</title></head></html>",
                                    content_type="text/html")
            parts = request.path.strip("/").split("/")
            if request.path == "/identity":
                return web.json_response({"MediaContainer": {"size": 0, "claimed": True,
                                                             "machineIdentifier": "emu", "version": "1.40.2.8395"}})
            if request.path == "/library/sections":
                return web.json_response({"MediaContainer": {"size": len(self.sections), "allowSync": False,
                                                             "title1": "Plex Library", "Directory": self.sections}})
            if len(parts) == 4 and parts[:2] == ["library", "sections"] and parts[3] == "refresh":
                if not any(s["key"] == parts[2] for s in self.sections):
                    return web.Response(status=404)
                return web.Response(status=200)
            return web.Response(status=404)

        app.router.add_route("*", "/{tail:.*}", any_route)
        return app


# ---------------------------------------------------------------------------- runner

class PlayerEmulators:
    """Two Kodis (for groups), Jellyfin, Emby and Plex on one background loop thread."""

    def __init__(self) -> None:
        self.kodi = KodiEmulator()
        self.kodi2 = KodiEmulator()
        self.jellyfin = JellyfinEmulator()
        self.emby = EmbyEmulator()
        self.plex = PlexEmulator()
        self.servers: list[PlayerServer] = [self.kodi, self.kodi2, self.jellyfin, self.emby, self.plex]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="player-emulators", daemon=True)

    def __enter__(self) -> PlayerEmulators:
        self.thread.start()
        for s in self.servers:
            s.loop = self.loop
            asyncio.run_coroutine_threadsafe(s.start(), self.loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        for s in self.servers:
            asyncio.run_coroutine_threadsafe(s.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
