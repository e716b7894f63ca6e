"""Kodi's movie sets as the real one keeps them (reference players-and-orders §2.1-2.2,
`CVideoDatabase::SetDetailsForMovie`): reading a movie's NFO `<set>` (`<name>`, `<overview>`, or the
old `<set>Name</set>`) adds the set by title (the overview updates its plot); only when the set has
no art yet does it take the movie's `set.*` art, which comes from the movie set information
folder (`videolibrary.moviesetsfolder`: `<folder>/<title made legal>/poster.jpg`…) when one is set.
So the first movie scanned fixes a set's art; `VideoLibrary.SetMovieSetDetails` changes it."""
from __future__ import annotations

import os
import re
from html import unescape
from urllib.parse import quote

SET_ART_TYPES = ("poster", "fanart", "clearlogo", "clearart", "banner", "landscape", "keyart", "discart")
IMAGE_EXTS = (".jpg", ".png", ".jpeg", ".tbn", ".gif", ".webp")


def legal_name(title: str) -> str:
    """CUtil::MakeLegalFileName(title, LEGAL_WIN32_COMPAT)."""
    for ch in '/\\?:*"<>|':
        title = title.replace(ch, "_")
    return title.rstrip(". ")


def read_set(nfo_text: str) -> tuple[str, str | None] | None:
    """(title, overview) of an NFO's <set>, as Kodi's parser takes it."""
    m = re.search(r"<set(?:\s[^>]*)?>(.*?)</set>", nfo_text, re.S)
    if not m:
        return None
    inner = m.group(1)
    if "<" in inner:
        name = re.search(r"<name>(.*?)</name>", inner, re.S)
        if not name or not name.group(1).strip():
            return None
        overview = re.search(r"<overview>(.*?)</overview>", inner, re.S)
        return unescape(name.group(1).strip()), unescape(overview.group(1).strip()) if overview else None
    return (unescape(inner.strip()), None) if inner.strip() else None


class KodiSets:
    """Mixed into the Kodi emulator: `sets` (setid -> title, plot, art) and each movie's set."""

    def _init_sets(self) -> None:
        self.sets: dict[int, dict] = {}
        self.movie_sets: dict[int, int] = {}          # movieid -> setid
        self.moviesets_folder = ""                    # Kodi's setting videolibrary.moviesetsfolder
        self.next_setid = 1

    def set_of(self, title: str) -> dict | None:
        return next((s for s in self.sets.values() if s["title"].lower() == title.lower()), None)

    def set_art(self, title: str) -> dict[str, str]:
        """The image each art type of a set shows (its source, as it was set)."""
        found = self.set_of(title)
        return dict(found["art"]) if found else {}

    def _set_folder_art(self, title: str) -> dict[str, str]:
        if not self.moviesets_folder:
            return {}
        folder = os.path.join(self.moviesets_folder, legal_name(title))
        if not os.path.isdir(folder):
            return {}
        art = {}
        for entry in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(entry)
            if stem in SET_ART_TYPES and ext.lower() in IMAGE_EXTS:
                art.setdefault(stem, os.path.join(folder, entry))
        return art

    def _movie_set_from_nfo(self, movieid: int, nfo_text: str) -> None:
        """SetDetailsForMovie's part for the set: AddSet, then the set's art if it has none."""
        found = read_set(nfo_text)
        if found is None:
            self.movie_sets.pop(movieid, None)
            return
        title, overview = found
        s = self.set_of(title)
        if s is None:
            s = {"setid": self.next_setid, "title": title, "plot": overview or "", "art": {}}
            self.sets[self.next_setid] = s
            self.next_setid += 1
        elif overview:
            s["plot"] = overview
        if not s["art"]:
            s["art"] = self._set_folder_art(title)
            self._cache(s["art"].values())
        self.movie_sets[movieid] = s["setid"]

    def _set_json(self, s: dict, props: set[str]) -> dict:
        out = {"setid": s["setid"], "label": s["title"]}
        if "title" in props:
            out["title"] = s["title"]
        if "plot" in props:
            out["plot"] = s["plot"]
        if "art" in props:
            out["art"] = {t: f"image://{quote(v, safe='')}/" for t, v in s["art"].items()}
        return out

    def _sets_dispatch(self, method: str, p: dict, error) -> tuple[bool, object]:
        """(handled, result) for the set methods and the moviesets folder setting."""
        if method == "VideoLibrary.GetMovieSets":
            props = set(p.get("properties") or ())
            rows = [self._set_json(s, props) for s in sorted(self.sets.values(), key=lambda s: s["title"])
                    if any(v == s["setid"] for v in self.movie_sets.values())]
            return True, {"limits": {"start": 0, "end": len(rows), "total": len(rows)}, "sets": rows}
        if method == "VideoLibrary.GetMovieSetDetails":
            s = self.sets.get(p.get("setid"))
            if s is None:
                raise error(-32602, "Invalid params.")
            return True, {"setdetails": self._set_json(s, set(p.get("properties") or ()))}
        if method == "VideoLibrary.SetMovieSetDetails":
            s = self.sets.get(p.get("setid"))
            if not isinstance(p.get("setid"), int) or s is None:
                raise error(-32602, "Invalid params.")
            for key in ("title", "plot"):
                if isinstance(p.get(key), str):
                    s[key] = p[key]
            for t, v in (p.get("art") or {}).items():
                if v is None:
                    s["art"].pop(t, None)
                else:
                    s["art"][t] = v
            self._cache(v for v in s["art"].values() if not v.startswith(("http://", "https://")))
            return True, "OK"
        if method in ("Settings.SetSettingValue", "Settings.GetSettingValue") and \
                p.get("setting") == "videolibrary.moviesetsfolder":
            if method == "Settings.SetSettingValue":
                self.moviesets_folder = str(p.get("value") or "")
                return True, True
            return True, {"value": self.moviesets_folder}
        return False, None
