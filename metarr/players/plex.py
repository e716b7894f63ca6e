"""Plex Media Server: the library sections by their Location paths, partial scans, and the item API
python-plexapi uses (reference §7): listings, item metadata, section edits, posters and backgrounds,
show preferences, item refresh. The sync itself is metarr/players/plex_sync.py."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_plus

from metarr.players import http, plex_sync
from metarr.players.model import PlayerCalls, PlayerConn
from metarr.players.plan import PlexSection

PAGE = 200        # items per listing page (X-Plex-Container-Size): each answer stays small
BATCH = 50        # rating keys per `/library/metadata/{k1,k2,…}`
SINGULAR = {"thumb": "poster", "art": "art"}     # select: PUT /library/metadata/{k}/poster?url=…
PLURAL = {"thumb": "posters", "art": "arts"}     # list and upload


class PlexClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT, allow=None) -> None:
        self.allow = allow
        self.data_dir: str | None = None   # Metarr's data dir: the cached images a collection gets
        self.url = url.rstrip("/")
        self.headers = {"X-Plex-Token": token or "", "Accept": "application/json",
                        "X-Plex-Client-Identifier": "metarr", "X-Plex-Product": "Metarr"}
        self.timeout = timeout

    def _get(self, path: str) -> http.Response:
        return http.request("GET", self.url + path, allow=self.allow, headers=self.headers, timeout=self.timeout)

    def _send(self, method: str, path: str, body: bytes | None = None) -> http.Response:
        return http.request(method, self.url + path, allow=self.allow, headers=self.headers, body=body,
                            timeout=self.timeout)

    @staticmethod
    def _container(r: http.Response) -> dict:
        got = r.json()
        return (got.get("MediaContainer") if isinstance(got, dict) else None) or {}

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

    def refreshing(self, keys: set[str]) -> bool:
        """Is one of these sections being scanned (`refreshing` on `/library/sections`)?"""
        mc = self._container(self._get("/library/sections"))
        return any(str(d.get("key")) in keys and d.get("refreshing") in (True, 1, "1")
                   for d in mc.get("Directory") or ())

    def items(self, section: str, type_num: int) -> list[dict]:
        """Every item of one type in a section, page by page (`X-Plex-Container-Start/Size`)."""
        out: list[dict] = []
        while True:
            r = self._get(f"/library/sections/{quote(section, safe='')}/all?type={type_num}&includeGuids=1"
                          f"&X-Plex-Container-Start={len(out)}&X-Plex-Container-Size={PAGE}")
            mc = self._container(r)
            got = [m for m in mc.get("Metadata") or () if isinstance(m, dict)]
            out.extend(got)
            total = mc.get("totalSize", r.headers.get("X-Plex-Container-Total-Size"))
            if not got or total is None or len(out) >= int(total):
                return out

    def metadata(self, keys: list[str]) -> dict[str, dict]:
        """Items in full (fields, locks, tags, images) by rating key, several per request."""
        out: dict[str, dict] = {}
        for i in range(0, len(keys), BATCH):
            ks = ",".join(quote(k, safe="") for k in keys[i:i + BATCH])
            for m in self._container(self._get(f"/library/metadata/{ks}")).get("Metadata") or ():
                out[str(m.get("ratingKey"))] = m
        return out

    def children(self, key: str) -> list[dict]:
        """A show's seasons (`/library/metadata/{key}/children`)."""
        mc = self._container(self._get(f"/library/metadata/{quote(key, safe='')}/children"))
        return [m for m in mc.get("Metadata") or () if isinstance(m, dict)]

    def edit(self, path: str) -> None:
        """A section edit (plex_plan.edit_queries builds the path)."""
        self._send("PUT", path)

    def photos(self, key: str, element: str) -> list[dict]:
        """The posters (`thumb`) or backgrounds (`art`) Plex holds for an item, one `selected`."""
        mc = self._container(self._get(f"/library/metadata/{quote(key, safe='')}/{PLURAL[element]}"))
        return [p for p in mc.get("Metadata") or () if isinstance(p, dict)]

    def upload(self, key: str, element: str, data: bytes) -> None:
        self._send("POST", f"/library/metadata/{quote(key, safe='')}/{PLURAL[element]}", data)

    def select(self, key: str, element: str, rating_key: str) -> None:
        self._send("PUT", f"/library/metadata/{quote(key, safe='')}/{SINGULAR[element]}?url={quote_plus(rating_key)}")

    def image(self, path: str) -> bytes:
        """The bytes of an image Plex serves (an item's `thumb` or `art` path)."""
        return self._get(path if path.startswith("/") else "/" + path).body

    def set_ordering(self, key: str, ordering: str) -> None:
        self._send("PUT", f"/library/metadata/{quote(key, safe='')}/prefs?showOrdering={quote(ordering, safe='')}")

    def refresh_item(self, key: str) -> None:
        self._send("PUT", f"/library/metadata/{quote(key, safe='')}/refresh")


# ------------------------------------------------------------------ the player seam (kinds.py)

class PlexKind:
    name, label, credentials = "plex", "Plex", ("token",)

    def connect(self, c: PlayerConn) -> PlexClient:
        client = PlexClient(c.url, c.token, timeout=c.timeout, allow=c.allow)
        client.data_dir = c.data_dir
        return client

    def test(self, client: PlexClient) -> tuple[dict[str, Any], str]:
        ident = client.identity()
        sections = client.sections()
        info = {"version": ident.get("version"), "sections": [s.title for s in sections]}
        return info, f"Plex {info['version'] or ''} answered with {len(sections)} library sections"

    def is_playing(self, client: PlexClient) -> bool:
        # playing, paused or buffering alike: a paused film resumes into the refreshed library
        return bool(client.sessions())

    def sync(self, client: PlexClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
        return plex_sync.sync(client, pc, confirm_timeout)


KIND = PlexKind()
