"""Kodi 19+ JSON-RPC (API v12) over HTTP, as Metarr's sync meets it: the video library by path, what
a Scan finds on disk (in the background, `Library.IsScanningVideo` true meanwhile; with the
local-only scraper nothing without an NFO), the reading of NFO ids and art, Set*Details, and the
texture cache (Textures.*)."""
from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .kodi_sets import KodiSets
from .player_server import Call, PlayerServer


def _norm(p: str) -> str:
    p = p.replace("\\", "/")
    return p.rstrip("/") if len(p) > 1 else p


class _RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _match(path: str, flt: dict | None) -> bool:
    """Kodi's `path` filter field compares the item's folder."""
    if not flt or flt.get("field") != "path":
        return True
    value, op = str(flt.get("value", "")), flt.get("operator", "is")
    folder = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    if op == "startswith":
        return folder.startswith(value)
    if op == "contains":
        return value in folder
    return _norm(folder) == _norm(value)


class KodiEmulator(KodiSets, PlayerServer):
    """Kodi 19+ JSON-RPC (API v12) over HTTP. The library holds movies, tvshows and episodes by
    path; `put_on_disk` items are what a Scan of a directory finds. As the real one with the
    local-only scraper (reference/kodi-behaviour.md): Scan answers at once and runs for
    `scan_seconds` in the background (`Library.IsScanningVideo` is true until it ends; several run at
    once); only then are the items it found in the library, and only those with an NFO (an episode
    also needs its show); it never re-reads items it knows."""

    VIDEO = {"movie": ("VideoLibrary.GetMovies", "movies", "movieid"),
             "tvshow": ("VideoLibrary.GetTVShows", "tvshows", "tvshowid"),
             "episode": ("VideoLibrary.GetEpisodes", "episodes", "episodeid")}
    SET_DETAILS = {"VideoLibrary.SetMovieDetails": ("movie", "movieid"),
                   "VideoLibrary.SetTVShowDetails": ("tvshow", "tvshowid"),
                   "VideoLibrary.SetEpisodeDetails": ("episode", "episodeid")}
    REFRESH = {"VideoLibrary.RefreshMovie": ("movie", "movieid"),
               "VideoLibrary.RefreshTVShow": ("tvshow", "tvshowid"),
               "VideoLibrary.RefreshEpisode": ("episode", "episodeid")}

    def __init__(self, username: str | None = "kodi", password: str | None = "secret") -> None:
        super().__init__()
        self.username, self.password = username, password
        self.rpc: list[Call] = []
        self.items: dict[str, dict[int, str]] = {k: {} for k in self.VIDEO}
        self.on_disk: list[tuple[str, str]] = []    # (kind, path) a scan would find
        self.ids: dict[tuple[str, str], dict[str, str]] = {}   # (kind, path) -> the NFO's uniqueids
        self.art: dict[tuple[str, str], dict[str, str]] = {}   # (kind, path) -> art type -> image source
        self.refreshed: list[tuple[str, int]] = []
        self.declared_nfo: dict[tuple[str, str], bool] = {}   # (kind, path) not on this disk -> has an NFO
        self.scan_seconds = 0.3
        self.scans: list[tuple[float, str]] = []   # running scans: (monotonic end, directory)
        self.playing = False
        self.next_id = 1
        # Kodi's texture cache: image URL -> (texture id, the file's hash when cached). Like the real
        # one, a copy is made when an item's art is read and kept while its URL is known, whatever
        # happens to the file (the real one checks the hash again only a day later)
        self.textures: dict[str, tuple[int, str]] = {}
        self.next_texture = 1
        self._init_sets()

    # ---- test setup / inspection
    def add(self, kind: str, path: str, ids: dict[str, str] | None = None) -> int:
        kid = self.next_id
        self.next_id += 1
        self.items[kind][kid] = path = path.rstrip("/") + "/" if kind == "tvshow" else path
        if ids is not None:
            self.ids[(kind, path)] = dict(ids)
        self._read_local(kind, path)
        self._read_set(kind, kid, path)
        return kid

    def _read_set(self, kind: str, kid: int, path: str) -> None:
        """A movie's set, from its NFO on this machine's disk (kodi_sets.py)."""
        if kind != "movie":
            return
        folder, _base, nfos = self._local(kind, path)
        if not os.path.isdir(folder):
            return
        for nfo in nfos:
            try:
                text = open(nfo, encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            self._movie_set_from_nfo(kid, text)
            return

    @staticmethod
    def _local(kind: str, path: str) -> tuple[str, str | None, list[str]]:
        """(folder, video base name, the NFO files the local-only scraper reads, in its order)."""
        if kind == "tvshow":
            return path.rstrip("/"), None, [os.path.join(path, "tvshow.nfo")]
        folder, name = os.path.split(path)
        base = os.path.splitext(name)[0]
        return folder, base, [os.path.join(folder, base + ".nfo")] + (
            [os.path.join(folder, "movie.nfo")] if kind == "movie" else [])

    def _has_nfo(self, kind: str, path: str) -> bool:
        """Whether the local-only scraper finds information for the item: an NFO on this machine's
        disk, or, for a path only Kodi sees, what the test declared with `put_on_disk`."""
        folder, _base, nfos = self._local(kind, path)
        if not os.path.isdir(folder):
            return self.declared_nfo.get((kind, path), True)
        return any(os.path.isfile(n) for n in nfos)

    def _read_local(self, kind: str, path: str) -> None:
        """Like the local-only scraper: when the item is on this machine's disk, its uniqueids come
        from its NFO and its art from the image files named for it (reference/kodi-behaviour.md)."""
        folder, base, nfos = self._local(kind, path)
        if not os.path.isdir(folder):
            return
        for nfo in nfos:
            try:
                text = open(nfo, encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            ids = dict(re.findall(r'<uniqueid[^>]*type="([^"]+)"[^>]*>\s*([^<\s]+)\s*</uniqueid>', text))
            if ids:
                self.ids[(kind, path)] = ids
            break
        art = {}
        for entry in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(entry)
            if ext.lower() not in (".jpg", ".png", ".jpeg"):
                continue
            if base is not None and stem.startswith(base + "-"):
                art[stem[len(base) + 1:]] = os.path.join(folder, entry)
            elif kind == "tvshow" and "-" not in stem and not stem.startswith("season"):
                art[stem] = os.path.join(folder, entry)
        if art:
            self.art[(kind, path)] = art
            self._cache(art.values())

    def _cache(self, sources) -> None:
        for src in sources:
            url = f"image://{quote(src, safe='')}/"
            if url in self.textures:
                continue
            try:
                st = os.stat(src)
            except OSError:
                continue
            self.textures[url] = (self.next_texture, f"d{int(st.st_mtime)}s{st.st_size}")
            self.next_texture += 1

    def cached_hash(self, source: str) -> str | None:
        """The hash of the copy Kodi would show for this image file, if it has one."""
        held = self.textures.get(f"image://{quote(source, safe='')}/")
        return held[1] if held else None

    def put_on_disk(self, kind: str, path: str, ids: dict[str, str] | None = None, nfo: bool = True) -> None:
        """What a Scan would find there. On this machine's disk the files say what Kodi finds (the
        NFO, its ids, the art); for a path only Kodi sees, `nfo` says whether it has its NFO and
        `ids` are that NFO's uniqueids."""
        path = path.rstrip("/") + "/" if kind == "tvshow" else path
        self.on_disk.append((kind, path))
        self.declared_nfo[(kind, path)] = nfo
        if ids is not None:
            self.ids[(kind, path)] = dict(ids)

    def _start_scan(self, directory: str) -> None:
        end = time.monotonic() + self.scan_seconds
        self.scans.append((end, directory))
        asyncio.get_running_loop().call_later(self.scan_seconds, self._finish_scans)

    def _finish_scans(self) -> None:
        """Scans whose time is up add what they found (shows before their episodes)."""
        now = time.monotonic()
        done = [d for end, d in self.scans if end <= now]
        self.scans = [(end, d) for end, d in self.scans if end > now]
        for directory in done:
            for kind in ("tvshow", "movie", "episode"):
                for k, path in list(self.on_disk):
                    inside = not directory or _norm(path) == directory or _norm(path).startswith(directory + "/")
                    if k != kind or not inside or self.find(kind, path) is not None or not self._has_nfo(kind, path):
                        continue
                    if kind == "episode" and not any(path.startswith(show) for show in self.items["tvshow"].values()):
                        continue   # a show without tvshow.nfo is not added, nor are its episodes
                    self.add(kind, path)

    def scanning(self) -> bool:
        self._finish_scans()
        return bool(self.scans)

    def rpc_methods(self) -> list[str]:
        return [c.method for c in self.rpc]

    def rpc_calls(self, method: str) -> list[Call]:
        return [c for c in self.rpc if c.method == method]

    def find(self, kind: str, path: str) -> int | None:
        if self.scans:
            self._finish_scans()
        for kid, p in self.items[kind].items():
            if _norm(p) == _norm(path):
                return kid
        return None

    def reset(self) -> None:
        self.requests.clear()
        self.rpc.clear()
        self.refreshed.clear()

    # ---- server
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/jsonrpc", self.handle)
        return app

    def _authorised(self, request: web.Request) -> bool:
        if not self.username:
            return True
        want = "Basic " + base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
        return request.headers.get("Authorization") == want

    async def handle(self, request: web.Request) -> web.Response:
        body = await self._record(request)
        if not self._authorised(request):
            return web.Response(status=401, text="401 Unauthorized",
                                headers={"WWW-Authenticate": 'Basic realm="Kodi"'})
        if request.method != "POST":
            # since Leia, non-POST requests only get ReadData permission
            return web.json_response({"jsonrpc": "2.0", "id": None,
                                      "error": {"code": -32099, "message": "Bad client permission."}})
        if isinstance(body, list):
            return web.json_response([self._one(m, request) for m in body])
        if not isinstance(body, dict):
            return web.json_response({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error."}})
        return web.json_response(self._one(body, request))

    def _one(self, msg: dict, request: web.Request) -> dict:
        method, params, rid = msg.get("method", ""), msg.get("params") or {}, msg.get("id")
        self.rpc.append(Call(method, "/jsonrpc", {}, dict(request.headers), params))
        try:
            return {"jsonrpc": "2.0", "id": rid, "result": self._dispatch(method, params)}
        except _RpcError as e:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": e.code, "message": e.message}}

    def _dispatch(self, method: str, p: dict) -> Any:
        if self.scans:
            self._finish_scans()
        if method == "JSONRPC.Ping":
            return "pong"
        if method == "JSONRPC.Version":
            return {"version": {"major": 12, "minor": 0, "patch": 0}}
        if method == "Player.GetActivePlayers":
            return [{"playerid": 1, "playertype": "internal", "type": "video"}] if self.playing else []
        if method == "XBMC.GetInfoBooleans":
            video = self.scanning()
            return {b: video and b in ("Library.IsScanningVideo", "Library.IsScanning") for b in p.get("booleans", [])}
        handled, result = self._sets_dispatch(method, p, _RpcError)
        if handled:
            return result
        if method == "VideoLibrary.Scan":
            self._start_scan(_norm(p.get("directory", "")))
            return "OK"
        if method == "AudioLibrary.Scan":
            return "OK"
        for kind, (name, key, idf) in self.VIDEO.items():
            if method == name:
                props = set(p.get("properties") or ())
                items = []
                for kid, path in sorted(self.items[kind].items()):
                    if not _match(path, p.get("filter")):
                        continue
                    item = {idf: kid, "label": path.rstrip("/").rsplit("/", 1)[-1]}
                    if "file" in props:
                        item["file"] = path
                    if "uniqueid" in props:
                        item["uniqueid"] = dict(self.ids.get((kind, path), {}))
                    if "title" in props:
                        item["title"] = item["label"]
                    if "art" in props:
                        item["art"] = {t: f"image://{quote(v, safe='')}/" for t, v in self.art.get((kind, path), {}).items()}
                    if kind == "movie" and props & {"setid", "set"}:
                        setid = self.movie_sets.get(kid, 0)
                        item.update(setid=setid, set=self.sets[setid]["title"] if setid else "")
                    items.append(item)
                return {"limits": {"start": 0, "end": len(items), "total": len(items)}, key: items}
        if method in self.REFRESH:
            kind, idf = self.REFRESH[method]
            kid = p.get(idf)
            if not isinstance(kid, int) or kid not in self.items[kind]:
                raise _RpcError(-32602, "Invalid params.")
            self.refreshed.append((kind, kid))
            self._read_local(kind, self.items[kind][kid])
            self._read_set(kind, kid, self.items[kind][kid])
            return "OK"
        if method in self.SET_DETAILS:
            kind, idf = self.SET_DETAILS[method]
            kid = p.get(idf)
            if not isinstance(kid, int) or kid not in self.items[kind]:
                raise _RpcError(-32602, "Invalid params.")
            art = self.art.setdefault((kind, self.items[kind][kid]), {})
            for t, v in (p.get("art") or {}).items():
                if v is None:
                    art.pop(t, None)
                else:
                    art[t] = v
            self._cache(art.values())
            return "OK"
        if method == "Textures.GetTextures":
            flt = p.get("filter") or {}
            props = set(p.get("properties") or ())
            rows = []
            for url, (tid, h) in sorted(self.textures.items(), key=lambda kv: kv[1][0]):
                if flt and not (flt.get("field") == "url" and flt.get("operator") == "is" and flt.get("value") == url):
                    continue
                row: dict[str, Any] = {"textureid": tid}
                if "url" in props:
                    row["url"] = url
                if "imagehash" in props:
                    row["imagehash"] = h
                rows.append(row)
            return {"textures": rows}
        if method == "Textures.RemoveTexture":
            tid = p.get("textureid")
            url = next((u for u, (i, _h) in self.textures.items() if i == tid), None)
            if url is None:
                raise _RpcError(-32602, "Invalid params.")
            del self.textures[url]
            return "OK"
        raise _RpcError(-32601, "Method not found.")
