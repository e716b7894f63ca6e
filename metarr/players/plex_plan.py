"""Pure decisions of the Plex item sync (reference §7): which Plex item a published item is, what to
edit so it holds what Metarr holds, and what to do about each chosen image. No I/O.

Plex reads no NFO, so its items get Metarr's values over its API, each with Plex's lock (what
python-plexapi sends by default: `{field}.value=…&{field}.locked=1`), so Plex's own agent does not
overwrite them on its next refresh. A field Metarr holds no value for is not sent at all."""
from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from metarr.players.plan import norm

# Plex's search types (PLEXAPI SEARCHTYPES) of the items Metarr edits
TYPE_NUM = {"movie": 1, "show": 2, "season": 3, "episode": 4, "collection": 18}
PLEX_TYPE = {"movie": "movie", "series": "show", "season": "season", "episode": "episode",
             "collection": "collection"}
# Plex's names of the images Metarr sets: poster (`thumb`, listed at /posters) and background (`art`)
ART_LISTS = {"thumb": "posters", "art": "arts"}
MAX_QUERY = 6000    # characters of edits per PUT (they travel in the URL); longer edits are split


@dataclass(frozen=True)
class ArtFile:
    path: str            # the published file, in Metarr's own paths
    sha256: str


@dataclass(frozen=True)
class Want:
    """What Metarr holds for one item, in Plex's field names."""
    entity_type: str                                     # movie | series | season | episode | collection
    entity_id: int
    fields: dict[str, str] = field(default_factory=dict)        # Plex field -> value
    genres: tuple[str, ...] | None = None                # replace Plex's genres (None: Metarr holds none)
    collections: tuple[str, ...] = ()                    # added to the item's collections, others kept
    art: dict[str, ArtFile] = field(default_factory=dict)       # "thumb" | "art" -> the chosen image
    ordering: str | None = None                          # a show's `showOrdering`
    index: int | None = None                             # a season's or an episode's number
    parent_index: int | None = None                      # an episode's season
    seasons: tuple[Want, ...] = ()                       # a show's seasons Metarr holds something for

    @property
    def plex_type(self) -> str:
        return PLEX_TYPE[self.entity_type]


# ------------------------------------------------------------------ finding items by file

def _parents(path: str, levels: int = 3) -> list[str]:
    out, p = [], norm(path)
    for _ in range(levels):
        p = posixpath.dirname(p)
        if not p or p == "/":
            break
        out.append(p)
    return out


@dataclass
class SectionIndex:
    """A section's items by the files of their media parts (python-plexapi #362: Plex has no lookup
    by path); a show by the folders its episodes' files are in."""
    key: str
    by_file: dict[str, list[dict]] = field(default_factory=dict)
    by_folder: dict[str, dict[str, int]] = field(default_factory=dict)   # folder -> {rating key: files below it}

    def add(self, item: dict) -> None:
        owner = str(item.get("grandparentRatingKey") or item.get("ratingKey"))
        for media in item.get("Media") or ():
            for part in media.get("Part") or ():
                f = part.get("file")
                if not f:
                    continue
                self.by_file.setdefault(norm(f), []).append(item)
                for d in _parents(f):
                    keys = self.by_folder.setdefault(d, {})
                    keys[owner] = keys.get(owner, 0) + 1

    def movie(self, file: str | None, folder: str) -> str | None:
        """A movie by its file; a disc structure (no file) by the one movie below its folder."""
        if file:
            items = self.by_file.get(norm(file)) or []
            return str(items[0]["ratingKey"]) if items else None
        return self._owner(folder)

    def show(self, folder: str) -> str | None:
        return self._owner(folder)

    def _owner(self, folder: str) -> str | None:
        """The item with the most files below the folder (Plex may split one show into two)."""
        keys = self.by_folder.get(norm(folder)) or {}
        return max(sorted(keys), key=lambda k: keys[k]) if keys else None

    def episode(self, file: str | None, want: Want | None = None) -> str | None:
        """An episode by its file; of several episodes in one file, the one at Metarr's numbers."""
        items = self.by_file.get(norm(file)) if file else None
        if not items:
            return None
        if want is not None:
            for it in items:
                if it.get("index") == want.index and it.get("parentIndex") == want.parent_index:
                    return str(it["ratingKey"])
        return str(items[0]["ratingKey"])


def find_collection(name: str, listed: Iterable[dict]) -> str | None:
    """A section's collection (`type=18`) of that title: the exact one, else in another case."""
    cols = [c for c in listed if c.get("ratingKey") is not None]
    same = [c for c in cols if c.get("title") == name] or [
        c for c in cols if str(c.get("title") or "").casefold() == name.casefold()]
    return str(same[0]["ratingKey"]) if same else None


# ------------------------------------------------------------------ fields and tags

def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _locked(current: dict) -> set[str]:
    return {str(f.get("name")) for f in current.get("Field") or () if f.get("locked") in (True, 1, "1")}


