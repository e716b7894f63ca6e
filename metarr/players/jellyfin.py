"""Jellyfin: tell it which folders changed (`/Library/Media/Updated`), falling back to a full
library refresh on servers that lack the endpoint; then make its collections (box sets) hold the
movies and images of Metarr's (metarr/players/jellyfin_sets.py)."""
from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

from metarr.players import http, jellyfin_sets
from metarr.players.http import PlayerProtocolError
from metarr.players.model import PlayerCalls, PlayerConn
from metarr.players.plan import plan_jellyfin

PAGE = 500   # items per `/Items` page while looking movies up by their files


class JellyfinClient:
    def __init__(self, url: str, token: str | None, timeout: float = http.TIMEOUT, allow=None) -> None:
        self.allow = allow
        self.data_dir: str | None = None   # Metarr's data dir: the cached images a collection gets
        self.url = url.rstrip("/")
        self.headers = self.auth_headers(token or "")
        self.timeout = timeout

    @staticmethod
    def auth_headers(token: str) -> dict[str, str]:
        return {"Authorization": f'MediaBrowser Token="{token}"'}

    def _req(self, method: str, path: str, body=None, headers: dict[str, str] | None = None) -> http.Response:
        return http.request(method, self.url + path, allow=self.allow, headers={**self.headers, **(headers or {})},
                            body=body, timeout=self.timeout)

    def _items(self, **query: Any) -> tuple[list[dict], int]:
        got = self._req("GET", "/Items?" + urlencode(query)).json() or {}
        items = [x for x in got.get("Items") or () if isinstance(x, dict)] if isinstance(got, dict) else []
        total = got.get("TotalRecordCount") if isinstance(got, dict) else None
        return items, int(total) if isinstance(total, int) else len(items)

    def movies(self) -> list[dict]:
        """Every movie with its `Path` (the server has no lookup by path), page by page."""
        out: list[dict] = []
        while True:
            got, total = self._items(IncludeItemTypes="Movie", Recursive="true", Fields="Path",
                                     StartIndex=len(out), Limit=PAGE)
            out.extend(got)
            if not got or len(out) >= total:
                return out

    def boxsets(self, name: str) -> list[dict]:
        """Collections whose name contains `name` (`SearchTerm` matches parts of names)."""
        return self._items(IncludeItemTypes="BoxSet", Recursive="true", SearchTerm=name)[0]

    def children(self, item_id: str) -> list[dict]:
        return self._items(ParentId=item_id, Fields="Path")[0]

    def create_collection(self, name: str, ids: list[str]) -> str:
        got = self._req("POST", "/Collections?" + urlencode({"Name": name, "Ids": ",".join(ids)})).json()
        if not isinstance(got, dict) or not got.get("Id"):
            raise PlayerProtocolError("the new collection's id is not in the answer")
        return str(got["Id"])

    def add_to_collection(self, box_id: str, ids: list[str]) -> None:
        self._req("POST", f"/Collections/{quote(box_id, safe='')}/Items?" + urlencode({"Ids": ",".join(ids)}))

    def image_infos(self, item_id: str) -> list[dict]:
        got = self._req("GET", f"/Items/{quote(item_id, safe='')}/Images").json()
        return [x for x in got if isinstance(x, dict)] if isinstance(got, list) else []

    def image(self, item_id: str, image_type: str) -> bytes:
        """The image as the server keeps it (asked for in its own format: no conversion)."""
        return self._req("GET", f"/Items/{quote(item_id, safe='')}/Images/{image_type}",
                         headers={"Accept": "image/jpeg, image/png, image/*"}).body

    def upload_image(self, item_id: str, image_type: str, data: bytes, mime: str) -> None:
        """`POST /Items/{id}/Images/{type}`: the server reads the body as base64 (ImageController)."""
        self._req("POST", f"/Items/{quote(item_id, safe='')}/Images/{image_type}", base64.b64encode(data),
                  headers={"Content-Type": mime})

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
        client = self.client_class(c.url, c.token, timeout=c.timeout, allow=c.allow)
        client.data_dir = c.data_dir
        return client

    def test(self, client: JellyfinClient) -> tuple[dict[str, Any], str]:
        si = client.info()
        info = {"version": si.get("Version"), "server_name": si.get("ServerName")}
        return info, f"{self.label} {info['version'] or ''} '{info['server_name'] or ''}' answered".replace("  ", " ")

    def is_playing(self, client: JellyfinClient) -> bool:
        # an idle client is listed too; one with an item loaded (paused or not) is playing
        return any(x.get("NowPlayingItem") for x in client.sessions())

    def sync(self, client: JellyfinClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
        # a collection is no folder of the library: its box set is found by name and made to hold its
        # movies and images after the movies were told of
        updates = plan_jellyfin(c for c in pc.changes if c.entity_type != "collection")
        how = client.media_updated(updates) if updates else "nothing"
        sets = jellyfin_sets.sync_sets(client, pc.changes, confirm_timeout)
        return {"method": how, "paths": [u["Path"] for u in updates], **sets}


KIND = JellyfinKind()
