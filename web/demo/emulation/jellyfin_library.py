"""Jellyfin's (and Emby's) library as its HTTP API shows it: items (`GET /Items` with the filters a
client sends: `IncludeItemTypes`, `Recursive`, `SearchTerm`, `ParentId`, `Ids`, `Fields`, paging),
collections (box sets: `POST /Collections?Name=&Ids=` → `{"Id"}`, `POST|DELETE
/Collections/{id}/Items?Ids=` → 204) and item images (`GET /Items/{id}/Images` → image infos,
`GET /Items/{id}/Images/{type}[/{index}]` → the bytes, `POST /Items/{id}/Images/{type}[/{index}]`
with the image base64-encoded in the body and an `image/*` Content-Type → 204).

As the real server: query names are case-blind (ASP.NET), `Path` and `ProviderIds` are in an item only
when `Fields` asks for them, `SearchTerm` matches part of a name (so a client must compare names
itself), a second collection of the same name is made when asked (Jellyfin does not refuse it), an
unknown id is a 400 (ArgumentException) and an unknown item's image a 404, a body that is no
base64 a 500 (FormatException), a non-image Content-Type a 415. Movies come from `add_movie` or
from the files a `/Library/Media/Updated` names ("the server's disk": the real file system).

The JellyfinEmulator (players.py) owns one and hands it every request it does not answer itself."""
from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import os
import posixpath
import re

from aiohttp import web

from .player_art import VIDEO

SERVER_ID = "f00d"
_YEAR = re.compile(r"\s*\((\d{4})\)$")


def _is_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _dims(data: bytes) -> tuple[int, int]:
    try:
        import io

        from PIL import Image
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Exception:
        return 0, 0