def _tags(current: dict, tag: str) -> list[str]:
    return [str(t.get("tag")) for t in current.get(tag.capitalize()) or () if t.get("tag")]


def field_edits(want: Want, current: dict, lock_art: Iterable[str] = ()) -> dict[str, str]:
    """The section edit that makes `current` (the item as Plex answers `/library/metadata/{key}`)
    hold Metarr's values, locked; empty when it already does."""
    locked = _locked(current)
    out: dict[str, str] = {}
    for name, value in want.fields.items():
        if _text(current.get(name)) != _text(value):
            out[f"{name}.value"] = value
            out[f"{name}.locked"] = "1"
        elif name not in locked:
            out[f"{name}.locked"] = "1"
    if want.genres is not None:
        have = _tags(current, "genre")
        if set(have) != set(want.genres):
            out.update({f"genre[{i}].tag.tag": g for i, g in enumerate(want.genres)})
            gone = [g for g in have if g not in want.genres]
            if gone:   # the list replaces Plex's (reference §7.3); removing the others says so either way
                out["genre[].tag.tag-"] = ",".join(quote(g, safe="") for g in gone)
            out["genre.locked"] = "1"
        elif "genre" not in locked:
            out["genre.locked"] = "1"
    if want.collections:
        have = _tags(current, "collection")
        missing = [c for c in want.collections if c not in have]
        if missing:   # the item's other collections (a user's own) stay: the list is sent whole
            out.update({f"collection[{i}].tag.tag": c for i, c in enumerate(have + missing)})
            out["collection.locked"] = "1"
        elif "collection" not in locked:
            out["collection.locked"] = "1"
    for name in lock_art:
        if name not in locked:
            out[f"{name}.locked"] = "1"
    return out


def edit_queries(section: str, type_num: int, key: str, edits: dict[str, str]) -> list[str]:
    """`PUT /library/sections/{section}/all?…` paths as python-plexapi builds them (keys sorted,
    values quoted), split so no URL grows past MAX_QUERY characters."""
    base = {"type": str(type_num), "id": key}
    chunks: list[dict[str, str]] = [{}]
    size = 0
    for k in sorted(edits, key=str.lower):
        # a tag list must stay in one request (it replaces the list); its keys sort together
        piece = len(k) + len(quote(edits[k], safe="")) + 2
        same_list = chunks[-1] and k.split("[", 1)[0] == next(reversed(chunks[-1])).split("[", 1)[0]
        if chunks[-1] and size + piece > MAX_QUERY and not same_list:
            chunks.append({})
            size = 0
        chunks[-1][k] = edits[k]
        size += piece
    out = []
    for chunk in chunks:
        if not chunk:
            continue
        args = {**base, **chunk}
        q = "&".join(f"{k}={quote(args[k], safe='')}" for k in sorted(args, key=str.lower))
        out.append(f"/library/sections/{quote(section, safe='')}/all?{q}")
    return out


# ------------------------------------------------------------------ images

def upload_key(element: str, sha1: str) -> str:
    """How Plex names an uploaded image, `upload://posters/<sha1 of the bytes>` (an assumption that
    only saves work: a selected upload of another name is compared by its bytes)."""
    return f"upload://{ART_LISTS[element]}/{sha1}"


def art_action(element: str, sha1: str, photos: list[dict]) -> tuple[str, str | None]:
    """What to do for one chosen image, given Plex's list (`/posters` or `/arts`):
    ("keep", None) ours is shown; ("select", key) ours is listed, another is shown;
    ("compare", None) an upload of another name is shown, maybe ours: compare the bytes;
    ("upload", None) Plex does not have it."""
    ours = upload_key(element, sha1)
    selected = next((p for p in photos if p.get("selected") in (True, 1, "1")), None)
    if selected is not None and selected.get("ratingKey") == ours:
        return "keep", None
    if any(p.get("ratingKey") == ours for p in photos):
        return "select", ours
    if selected is not None and str(selected.get("ratingKey") or "").startswith("upload://"):
        return "compare", None
    return "upload", None


# ------------------------------------------------------------------ a show's episode ordering

# Metarr's `episode_order` (metarr/enrichment/episode_match.py) -> Plex's `showOrdering`
# (reference §5.3: tmdbAiring, aired = TVDB aired, dvd = TVDB DVD, absolute = TVDB absolute)
_ORDERING = {"dvd": "dvd", "absolute": "absolute", "tvdb:official": "aired", "tvdb:dvd": "dvd",
             "tvdb:absolute": "absolute"}


def show_ordering(order: str | None, has_tvdb: bool) -> str | None:
    """Plex's ordering for Metarr's order; None where Plex has no such order (TMDB episode groups,
    TheTVDB's alternate and regional ones): the show's setting is then left alone."""
    if not order:
        return None
    if order == "aired":   # the show's numbering source: TheTVDB's aired order, else TMDB's
        return "aired" if has_tvdb else "tmdbAiring"
    return _ORDERING.get(order)
