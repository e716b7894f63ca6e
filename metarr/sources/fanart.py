"""Fanart.tv v3. Every field is a string (likes "5"); a 404 means "no art", not an error."""
from __future__ import annotations

from metarr.sources.http import Call, Request
from metarr.sources.models import ALL_SEASONS, Art, to_int

P = "fanart"
MOVIE = {"movieposter": "poster", "moviebackground": "fanart", "hdmovielogo": "clearlogo", "movielogo": "clearlogo",
         "hdmovieclearart": "clearart", "movieart": "clearart", "moviedisc": "discart", "moviebanner": "banner",
         "moviethumb": "landscape"}
TV = {"tvposter": "poster", "showbackground": "fanart", "hdtvlogo": "clearlogo", "clearlogo": "clearlogo",
      "hdclearart": "clearart", "clearart": "clearart", "tvbanner": "banner", "tvthumb": "landscape",
      "characterart": "characterart", "seasonposter": "poster", "seasonbanner": "banner", "seasonthumb": "landscape"}
ARTIST = {"artistthumb": "thumb", "artistbackground": "fanart", "hdmusiclogo": "clearlogo", "musiclogo": "clearlogo",
          "musicbanner": "banner"}
ALBUM = {"albumcover": "thumb", "cdart": "discart"}


def _lang(v: str | None) -> str | None:
    return None if v in (None, "", "00") else v


# a textless movie poster (lang "00" or "") is also the keyart, as Kodi's movie scraper takes it (reference §6.4)
KEYART_FROM = {"movieposter"}


def _season(key: str, value) -> int | None:
    """The season a `season*` image is for: a number ("0" = specials), or every season for "all"
    (and for no value, which Kodi also applies to every season). Other kinds are the show's, even
    with a `season` (showbackground carries "all")."""
    if not key.startswith("season"):
        return None
    return int(value) if str(value).isdigit() else ALL_SEASONS


def _items(doc: dict, mapping: dict[str, str]) -> list[Art]:
    out = []
    for key, slot in mapping.items():
        for i in doc.get(key) or []:
            lang = _lang(i.get("lang"))
            for s in (slot, "keyart") if key in KEYART_FROM and lang is None else (slot,):
                out.append(Art(P, s, i["url"], language=lang, likes=to_int(i.get("likes")),
                               season=_season(key, i.get("season"))))
    return out


def movie_art(call: Call, tmdb_or_imdb: str) -> list[Art]:
    doc = call(Request(P, f"/movies/{tmdb_or_imdb}", not_found_ok=True))
    return _items(doc, MOVIE) if doc else []


def collection_art(call: Call, collection_id: int) -> list[Art]:
    """A TMDB collection's art: Fanart.tv keeps movie sets under `/movies/{collection id}` with the
    movie kinds (Kodi's TMDB scraper asks it so for its set art, reference §2.2)."""
    doc = call(Request(P, f"/movies/{int(collection_id)}", not_found_ok=True))
    return _items(doc, MOVIE) if doc else []


def tv_art(call: Call, tvdb_id: int) -> list[Art]:
    doc = call(Request(P, f"/tv/{tvdb_id}", not_found_ok=True))
    return _items(doc, TV) if doc else []


def music_art(call: Call, artist_mbid: str) -> tuple[list[Art], dict[str, list[Art]]]:
    doc = call(Request(P, f"/music/{artist_mbid}", not_found_ok=True))
    if not doc:
        return [], {}
    albums = {rg: _items(a, ALBUM) for rg, a in (doc.get("albums") or {}).items()}
    return _items(doc, ARTIST), albums


def latest(call: Call, kind: str, since: int) -> tuple[set[int], int]:
    """Ids with new images since an epoch second: `/movies/latest` gives TMDB ids, `/tv/latest`
    TheTVDB ids. One page. Returns (ids, pages read)."""
    res = call(Request(P, f"/{kind}/latest", (("date", str(int(since))),), cache_ttl=0)) or []
    key = "tmdb_id" if kind == "movies" else "id"
    return {int(r[key]) for r in res if isinstance(r, dict) and str(r.get(key) or "").isdigit()}, 1
