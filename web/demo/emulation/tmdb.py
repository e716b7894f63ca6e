"""TMDB v3 emulated: search, details, images, find, configuration, and the change feeds."""
from __future__ import annotations

from aiohttp import web

from . import data
from .common import (
    CHANGES,
    DOCUMENTED_LIMITS,
    TMDB_KEY,
    Faults,
    Limiter,
    Stats,
    _epoch_of,
    make_middleware,
    revise,
)
from .tmdb_collections import add_collection_routes
from .tmdb_groups import add_episode_group_routes, group_list, tmdb_episode_id

# ------------------------------------------------------------------ TMDB

def _tmdb_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"status_code": code, "status_message": message, "success": False}, status=status)


def _tmdb_movie_summary(mid: int, language: str | None = None) -> dict:
    m = data.movie(mid)
    texts = _movie_texts(mid, m, language)
    return {"id": mid, "title": texts["title"], "original_title": m["original_title"],
            "release_date": m["release_date"], "overview": texts["overview"], "poster_path": f"/p{mid}.jpg",
            "popularity": m["popularity"],
            "vote_average": m["vote_average"], "vote_count": m["vote_count"], "genre_ids": [27]}


def _posters(kind: str, ident: int) -> list[dict]:
    """The English poster, and a film's others (data.EXTRA_POSTERS), else a small German one."""
    extra = data.EXTRA_POSTERS.get(ident, (("b", "de", 200, 300, 2),)) if kind == "movie" else \
        (("b", "de", 200, 300, 2),)
    return [{"file_path": f"/p{ident}.jpg", "width": 400, "height": 600, "aspect_ratio": 0.667,
             "vote_average": 5.4, "vote_count": 12, "iso_639_1": "en"}] + [
        {"file_path": f"/p{ident}{suffix}.jpg", "width": w, "height": h, "aspect_ratio": 0.667,
         "vote_average": 5.0, "vote_count": votes, "iso_639_1": lang} for suffix, lang, w, h, votes in extra] + [
        # textless (the key art): TMDB tags it null, or "xx"
        {"file_path": f"/p{ident}t.jpg", "width": 400, "height": 600, "aspect_ratio": 0.667,
         "vote_average": 5.1, "vote_count": 4, "iso_639_1": "xx"}]


def _translations(by_tag: dict[str, dict]) -> dict:
    """An appended `translations`: one entry per language-region, its texts in `data`."""
    out = []
    for tag, fields in by_tag.items():
        lang, _, country = tag.partition("-")
        native, english = data.LANGUAGE_NAMES.get(lang, (lang, lang))
        out.append({"iso_3166_1": country, "iso_639_1": lang, "name": native, "english_name": english,
                    "data": fields})
    return {"translations": out}


def _movie_texts(mid: int, m: dict, language: str | None) -> dict:
    """title, overview and tagline as TMDB answers `language=`: the translation's, else the original
    title and empty texts (TMDB has no fallback language)."""
    t = data.translated(data.movie_translations(mid), language)
    if t is None:
        return {"title": m["original_title"], "overview": "", "tagline": ""}
    return {"title": t[0] or m["original_title"], "overview": t[1], "tagline": t[2]}


def _tmdb_images(kind: str, ident: int) -> dict:
    return {"id": ident,
            "posters": _posters(kind, ident),
            "backdrops": [{"file_path": f"/b{ident}.jpg", "width": 960, "height": 540, "aspect_ratio": 1.778,
                           "vote_average": 5.3, "vote_count": 8, "iso_639_1": None},
                          {"file_path": f"/b{ident}x2.jpg", "width": 960, "height": 540, "aspect_ratio": 1.778,
                           "vote_average": 5.2, "vote_count": 6, "iso_639_1": None},
                          {"file_path": f"/b{ident}x3.jpg", "width": 960, "height": 540, "aspect_ratio": 1.778,
                           "vote_average": 5.0, "vote_count": 3, "iso_639_1": None}],
            "logos": [{"file_path": f"/l{ident}.png", "width": 400, "height": 155, "aspect_ratio": 2.58,
                       "vote_average": 5.0, "vote_count": 3, "iso_639_1": "en"}]}


def _season_images(tmdb_id: int, season: int) -> dict:
    """A season's posters: one in English, one textless, one German (seasons have posters only)."""
    return {"id": tmdb_id * 100 + season, "posters": [
        {"file_path": f"/p{tmdb_id}s{season}{suffix}.jpg", "width": 400, "height": 600, "aspect_ratio": 0.667,
         "vote_average": votes / 2, "vote_count": votes, "iso_639_1": lang}
        for suffix, lang, votes in (("", "en", 6), ("x", None, 4), ("de", "de", 3))]}


