"""Fanart.tv v3 emulated: movies, tv, music, and /latest."""
from __future__ import annotations

import time

from aiohttp import web

from . import data
from .common import ART_HOST, CHANGES, DOCUMENTED_LIMITS, FANART_KEY, Faults, Stats, make_middleware
from .tmdb_collections import collection_ids

# ------------------------------------------------------------------ Fanart.tv

def fanart_app(faults: Faults, stats: Stats) -> web.Application:
    limiter = DOCUMENTED_LIMITS["fanart"]()
    app = web.Application(middlewares=[make_middleware("fanart", limiter, faults, stats)])

    def item(request, iid, name, lang="en", likes="3", **extra):
        return {"id": str(iid), "url": f"{request.app[ART_HOST]}/art/{name}", "lang": lang, "likes": likes, **extra}

    def check(request):
        return request.query.get("api_key") == FANART_KEY or request.headers.get("api-key") == FANART_KEY

    async def movies(request):
        if not check(request):
            return web.json_response({"status": "error", "error message": "Not authorized"}, status=401)
        ident = request.match_info["id"]
        if ident.isdigit() and int(ident) in collection_ids() and data.movie(int(ident)) is None:
            # a movie set, by its TMDB collection id (as Kodi's TMDB scraper asks for set art)
            cid = int(ident)
            name = next(m["collection"][1] for m in data.MOVIES.values() if m["collection"] and m["collection"][0] == cid)
            return web.json_response({
                "name": name, "tmdb_id": str(cid), "imdb_id": "",
                "movieposter": [item(request, 61, f"pc{cid}f.jpg", likes="6"),
                                item(request, 62, f"pc{cid}k.jpg", lang="00", likes="1")],
                "moviebackground": [item(request, 63, f"bc{cid}f.jpg", lang="00", likes="3")],
                "hdmovielogo": [item(request, 64, f"lc{cid}f.png", likes="4")],
                "hdmovieclearart": [item(request, 65, f"xc{cid}ca.png", likes="2")]})
        mid, m = data.movie_by_imdb(ident) if ident.startswith("tt") else \
            ((int(ident), data.movie(int(ident))) if ident.isdigit() else (None, None))
        if m is None:
            return web.json_response({"status": "error", "error message": "Not found"}, status=404)
        return web.json_response({
            "name": m["title"], "tmdb_id": str(mid), "imdb_id": m["imdb_id"],
            # the same poster bytes TMDB serves for this movie (dedup across providers)
            "movieposter": [item(request, 11, f"p{mid}.jpg", likes="7"),
                            item(request, 18, f"p{mid}k.jpg", lang="00", likes="2")],   # textless: keyart
            "moviebackground": [item(request, 12, f"b{mid}f.jpg", lang="00", likes="4")],
            "hdmovielogo": [item(request, 13, f"l{mid}f.png", likes="5")],
            "hdmovieclearart": [item(request, 14, f"x{mid}ca.png", likes="2")],
            "moviedisc": [item(request, 15, f"x{mid}d.png", likes="1", disc="1", disc_type="bluray")],
            "moviebanner": [item(request, 16, f"x{mid}bn.jpg", likes="1")],
            "moviethumb": [item(request, 17, f"b{mid}t.jpg", likes="2")]})

    async def tv(request):
        if not check(request):
            return web.json_response({"status": "error", "error message": "Not authorized"}, status=401)
        sid = int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1
        if sid not in data.SHOWS:
            return web.json_response({"status": "error", "error message": "Not found"}, status=404)
        # `season` as the service sends it: a number, "0" for specials, "all" for every season (also
        # on backgrounds); textless images have lang "00"
        seasons = data.season_art(data.SHOWS[sid], "fanart")
        return web.json_response({"name": data.SHOWS[sid]["name"], "thetvdb_id": str(sid),
                                  "hdtvlogo": [item(request, 21, f"l{sid}t.png")],
                                  "hdclearart": [item(request, 22, f"x{sid}ca.png")],
                                  "tvthumb": [item(request, 23, f"b{sid}tt.jpg")],
                                  "characterart": [item(request, 24, f"x{sid}ch.png")],
                                  "showbackground": [item(request, 26, f"b{sid}sb.jpg", lang="00", season="all")],
                                  "seasonposter": [item(request, 40 + i, f"p{sid}s{v}f.jpg", season=v,
                                                        lang="00" if v == "all" else "en")
                                                   for i, v in enumerate(seasons)]})

    async def music(request):
        if not check(request):
            return web.json_response({"status": "error", "error message": "Not authorized"}, status=401)
        a = data.ARTISTS.get(request.match_info["id"])
        if a is None:
            return web.json_response({"status": "error", "error message": "Not found"}, status=404)
        return web.json_response({"name": a["name"], "mbid_id": request.match_info["id"],
                                  "artistthumb": [item(request, 31, "x31.jpg")],
                                  "artistbackground": [item(request, 32, "b32.jpg")],
                                  "hdmusiclogo": [item(request, 33, "l33.png")],
                                  "albums": {rg: {"albumcover": [item(request, 34, f"x{rg[:4]}.jpg")],
                                                  "cdart": [item(request, 35, f"x{rg[:4]}cd.png", disc="1")]}
                                             for rg in a["release_groups"]}})

    add_fanart_latest_routes(app, check)
    app.router.add_get("/movies/{id}", movies)
    app.router.add_get("/tv/{id}", tv)
    app.router.add_get("/music/{id}", music)
    return app


def add_fanart_latest_routes(app: web.Application, check) -> None:
    """`/movies/latest?date=<epoch>` (TMDB ids) and `/tv/latest` (TheTVDB ids) with new images.
    Registered before `/movies/{id}` so "latest" is not taken for an id."""
    def handler(kind):
        async def latest(request):
            if not check(request):
                return web.json_response({"status": "error", "error message": "Not authorized"}, status=401)
            try:
                since = int(request.query.get("date") or 0)
            except ValueError:
                since = 0
            feed = request.app[CHANGES]
            ids = feed.between("movie" if kind == "movies" else "tvdb", since, time.time() + 86400)
            key = "tmdb_id" if kind == "movies" else "id"
            return web.json_response([{key: str(i), "name": f"item {i}", "new_images": "1", "total_images": "5"}
                                      for i in ids])
        return latest
    app.router.add_get("/movies/latest", handler("movies"))
    app.router.add_get("/tv/latest", handler("tv"))
