"""TheTVDB v4 emulated: login, search, series, episodes, artwork, and /updates."""
from __future__ import annotations

import hashlib
import random
import time

from aiohttp import web

from . import data
from .common import ART_HOST, CHANGES, DOCUMENTED_LIMITS, TVDB_KEY, Faults, Stats, make_middleware, revise

# ------------------------------------------------------------------ TVDB

def tvdb_app(faults: Faults, stats: Stats) -> web.Application:
    limiter = DOCUMENTED_LIMITS["tvdb"]()
    tokens: set[str] = set()
    app = web.Application(middlewares=[make_middleware("tvdb", limiter, faults, stats,
                                                       over_body={"status": "failure", "message": "rate limited"})])

    def fail(status, message):
        return web.json_response({"status": "failure", "message": message, "data": None}, status=status)

    def authed(request) -> bool:
        h = request.headers.get("Authorization", "")
        return h.startswith("Bearer ") and h[7:] in tokens

    async def login(request):
        try:
            body = await request.json()
        except ValueError:
            return fail(400, "InvalidJSON")
        if body.get("apikey") != TVDB_KEY:
            return fail(401, "Unauthorized")
        token = hashlib.sha256(f"{time.time()}{random.random()}".encode()).hexdigest()
        tokens.add(token)
        return web.json_response({"status": "success", "data": {"token": token}})

    async def search(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        q = (request.query.get("query") or request.query.get("q") or "").lower()
        hits = [{"objectID": f"series-{k}", "id": f"series-{k}", "tvdb_id": str(k), "name": s["name"],
                 "year": s["first_aired"][:4], "overview": s["overview"], "type": "series",
                 "image_url": f"/art/p{k}.jpg"} for k, s in data.SHOWS.items() if q and q in s["name"].lower()]
        return web.json_response({"status": "success", "data": hits,
                                  "links": {"prev": None, "self": None, "next": None, "total_items": len(hits),
                                            "page_size": 50}})

    def art_base(request) -> str:
        return f"{request.app[ART_HOST]}/art"

    async def extended(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        sid = int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1
        s = data.SHOWS.get(sid)
        if s is None:
            return fail(404, "NotFoundException")
        base = art_base(request)
        return web.json_response({"status": "success", "data": {
            "id": sid, "name": s["name"], "overview": revise(request, "tvdb", sid, {"overview": s["overview"]})["overview"], "firstAired": s["first_aired"],
            "averageRuntime": s["runtime"], "status": {"name": s["status"]},
            "genres": [{"id": i, "name": g} for i, g in enumerate(s["genres"])], "originalCountry": "usa",
            "remoteIds": [{"id": s["imdb_id"], "type": 2, "sourceName": "IMDB"},
                          {"id": str(s["tmdb_id"]), "type": 12, "sourceName": "TheMovieDB.com"}],
            "characters": [{"name": c, "personName": n, "personImgURL": None, "sort": i, "type": 3}
                           for i, (n, c) in enumerate(s["cast"])],
            "artworks": [{"id": 1, "image": f"{base}/p{sid}.jpg", "type": 2, "language": "eng", "score": 10,
                          "width": 400, "height": 600},
                         {"id": 2, "image": f"{base}/b{sid}.jpg", "type": 3, "language": None, "score": 8,
                          "width": 960, "height": 540},
                         {"id": 3, "image": f"{base}/x{sid}bn.jpg", "type": 1, "language": "eng", "score": 5,
                          "width": 758, "height": 140},
                         {"id": 4, "image": f"{base}/l{sid}.png", "type": 23, "language": "eng", "score": 6,
                          "width": 400, "height": 155},
                         {"id": 5, "image": f"{base}/p{sid}s1.jpg", "type": 7, "language": "eng", "score": 4,
                          "width": 400, "height": 600, "seasonId": 1}]}})

    async def episodes(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        sid = int(request.match_info["id"])
        s = data.SHOWS.get(sid)
        if s is None:
            return fail(404, "NotFoundException")
        eps = [{"id": 5000 + n * 100 + e, "seriesId": sid, "name": t, "aired": a, "overview": f"{t}.",
                "seasonNumber": n, "number": e, "absoluteNumber": None, "runtime": s["runtime"],
                "image": f"{art_base(request)}/s{n}_{e}.jpg"} for (n, e), (t, a) in sorted(s["episodes"].items())]
        return web.json_response({"status": "success", "data": {"series": {"id": sid}, "episodes": eps},
                                  "links": {"next": None}})

    add_tvdb_update_routes(app, authed)
    app.router.add_post("/login", login)
    app.router.add_get("/search", search)
    app.router.add_get("/series/{id}/extended", extended)
    app.router.add_get("/series/{id}/episodes/{season_type}", episodes)
    return app


def add_tvdb_update_routes(app: web.Application, authed) -> None:
    """`/updates?since=<epoch>&type=series|episodes&page=N` (0-based; `links.next` while more)."""
    async def updates(request):
        if not authed(request):
            return web.json_response({"status": "failure", "message": "Unauthorized", "data": None}, status=401)
        try:
            since = int(request.query["since"])
            page = int(request.query.get("page") or 0)
        except (KeyError, ValueError):
            return web.json_response({"status": "failure", "message": "since is required", "data": None}, status=400)
        feed = request.app[CHANGES]
        kind = request.query.get("type") or "series"
        recs = [(i, feed.at[("tvdb", i)]) for i in feed.between("tvdb", since, time.time() + 86400)]
        if kind == "episodes":
            data_ = [{"recordType": "episode", "recordId": 70000 + i, "seriesId": i, "method": "update",
                      "timeStamp": int(t), "entityType": "episodes"} for i, t in recs]
        else:
            data_ = [{"recordType": "series", "recordId": i, "method": "update", "timeStamp": int(t),
                      "entityType": "series"} for i, t in recs]
        size = feed.page_size
        chunk = data_[page * size:(page + 1) * size]
        more = (page + 1) * size < len(data_)
        return web.json_response({"status": "success", "data": chunk,
                                  "links": {"prev": None, "self": None, "next": f"/updates?page={page + 1}" if more else None,
                                            "total_items": len(data_), "page_size": size}})
    app.router.add_get("/updates", updates)
