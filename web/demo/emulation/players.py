"""Emulators of the media players Metarr syncs: Kodi (JSON-RPC over HTTP), Jellyfin, Emby and Plex.

Each records every request (HTTP method, path, query, headers, body; for Kodi every JSON-RPC call,
batched or not) for assertions, checks credentials like the real server (401 on a wrong one) and
answers with real-shaped bodies. Each has sessions, as the real servers list them (Kodi's active
players, Jellyfin's and Emby's `/Sessions`, Plex's `/status/sessions`); a test starts and stops a
playback with `start_playback(path)` / `stop_playback()`. All run on one background loop, so
synchronous tests (and actor threads) can call them while the test thread blocks:

    with PlayerEmulators() as emu:
        emu.kodi.add_movie("/mnt/movies/A (2001)/A.mkv")
        ... emu.kodi.url, emu.kodi.rpc_methods() ...
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import threading
import time

from aiohttp import web

from . import player_art
from .jellyfin_library import JellyfinLibrary
from .kodi import KodiEmulator
from .player_server import PlayerServer
from .plex import PlexLibrary

__all__ = ["EmbyEmulator", "JellyfinEmulator", "KodiEmulator", "PlayerEmulators", "PlexEmulator"]


# ---------------------------------------------------------------------------- Jellyfin

class JellyfinEmulator(PlayerServer):
    base = ""                  # Emby serves the same API under /emby
    server = ("jellyfin-emu", "10.9.11")

    def __init__(self, token: str = "jf-token-123", media_updated: bool = True) -> None:
        super().__init__()
        self.token = token
        self.media_updated = media_updated   # False: a server without /Library/Media/Updated (404)
        self._ids = itertools.count(1)
        self.library = JellyfinLibrary()   # items, collections, images (jellyfin_library.py)
        # a signed-in web client that plays nothing: the real server lists it too, without NowPlayingItem
        self.sessions: list[dict] = [self._session("Jellyfin Web", "Firefox")]

    def _session(self, client: str, device: str) -> dict:
        n = next(self._ids)
        now = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
        return {"PlayState": {"CanSeek": False, "IsPaused": False, "IsMuted": False, "RepeatMode": "RepeatNone",
                              "PlaybackOrder": "Default"},
                "AdditionalUsers": [], "RemoteEndPoint": "192.168.1.20", "PlayableMediaTypes": ["Audio", "Video"],
                "Id": f"{n:032x}", "UserId": "6d2ab4c9a2c14ac7b5b35b4cd4a2d3e1", "UserName": "alice",
                "Client": client, "LastActivityDate": now, "LastPlaybackCheckIn": "0001-01-01T00:00:00.0000000Z",
                "DeviceName": device, "DeviceId": f"device-{n}", "ApplicationVersion": self.server[1],
                "IsActive": True, "SupportsMediaControl": True, "SupportsRemoteControl": True,
                "NowPlayingQueue": [], "NowPlayingQueueFullItems": [], "HasCustomDeviceName": False,
                "ServerId": "f00d", "SupportedCommands": []}

    def start_playback(self, path: str, paused: bool = False, media_type: str = "Video") -> str:
        """A client starts playing the file at `path` (the server's path); returns the session id."""
        sess = self._session("Jellyfin Android", "Pixel 7")
        name = path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        sess["NowPlayingItem"] = {"Name": name, "ServerId": "f00d", "Id": hashlib.md5(path.encode()).hexdigest(),
                                  "Path": path, "Type": "Movie" if media_type == "Video" else "Audio",
                                  "MediaType": media_type, "RunTimeTicks": 54_000_000_000, "IsFolder": False}
        sess["PlayState"].update(CanSeek=True, IsPaused=paused, PositionTicks=1_200_000_000, PlayMethod="DirectPlay",
                                 MediaSourceId=sess["NowPlayingItem"]["Id"])
        self.sessions.append(sess)
        return sess["Id"]

    def stop_playback(self, session_id: str | None = None) -> None:
        """Every playback stops (or the one of `session_id`); its client stays connected, idle."""
        for sess in self.sessions:
            if session_id in (None, sess["Id"]) and sess.pop("NowPlayingItem", None) is not None:
                sess["PlayState"] = {"CanSeek": False, "IsPaused": False, "IsMuted": False,
                                     "RepeatMode": "RepeatNone", "PlaybackOrder": "Default"}

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
                for u in body["Updates"]:   # the server scans what it was told of
                    if isinstance(u, dict) and u.get("UpdateType") in ("Created", "Modified") and u.get("Path"):
                        self.library.scan(u["Path"])
                return web.Response(status=204)
            if m == "POST" and path == "/Library/Refresh":
                return web.Response(status=204)
            if m == "GET" and path == "/Sessions":
                return web.json_response(self.sessions)
            answer = await self.library.answer(request, path, await request.read())
            return answer if answer is not None else web.Response(status=404)

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
        self.sessions: list[dict] = []   # what /status/sessions lists: media loaded in a player
        self._ids = itertools.count(1)
        self.library = PlexLibrary(self.sections)   # items, edits, images (plex.py)

    def start_playback(self, path: str, state: str = "playing", type_: str = "movie") -> str:
        """A Plex client plays the file at `path` (state playing, paused or buffering); returns the
        session id."""
        n = next(self._ids)
        title = path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.sessions.append({
            "addedAt": 1700000000, "duration": 5400000, "key": f"/library/metadata/{1000 + n}",
            "librarySectionID": "1", "librarySectionKey": "/library/sections/1", "ratingKey": str(1000 + n),
            "sessionKey": str(n), "title": title, "type": type_, "viewOffset": 120000,
            "Media": [{"id": 2000 + n, "duration": 5400000, "container": "mkv",
                       "Part": [{"id": 3000 + n, "file": path, "container": "mkv"}]}],
            "User": {"id": "1", "thumb": "https://plex.tv/users/1/avatar", "title": "alice"},
            "Player": {"address": "192.168.1.30", "machineIdentifier": f"player-{n}", "model": "",
                       "platform": "Chrome", "platformVersion": "120.0", "product": "Plex Web", "profile": "Web",
                       "state": state, "title": "Chrome", "version": "4.118.0", "local": True, "relayed": False,
                       "secure": True, "userID": 1},
            "Session": {"id": f"session-{n}", "bandwidth": 20000, "location": "lan"}})
        return f"session-{n}"

    def stop_playback(self, session_id: str | None = None) -> None:
        self.sessions = [x for x in self.sessions if session_id not in (None, x["Session"]["id"])]

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
            if request.path == "/status/sessions":
                mc = {"size": len(self.sessions)}
                if self.sessions:   # the real server leaves the list out when nothing plays
                    mc["Metadata"] = self.sessions
                return web.json_response({"MediaContainer": mc})
            if len(parts) == 4 and parts[:2] == ["library", "sections"] and parts[3] == "refresh":
                if not any(s["key"] == parts[2] for s in self.sections):
                    return web.Response(status=404)
                self.library.scan(parts[2], request.query.get("path"))
                return web.Response(status=200)
            answer = await self.library.answer(request, parts)
            return answer if answer is not None else web.Response(status=404)

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
