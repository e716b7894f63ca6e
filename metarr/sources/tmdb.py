"""TMDB v3: search, find by external id, details with append_to_response, images with
include_image_language=<lang>,xx,null (xx and null: textless), TV seasons."""
from __future__ import annotations

from metarr.sources.http import Call, Request
from metarr.sources.models import Art, EpisodeInfo, Metadata, Person, Rating, SearchHit, year_of

P = "tmdb"


def _lang(language: str) -> str:
    return language if "-" in language else {"en": "en-US"}.get(language, language)


def _poster(image_base: str | None, path: str | None) -> str | None:
    return f"{image_base.rstrip('/')}/w342{path}" if image_base and path else None


def search_movie(call: Call, title: str, year: int | None = None, language: str = "en",
                 image_base: str | None = None) -> list[SearchHit]:
    params = [("query", title), ("include_adult", "false"), ("page", "1"), ("language", _lang(language))]
    if year:
        params.append(("year", str(year)))
    res = call(Request(P, "/search/movie", tuple(params), cache_ttl=86400)) or {}
    return [SearchHit(P, str(r["id"]), r.get("title") or "", year_of(r.get("release_date")),
                      float(r.get("popularity") or 0), r.get("original_title"), r.get("overview") or None,
                      _poster(image_base, r.get("poster_path"))) for r in res.get("results", [])]


def search_tv(call: Call, title: str, language: str = "en", image_base: str | None = None) -> list[SearchHit]:
    res = call(Request(P, "/search/tv", (("query", title), ("language", _lang(language))), cache_ttl=86400)) or {}
    return [SearchHit(P, str(r["id"]), r.get("name") or "", year_of(r.get("first_air_date")),
                      float(r.get("popularity") or 0), r.get("original_name"), r.get("overview") or None,
                      _poster(image_base, r.get("poster_path"))) for r in res.get("results", [])]


def find(call: Call, external_id: str, source: str) -> dict:
    return call(Request(P, f"/find/{external_id}", (("external_source", source),))) or {}


TEXTLESS = (None, "", "xx")   # TMDB's "no language": null, or the code xx (reference §3.2)


def _art(images: dict, image_base: str, season: int | None = None) -> list[Art]:
    """Posters, backdrops, logos; a show's or movie's textless poster is also offered as its keyart
    (as Kodi's scraper takes posters with iso_639_1 null or xx)."""
    out = []
    for key, slot in (("posters", "poster"), ("backdrops", "fanart"), ("logos", "clearlogo")):
        for i in images.get(key, []) or []:
            lang = i.get("iso_639_1")
            keyart = slot == "poster" and lang in TEXTLESS and season is None
            for s in (slot, "keyart") if keyart else (slot,):
                out.append(Art(P, s, f"{image_base}/original{i['file_path']}", i.get("width"), i.get("height"),
                               None if lang in TEXTLESS else lang, int(i.get("vote_count") or 0),
                               i.get("vote_average"), season=season))
    return out


# ------------------------------------------------------------------ languages and certifications

def image_languages(language: str, image_langs: tuple[str, ...] = ()) -> str:
    """`include_image_language`: the languages asked for (no regions: images have none), then
    the images without text (`xx`, TMDB's "no language", and `null`)."""
    langs = [x.split("-")[0] for x in (image_langs or (language,))]
    return ",".join([*dict.fromkeys(langs), "xx", "null"])