class JellyfinLibrary:
    def __init__(self, collections_dir: str = "/config/data/collections") -> None:
        self.items: dict[str, dict] = {}              # id -> the item as the server keeps it
        self.children: dict[str, list[str]] = {}      # box set id -> its items' ids, in the order added
        self.images: dict[tuple[str, str], list[bytes]] = {}   # (id, Primary|Backdrop|Logo…) -> images
        self.collections_dir = collections_dir
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ the library (tests)
    def _new(self, type_: str, name: str, path: str | None, **extra) -> str:
        iid = hashlib.md5(f"{type_}:{next(self._ids)}:{name}".encode()).hexdigest()
        self.items[iid] = {"Name": name, "ServerId": SERVER_ID, "Id": iid, "Type": type_, "Path": path,
                           "IsFolder": type_ in ("BoxSet", "Folder"), "ProviderIds": {},
                           "LocationType": "FileSystem", **extra}
        return iid

    def add_movie(self, path: str, name: str | None = None, **provider_ids: str) -> str:
        stem = posixpath.splitext(posixpath.basename(path.rstrip("/")))[0]
        m = _YEAR.search(stem)
        iid = self._new("Movie", name or _YEAR.sub("", stem), path, MediaType="Video",
                        ProductionYear=int(m.group(1)) if m else None)
        self.items[iid]["ProviderIds"] = {k.capitalize(): v for k, v in provider_ids.items()}
        return iid

    def movie(self, path: str) -> str | None:
        return next((i for i, it in self.items.items() if it["Type"] == "Movie" and it["Path"] == path), None)

    def scan(self, path: str) -> None:
        """What a library scan of `path` adds: every video file below it not known yet."""
        files = [path] if os.path.isfile(path) else [
            os.path.join(d, f) for d, _, names in os.walk(path) for f in sorted(names)]
        for f in files:
            if os.path.splitext(f)[1].lower() in VIDEO and "-trailer" not in f and self.movie(f) is None:
                self.add_movie(f)

    def add_boxset(self, name: str, *member_ids: str) -> str:
        """A collection made by someone else (by hand, or the server's automatic collections)."""
        iid = self._new("BoxSet", name, f"{self.collections_dir}/{name} [boxset]")
        self.children[iid] = list(member_ids)
        return iid

    def boxsets(self, name: str) -> list[str]:
        return [i for i, it in self.items.items() if it["Type"] == "BoxSet" and it["Name"] == name]

    def members(self, box_id: str) -> list[str]:
        """The paths of a box set's movies."""
        return [self.items[i]["Path"] for i in self.children.get(box_id, []) if i in self.items]

    def image(self, item_id: str, type_: str = "Primary", index: int = 0) -> bytes | None:
        """The image the server shows for an item (what a client would load)."""
        got = self.images.get((item_id, type_)) or []
        return got[index] if index < len(got) else None

    # ------------------------------------------------------------ DTOs
    def _dto(self, iid: str, fields: set[str]) -> dict:
        it = self.items[iid]
        out = {k: v for k, v in it.items() if k not in ("Path", "ProviderIds") and v is not None}
        tags = {t: hashlib.md5(imgs[0]).hexdigest() for (i, t), imgs in self.images.items()
                if i == iid and imgs and t != "Backdrop"}
        out["ImageTags"] = tags
        out["BackdropImageTags"] = [hashlib.md5(b).hexdigest() for b in self.images.get((iid, "Backdrop"), [])]
        if "path" in fields and it.get("Path"):
            out["Path"] = it["Path"]
        if "providerids" in fields:
            out["ProviderIds"] = dict(it.get("ProviderIds") or {})
        if it["Type"] == "BoxSet":
            out["ChildCount"] = len(self.children.get(iid, []))
        return out

    def _image_infos(self, iid: str) -> list[dict]:
        out = []
        for (i, t), imgs in sorted(self.images.items()):
            if i != iid:
                continue
            for n, data in enumerate(imgs):
                w, h = _dims(data)
                info = {"ImageType": t, "ImageTag": hashlib.md5(data).hexdigest(),
                        "Path": f"{self.collections_dir}/{iid}/{t.lower()}{n or ''}.jpg", "Height": h, "Width": w,
                        "Size": len(data)}
                if t == "Backdrop":
                    info["ImageIndex"] = n
                out.append(info)
        return out

    # ------------------------------------------------------------ requests
    async def answer(self, request: web.Request, path: str, raw: bytes) -> web.StreamResponse | None:
        q = {k.lower(): v for k, v in request.query.items()}
        parts = path.strip("/").split("/")
        m = request.method
        if m == "GET" and parts == ["Items"]:
            return self._list(q)
        if parts[:1] == ["Collections"]:
            return self._collections(m, parts[1:], q)
        if len(parts) >= 3 and parts[0] == "Items" and parts[2] == "Images":
            iid = parts[1].replace("-", "").lower()
            if iid not in self.items:
                return web.Response(status=404)
            return self._images(request, m, iid, parts[3:], raw)
        return None

    def _list(self, q: dict[str, str]) -> web.Response:
        fields = {f.strip().lower() for f in q.get("fields", "").split(",") if f.strip()}
        ids = [i.replace("-", "").lower() for i in q.get("ids", "").split(",") if i]
        if ids:
            found = [i for i in ids if i in self.items]
        elif q.get("parentid"):
            found = list(self.children.get(q["parentid"].replace("-", "").lower(), []))
        elif q.get("recursive", "").lower() == "true":
            found = list(self.items)
        else:
            found = []   # the top level holds the libraries' folders (not emulated)
        types = {t.strip().lower() for t in q.get("includeitemtypes", "").split(",") if t.strip()}
        if types:
            found = [i for i in found if self.items[i]["Type"].lower() in types]
        term = q.get("searchterm", "").strip().lower()
        if term:
            found = [i for i in found if term in self.items[i]["Name"].lower()]
        if not ids and not q.get("parentid"):
            found.sort(key=lambda i: (self.items[i]["Name"].lower(), i))
        try:
            start = int(q.get("startindex") or 0)
            limit = int(q["limit"]) if q.get("limit") else None
        except ValueError:
            return web.json_response({"title": "One or more validation errors occurred.", "status": 400}, status=400)
        page = found[start:start + limit if limit is not None else None]
        return web.json_response({"Items": [self._dto(i, fields) for i in page], "TotalRecordCount": len(found),
                                  "StartIndex": start})

    def _collections(self, method: str, rest: list[str], q: dict[str, str]) -> web.Response:
        ids = [i.replace("-", "").lower() for i in q.get("ids", "").split(",") if i]
        if any(i not in self.items for i in ids):
            return web.json_response("No item exists with the supplied Id", status=400)
        if method == "POST" and not rest:
            name = q.get("name", "").strip()
            if not name:
                return web.json_response("Name is required", status=400)
            return web.json_response({"Id": self.add_boxset(name, *dict.fromkeys(ids))})
        if len(rest) == 2 and rest[1] == "Items" and method in ("POST", "DELETE"):
            box = rest[0].replace("-", "").lower()
            if self.items.get(box, {}).get("Type") != "BoxSet":
                return web.json_response("No collection exists with the supplied collectionId", status=400)
            kids = self.children.setdefault(box, [])
            if method == "POST":
                kids.extend(i for i in dict.fromkeys(ids) if i not in kids)
            else:
                self.children[box] = [i for i in kids if i not in ids]
            return web.Response(status=204)
        return web.Response(status=404)

    def _images(self, request: web.Request, method: str, iid: str, rest: list[str], raw: bytes) -> web.Response:
        if method == "GET" and not rest:
            return web.json_response(self._image_infos(iid))
        if not rest or len(rest) > 2 or (len(rest) == 2 and not rest[1].isdigit()):
            return web.Response(status=404)
        type_ = rest[0][:1].upper() + rest[0][1:]
        index = int(rest[1]) if len(rest) == 2 else 0
        imgs = self.images.setdefault((iid, type_), [])
        if method == "GET":
            if index >= len(imgs):
                return web.Response(status=404)
            data = imgs[index]
            ctype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            return web.Response(body=data, content_type=ctype)
        if method == "POST":
            if not request.headers.get("Content-Type", "").startswith("image/"):
                return web.Response(status=415)
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                return web.Response(status=500, text="The input is not a valid Base-64 string")
            if not _is_image(data):
                return web.Response(status=500, text="image format not recognised")
            if index < len(imgs):
                imgs[index] = data
            else:
                imgs.append(data)
            return web.Response(status=204)
        if method == "DELETE":
            if index < len(imgs):
                imgs.pop(index)
            return web.Response(status=204)
        return web.Response(status=405)
