"""Plex's library as its HTTP API shows it to python-plexapi (reference §7): section listings (paged,
by `type=`), items in full (`/library/metadata/{k1,k2}`, children), section edits with locks
(`{field}.value`, `{field}.locked`, `{tag}[i].tag.tag`, `{tag}[].tag.tag-`), posters and backgrounds
(list, upload by bytes or URL, select, serve), show preferences (`showOrdering`), item refresh, and
partial scans that add the files "on the server's disk". It keeps what was set, so a test reads
it back, and refuses what Plex refuses: 400 for a bad or missing parameter, 404 for an unknown key.

The PlexEmulator (players.py) owns one and hands it every request it does not answer itself."""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import posixpath
import re
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

TYPE_NUM = {"movie": 1, "show": 2, "season": 3, "episode": 4, "collection": 18}
NUM_TYPE = {v: k for k, v in TYPE_NUM.items()}
EDITABLE = {
    "movie": {"title", "titleSort", "originalTitle", "summary", "tagline", "originallyAvailableAt", "contentRating",
              "studio", "year", "editionTitle", "userRating"},
    "show": {"title", "titleSort", "originalTitle", "summary", "tagline", "originallyAvailableAt", "contentRating",
             "studio", "year"},
    "season": {"title", "summary"},
    "episode": {"title", "titleSort", "summary", "originallyAvailableAt", "contentRating", "year"},
    "collection": {"title", "titleSort", "summary", "contentRating"},
}
TAGS = ("genre", "collection", "label", "country", "director", "writer", "producer", "mood", "style")
ORDERINGS = ("", "tmdbAiring", "aired", "dvd", "absolute")
LISTS = {"posters": "thumb", "arts": "art"}          # list/upload paths -> the item's image attribute
SELECT = {"poster": "thumb", "art": "art"}
_TAG_RE = re.compile(r"^([a-z]+)\[(\d*)\]\.tag\.tag(-?)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EP_RE = re.compile(r"[Ss](\d{1,3})[Ee](\d{1,4})")


def is_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")


class PlexLibrary:
    def __init__(self, sections: list[dict]) -> None:
        self.sections = sections                # the emulator's `/library/sections` directories
        self.items: dict[str, dict] = {}        # rating key -> the item as `/library/metadata/{key}` shows it
        self.section_of: dict[str, str] = {}
        self.photos: dict[tuple[str, str], list[dict]] = {}   # (key, thumb|art) -> [{ratingKey, provider, data}]
        self.pending: list[tuple[str, dict[str, Any]]] = []  # files on the server's disk, not scanned yet
        self.scan_delay = 0.0                   # > 0: a scan runs that long (`refreshing` meanwhile)
        self.edits: list[tuple[str, dict[str, str]]] = []    # (rating keys, parameters) of each section edit
        self.item_refreshes: list[str] = []
        self._keys = itertools.count(101)
        self._stamp = itertools.count(1_700_000_001)

    # ------------------------------------------------------------ building the library (tests)
    def _section(self, path: str) -> dict:
        for s in self.sections:
            if any(_under(path, loc["path"]) for loc in s["Location"]):
                return s
        raise ValueError(f"no section holds {path}")

    def _new(self, section: dict, type_: str, **attrs) -> str:
        key = str(next(self._keys))
        item = {"ratingKey": key, "key": f"/library/metadata/{key}", "guid": f"plex://{type_}/{key:0>24}",
                "type": type_, "librarySectionID": int(section["key"]), "librarySectionKey":
                f"/library/sections/{section['key']}", "addedAt": 1_700_000_000, "Field": []}
        item.update({k: v for k, v in attrs.items() if v is not None})
        self.items[key] = item
        self.section_of[key] = section["key"]
        # the agent's own poster and background, shown until someone sets others
        for element in ("thumb", "art"):
            plural = "posters" if element == "thumb" else "arts"
            self.photos[(key, element)] = [{"ratingKey": f"metadata://{plural}/tv.plex.agents_{key}",
                                            "provider": "tmdb", "data": f"agent {element} {key}".encode()}]
            self._show(key, element, 0)
        return key

    def add_movie(self, file: str, title: str | None = None, **attrs) -> str:
        name = posixpath.splitext(posixpath.basename(file))[0]
        return self._new(self._section(file), "movie", title=title or name, **attrs,
                         Media=[{"id": next(self._keys), "Part": [{"id": next(self._keys), "file": file, "size": 1}]}])

    def add_episode(self, file: str, show: str | None = None, season: int | None = None,
                    episode: int | None = None, title: str | None = None, show_folder: str | None = None) -> str:
        """An episode, with its show (by folder) and season created as Plex's scanner would."""
        m = _EP_RE.search(posixpath.basename(file))
        season = season if season is not None else int(m.group(1)) if m else 1
        episode = episode if episode is not None else int(m.group(2)) if m else 1
        folder = show_folder or posixpath.dirname(file)
        if show_folder is None and re.match(r"(?i)^(season \d+|specials)$", posixpath.basename(folder)):
            folder = posixpath.dirname(folder)
        section = self._section(file)
        show_key = next((k for k, i in self.items.items() if i["type"] == "show"
                         and any(loc["path"] == folder for loc in i.get("Location", ()))), None)
        if show_key is None:
            show_key = self._new(section, "show", title=show or posixpath.basename(folder), Location=[{"path": folder}])
        show_item = self.items[show_key]
        season_key = next((k for k, i in self.items.items() if i["type"] == "season"
                           and i["parentRatingKey"] == show_key and i["index"] == season), None)
        if season_key is None:
            season_key = self._new(section, "season", title="Specials" if season == 0 else f"Season {season}",
                                   index=season, parentRatingKey=show_key, parentTitle=show_item["title"])
        return self._new(section, "episode", title=title or f"Episode {episode}", index=episode, parentIndex=season,
                         parentRatingKey=season_key, grandparentRatingKey=show_key,
                         grandparentTitle=show_item["title"],
                         Media=[{"id": next(self._keys), "Part": [{"id": next(self._keys), "file": file, "size": 1}]}])

    def put_on_disk(self, file: str, **meta) -> None:
        """A file the server will find when a scan covers its folder (`add_movie`/`add_episode`
        arguments by the section's kind)."""
        if (file, meta) not in self.pending and self.find(file) is None:
            self.pending.append((file, meta))

    def scan(self, section_key: str, path: str | None) -> None:
        section = next(s for s in self.sections if s["key"] == section_key)
        roots = [path] if path else [loc["path"] for loc in section["Location"]]
        take = [(f, m) for f, m in self.pending if any(_under(f, r) for r in roots)
                and any(_under(f, loc["path"]) for loc in section["Location"])]

        def add() -> None:
            for f, meta in take:
                if (f, meta) in self.pending:
                    self.pending.remove((f, meta))
                    (self.add_movie if section["type"] == "movie" else self.add_episode)(f, **meta)
            section.pop("refreshing", None)
        if self.scan_delay > 0:
            section["refreshing"] = True
            asyncio.get_running_loop().call_later(self.scan_delay, add)
        else:
            add()

    # ------------------------------------------------------------ reading it back (tests)
    def find(self, file: str) -> str | None:
        return next((k for k, i in self.items.items() for m in i.get("Media", ()) for p in m["Part"]
                     if p["file"] == file), None)

    def locked(self, key: str) -> set[str]:
        return {f["name"] for f in self.items[key]["Field"] if f["locked"]}

    def tags(self, key: str, tag: str) -> list[str]:
        return [t["tag"] for t in self.items[key].get(tag.capitalize(), ())]

    def image(self, key: str, element: str = "thumb") -> bytes | None:
        """The bytes of the poster (`thumb`) or background (`art`) the item shows."""
        return next((p["data"] for p in self.photos[(key, element)] if p.get("selected")), None)

    def children(self, key: str) -> list[dict]:
        return [i for i in self.items.values() if i.get("parentRatingKey") == key]

    # ------------------------------------------------------------ the API
    def _show(self, key: str, element: str, index: int) -> None:
        for i, p in enumerate(self.photos[(key, element)]):
            p["selected"] = i == index
        self.items[key][element] = f"/library/metadata/{key}/{element}/{next(self._stamp)}"

    def _lock(self, item: dict, name: str, locked: bool) -> None:
        item["Field"] = [f for f in item["Field"] if f["name"] != name]
        if locked:
            item["Field"].append({"locked": True, "name": name})

    @staticmethod
    def _listed(item: dict) -> dict:
        """An item as a section listing shows it: no locks, no collections (python-plexapi reloads
        an item before editing its tags)."""
        return {k: v for k, v in item.items() if k not in ("Field", "Collection", "Location")}

    async def answer(self, request: web.Request, parts: list[str]) -> web.StreamResponse | None:
        m, q = request.method, request.query
        if len(parts) == 4 and parts[:2] == ["library", "sections"] and parts[3] == "all":
            section = next((s for s in self.sections if s["key"] == parts[2]), None)
            if section is None:
                return web.Response(status=404)
            return self._edit(section, q) if m == "PUT" else self._list(section, request) if m == "GET" else None
        if len(parts) < 3 or parts[:2] != ["library", "metadata"]:
            return None
        keys = parts[2].split(",")
        if len(parts) == 3 and m == "GET":
            got = [self.items[k] for k in keys if k in self.items]
            if not got:
                return web.Response(status=404)
            return web.json_response({"MediaContainer": {"size": len(got), "Metadata": got}})
        key = parts[2]
        item = self.items.get(key)
        if item is None:
            return web.Response(status=404)
        if len(parts) == 3:
            return web.Response(status=405)
        what = parts[3]
        if len(parts) == 4 and what == "children" and m == "GET":
            kids = sorted(self.children(key), key=lambda i: i.get("index", 0))
            return web.json_response({"MediaContainer": {"size": len(kids), "Metadata": kids}})
        if len(parts) == 4 and what == "refresh" and m == "PUT":
            self.item_refreshes.append(key)
            return web.Response(status=200)
        if len(parts) == 4 and what == "prefs":
            return self._prefs(item, m, q)
        if len(parts) == 4 and what in LISTS:
            return await self._photos(request, key, LISTS[what])
        if len(parts) == 4 and what in SELECT and m == "PUT":
            photos = self.photos[(key, SELECT[what])]
            i = next((i for i, p in enumerate(photos) if p["ratingKey"] == q.get("url")), None)
            if i is None:
                return web.Response(status=404 if q.get("url") else 400)
            self._show(key, SELECT[what], i)
            return web.Response(status=200)
        if len(parts) == 5 and what in ("thumb", "art") and m == "GET":
            data = self.image(key, what)
            if data is None:
                return web.Response(status=404)
            return web.Response(body=data, content_type="image/jpeg")
        return None

    def _list(self, section: dict, request: web.Request) -> web.Response:
        q = request.query
        t = q.get("type") or str(TYPE_NUM["movie" if section["type"] == "movie" else "show"])
        if not t.isdigit() or int(t) not in NUM_TYPE:
            return web.Response(status=400)
        hits = [self._listed(i) for k, i in self.items.items()
                if self.section_of[k] == section["key"] and i["type"] == NUM_TYPE[int(t)]]
        start = int(q.get("X-Plex-Container-Start") or request.headers.get("X-Plex-Container-Start") or 0)
        size = q.get("X-Plex-Container-Size") or request.headers.get("X-Plex-Container-Size")
        page = hits[start:start + int(size)] if size else hits[start:]
        mc = {"size": len(page), "totalSize": len(hits), "offset": start, "librarySectionID": int(section["key"]),
              "Metadata": page}
        return web.json_response({"MediaContainer": mc}, headers={"X-Plex-Container-Total-Size": str(len(hits))})

    def _edit(self, section: dict, q) -> web.Response:
        t = q.get("type", "")
        if not t.isdigit() or int(t) not in NUM_TYPE:
            return web.Response(status=400)
        type_ = NUM_TYPE[int(t)]
        keys = q["id"].split(",") if q.get("id") else [k for k, i in self.items.items()
                                                        if self.section_of[k] == section["key"] and i["type"] == type_]
        if any(k not in self.items or self.section_of[k] != section["key"] for k in keys):
            return web.Response(status=404)
        if any(self.items[k]["type"] != type_ for k in keys):
            return web.Response(status=400)
        date = q.get("originallyAvailableAt.value")
        if date and not _DATE_RE.match(date):
            return web.Response(status=400)
        self.edits.append((",".join(keys), dict(q)))
        for k in keys:
            self._apply(self.items[k], q)
            for tag in self.items[k].get("Collection", ()):   # Plex makes a collection from its tag
                self._collection(section, tag["tag"])
        return web.Response(status=200)

    def _collection(self, section: dict, title: str) -> str:
        key = self.collection(title, section["key"])
        if key is None:
            key = self._new(section, "collection", title=title, subtype=section["type"], smart="0",
                            index=int(next(self._keys)))
        members = [i for k, i in self.items.items() if self.section_of[k] == section["key"]
                   and any(t["tag"] == title for t in i.get("Collection", ()))]
        self.items[key]["childCount"] = str(len(members))
        return key

    def collection(self, title: str, section_key: str | None = None) -> str | None:
        """The rating key of a collection of that title (in one section)."""
        return next((k for k, i in self.items.items() if i["type"] == "collection" and i["title"] == title
                     and section_key in (None, self.section_of[k])), None)

    def _apply(self, item: dict, q) -> None:
        new_tags: dict[str, dict[int, str]] = {}
        for name, value in q.items():
            if name.endswith(".value") and name[:-6] in EDITABLE[item["type"]]:
                field = name[:-6]
                if value == "":
                    item.pop(field, None)
                else:
                    item[field] = int(value) if field == "year" and value.isdigit() else value
            elif name.endswith(".locked"):
                self._lock(item, name[:-7], value == "1")
            elif (tm := _TAG_RE.match(name)) and tm.group(1) in TAGS:
                tag, idx, minus = tm.groups()
                if minus:
                    gone = {unquote(v) for v in value.split(",")}
                    item[tag.capitalize()] = [x for x in item.get(tag.capitalize(), []) if x["tag"] not in gone]
                elif idx:
                    new_tags.setdefault(tag, {})[int(idx)] = value
        for tag, values in new_tags.items():   # the list sent replaces the item's list
            item[tag.capitalize()] = [{"tag": values[i]} for i in sorted(values)]

    def _prefs(self, item: dict, method: str, q) -> web.Response:
        if item["type"] != "show":
            return web.Response(status=400)
        if method == "GET":
            setting = {"id": "showOrdering", "label": "Episode ordering", "type": "text", "default": "",
                       "value": item.get("showOrdering", ""), "hidden": False, "advanced": False,
                       "enumValues": "|".join(f"{v}:{v or 'Library default'}" for v in ORDERINGS)}
            return web.json_response({"MediaContainer": {"size": 1, "Setting": [setting]}})
        if method != "PUT":
            return web.Response(status=405)
        value = q.get("showOrdering")
        if value is None or value not in ORDERINGS:
            return web.Response(status=400)
        if value:
            item["showOrdering"] = value
        else:
            item.pop("showOrdering", None)
        return web.Response(status=200)

    async def _photos(self, request: web.Request, key: str, element: str) -> web.Response:
        photos = self.photos[(key, element)]
        plural = "posters" if element == "thumb" else "arts"
        if request.method == "GET":
            listed = [{"key": f"/library/metadata/{key}/file?url={quote(p['ratingKey'], safe='')}",
                       "ratingKey": p["ratingKey"], "thumb": f"/library/metadata/{key}/file?url="
                       f"{quote(p['ratingKey'], safe='')}", "selected": bool(p.get("selected")),
                       "provider": p.get("provider", "")} for p in photos]
            return web.json_response({"MediaContainer": {"size": len(listed), "Metadata": listed}})
        if request.method != "POST":
            return web.Response(status=405)
        url, data = request.query.get("url"), await request.read()
        if url:
            rating_key, data = url, None   # Plex fetches it itself; the emulator has no internet
        elif not data or not is_image(data):
            return web.Response(status=400)
        else:
            rating_key = f"upload://{plural}/{hashlib.sha1(data).hexdigest()}"
        i = next((i for i, p in enumerate(photos) if p["ratingKey"] == rating_key), None)
        if i is None:
            photos.append({"ratingKey": rating_key, "provider": "", "data": data})
            i = len(photos) - 1
        self._show(key, element, i)    # an upload is shown at once (its lock is a separate edit)
        return web.Response(status=200)
