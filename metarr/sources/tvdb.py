"""TheTVDB v4 (the gateway adds the Bearer token from /login). Artwork type ids: 1 banner,
2 poster, 3 background, 22 clearart, 23 clearlogo, 7 season poster; languages are 3-letter."""
from __future__ import annotations

from metarr.service.locales import FROM_TVDB, TVDB_CODES
from metarr.sources.http import Call, Request
from metarr.sources.models import Art, EpisodeInfo, Metadata, Person, SearchHit, year_of

P = "tvdb"
ART_TYPES = {1: "banner", 2: "poster", 3: "fanart", 22: "clearart", 23: "clearlogo", 7: "poster"}
SEASON_TYPES = {7}
LANG3 = FROM_TVDB   # TheTVDB's 3-letter codes -> ISO 639-1


def search(call: Call, title: str) -> list[SearchHit]:
    res = call(Request(P, "/search", (("query", title), ("type", "series")), cache_ttl=86400)) or {}
    return [SearchHit(P, str(r.get("tvdb_id") or r.get("id")), r.get("name") or "", year_of(r.get("year")))
            for r in res.get("data") or []]


def series(call: Call, tvdb_id: int, languages: tuple[str, ...] = ()) -> Metadata:
    """The series' extended record; `languages` (ISO 639-1): its texts in those languages too
    (`texts`), each from the translations endpoint when TheTVDB lists it as translated."""
    d = (call(Request(P, f"/series/{tvdb_id}/extended")) or {}).get("data") or {}
    remote = {r.get("sourceName"): r.get("id") for r in d.get("remoteIds") or []}
    scalars = {"title": d.get("name"), "premiered": d.get("firstAired") or None, "year": year_of(d.get("firstAired")),
               "plot": d.get("overview") or None, "runtime": d.get("averageRuntime"),
               "status": (d.get("status") or {}).get("name"), "tvdb_id": d.get("id"), "imdb_id": remote.get("IMDB"),
               "tmdb_id": int(remote["TheMovieDB.com"]) if str(remote.get("TheMovieDB.com", "")).isdigit() else None}
    numbers = season_numbers(d)
    art = []
    for a in d.get("artworks") or []:
        slot = ART_TYPES.get(a.get("type"))
        if not slot:
            continue
        season = None
        if a.get("type") in SEASON_TYPES:
            season = numbers.get(a.get("seasonId"))
            if season is None:   # a season of another order (dvd, absolute…): not this numbering's
                continue
        lang = LANG3.get(a.get("language") or "", a.get("language"))
        art.append(Art(P, slot, a["image"], a.get("width"), a.get("height"), lang, int(a.get("score") or 0),
                       season=season))
    cast = tuple(Person(c.get("personName") or c.get("name"), c.get("name"), int(c.get("sort") or i),
                        c.get("personImgURL")) for i, c in enumerate(d.get("characters") or []) if c.get("personName"))
    original = LANG3.get(d.get("originalLanguage") or "")
    return Metadata(P, {"tvdb": d.get("id"), "imdb": remote.get("IMDB")}, scalars,
                    {"genres": [g["name"] for g in d.get("genres") or []]}, cast, (), tuple(art),
                    texts=series_texts(call, d, languages), original_language=original)


# ------------------------------------------------------------------ languages

def series_texts(call: Call, d: dict, languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The series' name and overview by language: the record's own (its original language), and
    `/series/{id}/translations/{lang}` for each wanted language TheTVDB says it has."""
    out: dict[str, dict[str, str]] = {}
    original = LANG3.get(d.get("originalLanguage") or "")
    if original:
        out[original] = {"title": (d.get("name") or "").strip(), "plot": (d.get("overview") or "").strip()}
    have = set(d.get("nameTranslations") or ()) | set(d.get("overviewTranslations") or ())
    for lang in dict.fromkeys(x.split("-")[0] for x in languages):
        code = TVDB_CODES.get(lang)
        if not code or lang == original or code not in have:
            continue
        t = (call(Request(P, f"/series/{d.get('id')}/translations/{code}", not_found_ok=True)) or {}).get("data") or {}
        if t:
            out[lang] = {"title": (t.get("name") or "").strip(), "plot": (t.get("overview") or "").strip()}
    return out


def episode_texts(call: Call, tvdb_id: int, language: str, season_type: str = "default"
                  ) -> dict[tuple[int, int], dict[str, str]]:
    """Every episode's name and overview in one language, (season, number) -> {"title", "plot"}
    ("" where it has none), from `/series/{id}/episodes/{season-type}/{lang}` page by page. A
    language TheTVDB does not know answers nothing."""
    code = TVDB_CODES.get(language.split("-")[0])
    out: dict[tuple[int, int], dict[str, str]] = {}
    page = 0
    while code and page < 50:
        res = call(Request(P, f"/series/{tvdb_id}/episodes/{season_type}/{code}", (("page", str(page)),),
                           not_found_ok=True)) or {}
        for e in (res.get("data") or {}).get("episodes") or []:
            out[(int(e.get("seasonNumber") or 0), int(e.get("number") or 0))] = {
                "title": (e.get("name") or "").strip(), "plot": (e.get("overview") or "").strip()}
        if not (res.get("links") or {}).get("next"):
            break
        page += 1
    return out


def season_numbers(series: dict, season_type: str | None = None) -> dict[int, int]:
    """TheTVDB season id -> season number, for the seasons of one order: `season_type` ("official",
    "dvd", "absolute"…), or the series' default order (`defaultSeasonType`, else aired). Season
    artwork names its season by this id only."""
    default = series.get("defaultSeasonType")
    out = {}
    for s in series.get("seasons") or []:
        kind = s.get("type") or {}
        wanted = kind.get("type") == season_type if season_type else (
            kind.get("id") == default if default is not None else kind.get("type") in ("official", "default"))
        if wanted and isinstance(s.get("id"), int) and str(s.get("number", "")).lstrip("-").isdigit():
            out[s["id"]] = int(s["number"])
    return out


def episodes(call: Call, tvdb_id: int, season_type: str = "default") -> list[EpisodeInfo]:
    out, page = [], 0
    while page < 50:
        res = call(Request(P, f"/series/{tvdb_id}/episodes/{season_type}", (("page", str(page)),))) or {}
        for e in ((res.get("data") or {}).get("episodes") or []):
            art = (Art(P, "thumb", e["image"]),) if e.get("image") else ()
            out.append(EpisodeInfo(int(e.get("seasonNumber") or 0), int(e.get("number") or 0),
                                   {"title": e.get("name"), "plot": e.get("overview") or None, "aired": e.get("aired"),
                                    "runtime": e.get("runtime"), "tvdb_id": e.get("id"),
                                    "absolute": e.get("absoluteNumber")}, art))
        if not (res.get("links") or {}).get("next"):
            break
        page += 1
    return out


# ------------------------------------------------------------------ change feed

def updates(call: Call, since: int, kind: str = "series", max_pages: int = 1000) -> tuple[set[int], int]:
    """Series ids updated since an epoch second, from `/updates?type=series|episodes` (an episode's
    record names its series in `seriesId`). Returns (series ids, pages read)."""
    ids: set[int] = set()
    page = 0
    while page < max_pages:
        res = call(Request(P, "/updates", (("since", str(int(since))), ("type", kind), ("page", str(page))),
                           cache_ttl=0)) or {}
        for r in res.get("data") or []:
            sid = r.get("seriesId") if kind == "episodes" else r.get("recordId")
            if str(sid or "").isdigit():
                ids.add(int(sid))
        page += 1
        if not (res.get("links") or {}).get("next"):
            break
    return ids, page