def translations(doc: dict, fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """An appended `translations` as {tag: {our field: value}}: tag `de-DE` (language-region),
    "" where TMDB has no text. `fields`: TMDB's data key -> our field."""
    out: dict[str, dict[str, str]] = {}
    for t in (doc.get("translations") or {}).get("translations") or []:
        if not t.get("iso_639_1"):
            continue
        tag = f"{t['iso_639_1']}-{t['iso_3166_1']}" if t.get("iso_3166_1") else t["iso_639_1"]
        data = t.get("data") or {}
        out[tag] = {ours: (data.get(theirs) or "").strip() for theirs, ours in fields.items()}
    return out


def with_original_title(texts: dict[str, dict[str, str]], original_language: str | None,
                        original_title: str | None) -> dict[str, dict[str, str]]:
    """The original title is the title in the original language (TMDB often leaves that
    translation's title empty)."""
    if not (original_language and original_title):
        return texts
    tags = [t for t in texts if t.split("-")[0] == original_language] or [original_language]
    for tag in tags:
        entry = texts.setdefault(tag, {})
        if not entry.get("title"):
            entry["title"] = original_title
    return texts


# release types in the order a certification is taken from: theatrical, limited, digital,
# physical, TV, premiere (a premiere's rating is often provisional or missing)
RELEASE_TYPES = (3, 2, 4, 5, 6, 1)


def release_certifications(doc: dict) -> dict[str, str]:
    """Country -> its certification from `release_dates`: the first non-empty one by release type."""
    out = {}
    for rel in (doc.get("release_dates") or {}).get("results") or []:
        dates = [d for d in rel.get("release_dates") or [] if (d.get("certification") or "").strip()]
        dates.sort(key=lambda d: RELEASE_TYPES.index(d.get("type")) if d.get("type") in RELEASE_TYPES else 99)
        if rel.get("iso_3166_1") and dates:
            out[rel["iso_3166_1"]] = dates[0]["certification"].strip()
    return out


def content_ratings(doc: dict) -> dict[str, str]:
    """Country -> its TV rating from `content_ratings`."""
    return {r["iso_3166_1"]: r["rating"].strip() for r in (doc.get("content_ratings") or {}).get("results") or []
            if r.get("iso_3166_1") and (r.get("rating") or "").strip()}


MOVIE_TEXTS = {"title": "title", "overview": "plot", "tagline": "tagline"}
TV_TEXTS = {"name": "title", "overview": "plot", "tagline": "tagline"}


def movie(call: Call, tmdb_id: int, image_base: str, language: str = "en",
          image_langs: tuple[str, ...] = ()) -> Metadata:
    """Details, credits, images (in `image_langs`, default the language, and textless), release
    dates and every translation in one request."""
    m = call(Request(P, f"/movie/{tmdb_id}", (
        ("language", _lang(language)),
        ("append_to_response", "credits,images,videos,external_ids,release_dates,keywords,translations"),
        ("include_image_language", image_languages(language, image_langs))))) or {}
    crew = (m.get("credits") or {}).get("crew", [])
    trailer = next((v for v in (m.get("videos") or {}).get("results", [])
                    if v.get("site") == "YouTube" and v.get("type") == "Trailer"), None)
    coll = m.get("belongs_to_collection") or {}
    scalars = {"title": m.get("title"), "original_title": m.get("original_title"), "year": year_of(m.get("release_date")),
               "premiered": m.get("release_date") or None, "plot": m.get("overview") or None,
               "tagline": m.get("tagline") or None, "runtime": m.get("runtime") or None,
               "set_name": coll.get("name"), "tmdb_id": m.get("id"),
               "imdb_id": m.get("imdb_id") or (m.get("external_ids") or {}).get("imdb_id"),
               # Kodi plays trailers through its YouTube plugin
               "trailer": f"plugin://plugin.video.youtube/play/?video_id={trailer['key']}" if trailer else None}
    lists = {"genres": [g["name"] for g in m.get("genres", [])],
             "studios": [c["name"] for c in m.get("production_companies", [])],
             "countries": [c["name"] for c in m.get("production_countries", [])],
             "tags": [k["name"] for k in (m.get("keywords") or {}).get("keywords", [])],
             "directors": [c["name"] for c in crew if c.get("job") == "Director"],
             "writers": [c["name"] for c in crew if c.get("job") in ("Screenplay", "Writer", "Story")]}
    cast = tuple(Person(c["name"], c.get("character"), int(c.get("order", i)),
                        f"{image_base}/w185{c['profile_path']}" if c.get("profile_path") else None)
                 for i, c in enumerate((m.get("credits") or {}).get("cast", [])[:30]))
    ratings = (Rating("themoviedb", float(m["vote_average"]), int(m.get("vote_count") or 0), 10.0, True),) \
        if m.get("vote_average") else ()
    texts = with_original_title(translations(m, MOVIE_TEXTS), m.get("original_language"), m.get("original_title"))
    return Metadata(P, {"tmdb": m.get("id"), "imdb": scalars["imdb_id"], "collection": coll.get("id")}, scalars, lists,
                    cast, ratings, tuple(_art(m.get("images") or {}, image_base)), texts=texts,
                    original_language=m.get("original_language"), certifications=release_certifications(m))


def collection_texts(call: Call, collection_id: int, language: str = "en") -> dict[str, dict[str, str]]:
    """A collection's overview in every language TMDB has it in, and in the language asked for."""
    c = call(Request(P, f"/collection/{collection_id}", (("language", _lang(language)),
                                                         ("append_to_response", "translations")),
                     not_found_ok=True)) or {}
    texts = translations(c, {"overview": "set_overview"})
    texts.setdefault(_lang(language), {"set_overview": (c.get("overview") or "").strip()})
    return texts


def tv(call: Call, tmdb_id: int, image_base: str, language: str = "en", image_langs: tuple[str, ...] = ()) -> Metadata:
    s = call(Request(P, f"/tv/{tmdb_id}", (
        ("language", _lang(language)),
        ("append_to_response", "credits,images,external_ids,content_ratings,translations"),
        ("include_image_language", image_languages(language, image_langs))))) or {}
    ext = s.get("external_ids") or {}
    scalars = {"title": s.get("name"), "original_title": s.get("original_name"), "year": year_of(s.get("first_air_date")),
               "premiered": s.get("first_air_date") or None, "plot": s.get("overview") or None, "status": s.get("status"),
               "runtime": (s.get("episode_run_time") or [None])[0], "tmdb_id": s.get("id"),
               "imdb_id": ext.get("imdb_id"), "tvdb_id": ext.get("tvdb_id")}
    lists = {"genres": [g["name"] for g in s.get("genres", [])], "studios": [n["name"] for n in s.get("networks", [])]}
    cast = tuple(Person(c["name"], c.get("character"), int(c.get("order", i)),
                        f"{image_base}/w185{c['profile_path']}" if c.get("profile_path") else None)
                 for i, c in enumerate((s.get("credits") or {}).get("cast", [])[:30]))
    ratings = (Rating("themoviedb", float(s["vote_average"]), int(s.get("vote_count") or 0), 10.0, True),) \
        if s.get("vote_average") else ()
    seasons = {x["season_number"]: x.get("name") for x in s.get("seasons", [])}
    texts = with_original_title(translations(s, TV_TEXTS), s.get("original_language"), s.get("original_name"))
    return Metadata(P, {"tmdb": s.get("id"), "imdb": ext.get("imdb_id"), "tvdb": ext.get("tvdb_id")}, scalars, lists,
                    cast, ratings, tuple(_art(s.get("images") or {}, image_base)), seasons=seasons, texts=texts,
                    original_language=s.get("original_language"), certifications=content_ratings(s))


def tv_season(call: Call, tmdb_id: int, season: int, image_base: str, language: str = "en",
              image_langs: tuple[str, ...] = ()) -> Metadata:
    """One season in one request: its episodes (`episodes`) and its posters (`art`, on this season;
    the season's images endpoint appended, filtered by language as the show's are)."""
    res = call(Request(P, f"/tv/{tmdb_id}/season/{season}", (
        ("language", _lang(language)), ("append_to_response", "images"),
        ("include_image_language", image_languages(language, image_langs))), not_found_ok=True)) or {}
    out = []
    for e in res.get("episodes", []):
        art = (Art(P, "thumb", f"{image_base}/original{e['still_path']}"),) if e.get("still_path") else ()
        out.append(EpisodeInfo(season, int(e["episode_number"]),
                               {"title": e.get("name"), "plot": e.get("overview") or None, "aired": e.get("air_date"),
                                "tmdb_id": e.get("id")}, art, texts=_texts_of(e, _lang(language))))
    return Metadata(P, {"tmdb": res.get("id")}, {"title": res.get("name")},
                    art=tuple(_art(res.get("images") or {}, image_base, season=season)), episodes=tuple(out),
                    texts=_texts_of(res, _lang(language)))


def _texts_of(record: dict, tag: str) -> dict[str, dict[str, str]]:
    """A season's or an episode's own texts as the language asked for (TMDB fills in placeholders,
    "Episode 3"/"Folge 3", and "" where it has none)."""
    return {tag: {"title": (record.get("name") or "").strip(), "plot": (record.get("overview") or "").strip()}}


def season_texts(call: Call, tmdb_id: int, season: int, language: str) -> Metadata:
    """A season's and its episodes' texts in one more language (TMDB translates episodes only one
    language a request): `texts` and each episode's `texts`, nothing else."""
    res = call(Request(P, f"/tv/{tmdb_id}/season/{season}", (("language", _lang(language)),),
                       not_found_ok=True)) or {}
    tag = _lang(language)
    return Metadata(P, texts=_texts_of(res, tag) if res else {}, episodes=tuple(
        EpisodeInfo(season, int(e["episode_number"]), texts=_texts_of(e, tag)) for e in res.get("episodes") or []))


# ------------------------------------------------------------------ change feed

FEED_DAYS = 14   # TMDB answers at most 14 days per call


def changes(call: Call, kind: str, start_date: str, end_date: str, max_pages: int = 1000) -> tuple[set[int], int]:
    """Ids of `kind` ("movie" or "tv") changed between two dates (YYYY-MM-DD, at most 14 days
    apart), every page read. Never cached: the feed is what is new. Returns (ids, pages read)."""
    ids: set[int] = set()
    page, pages = 1, 1
    while page <= pages and page <= max_pages:
        res = call(Request(P, f"/{kind}/changes", (("start_date", start_date), ("end_date", end_date),
                                                  ("page", str(page))), cache_ttl=0)) or {}
        ids.update(int(r["id"]) for r in res.get("results") or [] if str(r.get("id", "")).isdigit())
        pages = int(res.get("total_pages") or 1)
        page += 1
    return ids, page - 1