def image_languages(request) -> set[str] | None:
    """The languages TMDB returns images in: the `language` parameter's (regions ignored) and those of
    `include_image_language` ("null" = no language). Neither given: every image."""
    langs = {x.strip() for x in (request.query.get("include_image_language") or "").split(",") if x.strip()}
    if request.query.get("language"):
        langs.add(request.query["language"].split("-")[0])
    return langs or None


def filter_images(images: dict, langs: set[str] | None) -> dict:
    """An image whose language is not asked for is not returned."""
    if langs is None:
        return images
    return {k: [i for i in v if (i.get("iso_639_1") or "null") in langs] if isinstance(v, list) else v
            for k, v in images.items()}


def tmdb_app(faults: Faults, stats: Stats, rps: int | None = None) -> web.Application:
    """`rps`: refuse more than that many requests in any second instead of TMDB's own ceiling."""
    limiter = Limiter(rps, 1.0) if rps else DOCUMENTED_LIMITS["tmdb"]()

    @web.middleware
    async def auth(request, handler):
        key = request.query.get("api_key")
        bearer = request.headers.get("Authorization", "")
        if key != TMDB_KEY and bearer != f"Bearer {TMDB_KEY}":
            return _tmdb_error(401, 7, "Invalid API key: You must be granted a valid key.")
        return await handler(request)

    app = web.Application(middlewares=[make_middleware("tmdb", limiter, faults, stats,
                                                       over_body={"status_code": 25, "success": False,
                                                                  "status_message": "Your request count is over the allowed limit."}),
                                       auth])
    r = app.router

    async def configuration(request):
        return web.json_response({"images": {"secure_base_url": "https://image.tmdb.org/t/p/",
                                             "poster_sizes": ["w500", "original"]}})

    async def search_movie(request):
        q = request.query.get("query", "").lower()
        year = request.query.get("year")
        # TMDB finds a film by its title in any language it has, and by its original title
        hits = [mid for mid, m in data.MOVIES.items() if q and any(q in t.lower() for t in data.searchable_titles(mid))
                and (not year or m["release_date"].startswith(year))]
        num = q.removeprefix("synthetic movie ").strip()
        if q.startswith("synthetic movie ") and num.isdigit() and int(num) < data.SYNTHETIC_COUNT:
            syn = data.SYNTHETIC_BASE + int(num)
            if not year or data.movie(syn)["release_date"].startswith(year):
                hits.append(syn)
        language = request.query.get("language")
        return web.json_response({"page": 1, "results": [_tmdb_movie_summary(i, language) for i in hits],
                                  "total_pages": 1, "total_results": len(hits)})

    async def search_tv(request):
        q = request.query.get("query", "").lower()
        hits = [s for s in data.SHOWS.values() if q and q in s["name"].lower()]
        return web.json_response({"page": 1, "results": [{"id": s["tmdb_id"], "name": s["name"],
                                                          "first_air_date": s["first_aired"], "popularity": 5.0, "poster_path": f"/tv{s['tmdb_id']}.jpg",
                                                          "overview": s["overview"]} for s in hits],
                                  "total_pages": 1, "total_results": len(hits)})

    async def find(request):
        ext = request.match_info["ext"]
        src = request.query.get("external_source")
        hit, _ = data.movie_by_imdb(ext) if src == "imdb_id" else (None, None)
        movies = [_tmdb_movie_summary(hit)] if hit is not None else []
        tv = [{"id": s["tmdb_id"], "name": s["name"], "first_air_date": s["first_aired"]} for tvdb, s in data.SHOWS.items()
              if (src == "imdb_id" and s["imdb_id"] == ext) or (src == "tvdb_id" and str(tvdb) == ext)]
        return web.json_response({"movie_results": movies, "person_results": [], "tv_results": tv,
                                  "tv_episode_results": [], "tv_season_results": []})

    async def movie(request):
        try:
            mid = int(request.match_info["id"])
        except ValueError:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        m = data.movie(mid)
        if m is None:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        out = {"id": mid, "imdb_id": m["imdb_id"], "original_title": m["original_title"],
               "original_language": data.ORIGINAL_LANGUAGE.get(mid, "en"),
               **_movie_texts(mid, m, request.query.get("language")),
               "release_date": m["release_date"], "runtime": m["runtime"], "status": "Released",
               "vote_average": m["vote_average"], "vote_count": m["vote_count"], "popularity": m["popularity"],
               "genres": [{"id": i, "name": g} for i, g in enumerate(m["genres"])],
               "production_companies": [{"id": 1, "name": c, "logo_path": None, "origin_country": "US"}
                                        for c in m["companies"]],
               "production_countries": [{"iso_3166_1": c, "name": n} for c, n in m["countries"]],
               "belongs_to_collection": ({"id": m["collection"][0], "name": m["collection"][1], "poster_path": None,
                                          "backdrop_path": None} if m["collection"] else None)}
        append = set((request.query.get("append_to_response") or "").split(","))
        if "credits" in append:
            out["credits"] = {"cast": [{"id": 100 + i, "name": n, "character": c, "order": i,
                                        "profile_path": f"/a{mid}_{i}.jpg"} for i, (n, c) in enumerate(m["cast"])],
                              "crew": [{"id": 200 + i, "name": n, "job": "Director", "department": "Directing"}
                                       for i, n in enumerate(m["directors"])]
                              + [{"id": 300 + i, "name": n, "job": "Screenplay", "department": "Writing"}
                                 for i, n in enumerate(m["writers"])]}
        if "external_ids" in append:
            out["external_ids"] = {"imdb_id": m["imdb_id"]}
        if "release_dates" in append:
            out["release_dates"] = {"results": [{"iso_3166_1": country, "release_dates": [
                {"certification": cert, "type": kind, "release_date": m["release_date"] + "T00:00:00.000Z",
                 "iso_639_1": "", "note": "", "descriptors": []} for kind, cert in dates]}
                for country, dates in data.release_certifications(mid).items()]}
        if "translations" in append:
            out["translations"] = _translations({
                tag: {"title": t, "overview": o, "tagline": g, "homepage": "", "runtime": 0}
                for tag, (t, o, g) in data.movie_translations(mid).items()})
        if "keywords" in append:
            out["keywords"] = {"keywords": [{"id": i, "name": k} for i, k in enumerate(m["keywords"])]}
        if "videos" in append:
            out["videos"] = {"results": ([{"key": m["trailer"], "site": "YouTube", "type": "Trailer", "name": "Trailer",
                                           "official": True, "iso_639_1": "en"}] if m["trailer"] else [])}
        if "images" in append:
            out["images"] = filter_images(_tmdb_images("movie", mid), image_languages(request))
        return web.json_response(revise(request, "movie", mid, out))

    async def collection(request):
        cid = int(request.match_info["id"])
        for mid, m in data.MOVIES.items():
            if m["collection"] and m["collection"][0] == cid:
                by_tag = {"en-US": (m["collection"][1], m["collection"][2]), **data.COLLECTION_TRANSLATIONS.get(cid, {})}
                t = data.translated(by_tag, request.query.get("language")) or (m["collection"][1], "")
                out = {"id": cid, "name": t[0], "overview": t[1], "parts": [_tmdb_movie_summary(mid)]}
                if "translations" in (request.query.get("append_to_response") or "").split(","):
                    out["translations"] = _translations({tag: {"title": n, "overview": o, "homepage": ""}
                                                         for tag, (n, o) in by_tag.items()})
                return web.json_response(out)
        return _tmdb_error(404, 34, "The resource you requested could not be found.")

    def _show_by_tmdb(tid: int):
        return next(((tvdb, s) for tvdb, s in data.SHOWS.items() if s["tmdb_id"] == tid), (None, None))

    async def tv(request):
        tvdb, s = _show_by_tmdb(int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1)
        if s is None:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        seasons = sorted({k[0] for k in s["episodes"]})
        language = request.query.get("language")
        by_tag = {"en-US": (s["name"], s["overview"]), **data.SHOW_TRANSLATIONS.get(s["tmdb_id"], {})}
        name, overview = data.translated(by_tag, language) or (s["name"], "")
        word = data.SEASON_WORD.get((language or "en").split("-")[0], "Season")
        out = {"id": s["tmdb_id"], "name": name or s["name"], "original_name": s["name"], "overview": overview,
               "original_language": "en", "origin_country": ["US"],
               "first_air_date": s["first_aired"], "status": s["status"], "episode_run_time": [s["runtime"]],
               "genres": [{"id": i, "name": g} for i, g in enumerate(s["genres"])], "vote_average": 7.0,
               "vote_count": 40, "networks": [{"id": 1, "name": s["network"]}],
               "seasons": [{"season_number": n, "name": "Specials" if n == 0 else f"{word} {n}",
                            "poster_path": f"/p{s['tmdb_id']}s{n}.jpg",
                            "episode_count": sum(1 for k in s["episodes"] if k[0] == n)} for n in seasons],
               "credits": {"cast": [{"name": n, "character": c, "order": i, "profile_path": None}
                                    for i, (n, c) in enumerate(s["cast"])]},
               "external_ids": {"imdb_id": s["imdb_id"], "tvdb_id": tvdb},
               "content_ratings": {"results": [{"iso_3166_1": c, "rating": r, "descriptors": []} for c, r in
                                               data.SHOW_RATINGS.get(s["tmdb_id"], {"US": "TV-PG"}).items()]}}
        if "translations" in set((request.query.get("append_to_response") or "").split(",")):
            out["translations"] = _translations({tag: {"name": n, "overview": o, "tagline": "", "homepage": ""}
                                                 for tag, (n, o) in by_tag.items()})
        if "images" in set((request.query.get("append_to_response") or "").split(",")):
            out["images"] = filter_images(_tmdb_images("tv", s["tmdb_id"]), image_languages(request))
        if "episode_groups" in set((request.query.get("append_to_response") or "").split(",")):
            out["episode_groups"] = {"results": group_list(s)["results"]}
        return web.json_response(revise(request, "tv", s["tmdb_id"], out))

    def _season(request):
        """(show, season number) of /tv/{id}/season/{n}…, or (None, n) when TMDB has no such season."""
        ident, n = request.match_info["id"], request.match_info["season"]
        _, s = _show_by_tmdb(int(ident) if ident.isdigit() else -1)
        n = int(n) if n.isdigit() else -1
        return (s, n) if s is not None and any(k[0] == n for k in s["episodes"]) else (None, n)

    async def tv_season(request):
        s, n = _season(request)
        if s is None:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        language = request.query.get("language")
        tvdb = next(k for k, v in data.SHOWS.items() if v is s)
        eps = [{"episode_number": e, "season_number": n, "air_date": a, "id": tmdb_episode_id((n, e)),
                **dict(zip(("name", "overview"), data.episode_text(tvdb, s, n, e, language), strict=True)),
                "vote_average": 7.0, "vote_count": 3, "still_path": f"/s{n}_{e}.jpg"}
               for (sn, e), (_t, a) in sorted(s["episodes"].items()) if sn == n]
        word = data.SEASON_WORD.get((language or "en").split("-")[0], "Season")
        out = {"id": s["tmdb_id"] * 100 + n, "season_number": n, "name": "Specials" if n == 0 else f"{word} {n}",
               "overview": "",
               "episodes": eps, "poster_path": f"/p{s['tmdb_id']}s{n}.jpg"}
        if "images" in set((request.query.get("append_to_response") or "").split(",")):
            out["images"] = filter_images(_season_images(s["tmdb_id"], n), image_languages(request))
        return web.json_response(out)

    async def tv_season_images(request):
        s, n = _season(request)
        if s is None:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        return web.json_response(filter_images(_season_images(s["tmdb_id"], n), image_languages(request)))

    add_tmdb_change_routes(app)
    add_collection_routes(app, _tmdb_error, filter_images, image_languages)
    add_episode_group_routes(app, _tmdb_error)
    r.add_get("/configuration", configuration)
    r.add_get("/search/movie", search_movie)
    r.add_get("/search/tv", search_tv)
    r.add_get("/find/{ext}", find)
    r.add_get("/movie/{id}", movie)
    r.add_get("/collection/{id}", collection)
    r.add_get("/tv/{id}", tv)
    r.add_get("/tv/{id}/season/{season}", tv_season)
    r.add_get("/tv/{id}/season/{season}/images", tv_season_images)
    return app


def add_tmdb_change_routes(app: web.Application) -> None:
    """`/movie/changes`, `/tv/changes`: start_date/end_date (at most 14 days), 100 ids a page."""
    def handler(kind):
        async def changes(request):
            try:
                start = _epoch_of(request.query.get("start_date") or "", False)
                end = _epoch_of(request.query.get("end_date") or "", True)
                page = int(request.query.get("page") or 1)
            except ValueError:
                return _tmdb_error(422, 5, "Invalid parameters: Your request parameters are incorrect.")
            if end - start > 14 * 86400 or end < start:
                return _tmdb_error(422, 5, "Invalid date range: Should be a range no longer than 14 days.")
            feed = request.app[CHANGES]
            ids = feed.between(kind, start, end)
            pages = max(1, -(-len(ids) // feed.page_size))
            chunk = ids[(page - 1) * feed.page_size: page * feed.page_size]
            return web.json_response({"results": [{"id": i, "adult": False} for i in chunk], "page": page,
                                      "total_pages": pages, "total_results": len(ids)})
        return changes
    app.router.add_get("/movie/changes", handler("movie"))
    app.router.add_get("/tv/changes", handler("tv"))
