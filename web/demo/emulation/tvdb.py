"""TheTVDB v4 emulated: login (tokens that expire), search, series with its seasons and their
artwork, episodes in pages of 500, and /updates."""
from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass, field

from aiohttp import web

from . import data
from .common import (
    ART_HOST,
    CHANGES,
    DOCUMENTED_LIMITS,
    TVDB_KEY,
    URLS,
    Faults,
    Stats,
    make_middleware,
    revise,
)

# ------------------------------------------------------------------ TVDB

def episode_id(key: tuple[int, int]) -> int:
    """TheTVDB's id of an episode, the same in every order (from its aired season and number)."""
    return 5000 + key[0] * 1000 + key[1]


@dataclass
class TvdbAuth:
    """TheTVDB's tokens: valid `ttl` seconds (a month, as the real ones), then 401 until the client
    logs in again. A test shortens `ttl` or calls `expire_all()`."""
    ttl: float = 30 * 86400
    tokens: dict[str, float] = field(default_factory=dict)   # token -> monotonic expiry
    logins: int = 0
    login_seconds: float = 0.0   # how long a login takes (the real one is not instant)

    def issue(self) -> str:
        token = hashlib.sha256(f"{time.time()}{random.random()}".encode()).hexdigest()
        self.tokens[token] = time.monotonic() + self.ttl
        self.logins += 1
        return token

    def valid(self, token: str) -> bool:
        return self.tokens.get(token, 0.0) > time.monotonic()

    def expire_all(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)


TVDB_AUTH = web.AppKey("tvdb_auth", TvdbAuth)


def tvdb_app(faults: Faults, stats: Stats, auth: TvdbAuth | None = None) -> web.Application:
    limiter = DOCUMENTED_LIMITS["tvdb"]()
    app = web.Application(middlewares=[make_middleware("tvdb", limiter, faults, stats,
                                                       over_body={"status": "failure", "message": "rate limited"})])
    app[TVDB_AUTH] = auth = auth or TvdbAuth()

    def fail(status, message):
        return web.json_response({"status": "failure", "message": message, "data": None}, status=status)

    def authed(request) -> bool:
        h = request.headers.get("Authorization", "")
        return h.startswith("Bearer ") and auth.valid(h[7:])

    async def login(request):
        try:
            body = await request.json()
        except ValueError:
            return fail(400, "InvalidJSON")
        if body.get("apikey") != TVDB_KEY:
            return fail(401, "Unauthorized")
        await asyncio.sleep(auth.login_seconds)
        return web.json_response({"status": "success", "data": {"token": auth.issue()}})

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

    def seasons(sid: int, s: dict) -> list[dict]:
        """The series' seasons of every order it has, each with TheTVDB's own season id."""
        out = []
        for slug, (type_id, type_name) in data.TVDB_SEASON_TYPES.items():
            numbers = sorted({n for n, *_ in data.tvdb_episodes(s, slug) or ()})
            out += [{"id": data.tvdb_season_id(sid, slug, n), "seriesId": sid, "number": n,
                     "type": {"id": type_id, "name": type_name, "type": slug, "alternateName": None},
                     "image": None, "imageType": None} for n in numbers]
        return out

    def artworks(request, sid: int, s: dict) -> list[dict]:
        base = art_base(request)
        out = [{"id": 1, "image": f"{base}/p{sid}.jpg", "type": 2, "language": "eng", "score": 10,
                "width": 400, "height": 600},
               {"id": 2, "image": f"{base}/b{sid}.jpg", "type": 3, "language": None, "score": 8,
                "width": 960, "height": 540},
               {"id": 3, "image": f"{base}/x{sid}bn.jpg", "type": 1, "language": "eng", "score": 5,
                "width": 758, "height": 140},
               {"id": 4, "image": f"{base}/l{sid}.png", "type": 23, "language": "eng", "score": 6,
                "width": 400, "height": 155}]
        # season posters (type 7) name their season by TheTVDB's season id, not its number
        out += [{"id": 10 + n, "image": f"{base}/p{sid}s{n}.jpg", "type": 7, "language": "eng", "score": 4,
                 "width": 400, "height": 600, "seriesId": sid,
                 "seasonId": data.tvdb_season_id(sid, "official", n)} for n in data.season_art(s, "tvdb")]
        return out

    async def extended(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        sid = int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1
        s = data.SHOWS.get(sid)
        if s is None:
            return fail(404, "NotFoundException")
        return web.json_response({"status": "success", "data": {
            "id": sid, "name": s["name"], "overview": revise(request, "tvdb", sid, {"overview": s["overview"]})["overview"], "firstAired": s["first_aired"],
            "averageRuntime": s["runtime"], "status": {"name": s["status"]},
            "genres": [{"id": i, "name": g} for i, g in enumerate(s["genres"])], "originalCountry": "usa",
            "remoteIds": [{"id": s["imdb_id"], "type": 2, "sourceName": "IMDB"},
                          {"id": str(s["tmdb_id"]), "type": 12, "sourceName": "TheMovieDB.com"}],
            "characters": [{"name": c, "personName": n, "personImgURL": None, "sort": i, "type": 3}
                           for i, (n, c) in enumerate(s["cast"])],
            "defaultSeasonType": data.TVDB_SEASON_TYPES["official"][0], **_languages(s),
            "seasons": seasons(sid, s), "artworks": artworks(request, sid, s)}})

    async def episodes(request):
        """Pages of TheTVDB's size, from 0; `links.next` names the next page while there is one."""
        if not authed(request):
            return fail(401, "Unauthorized")
        sid = int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1
        s = data.SHOWS.get(sid)
        if s is None:
            return fail(404, "NotFoundException")
        order = data.tvdb_episodes(s, request.match_info["season_type"])
        if order is None:
            return fail(400, "InvalidValueType: season-type")
        try:
            page = int(request.query.get("page") or 0)
        except ValueError:
            return fail(400, "InvalidValueType: page")
        size = data.TVDB_PAGE_SIZE
        chunk = order[page * size:(page + 1) * size] if page >= 0 else []
        eps = [{"id": episode_id(k), "seriesId": sid, "name": t, "aired": a, "overview": f"{t}.",
                "seasonNumber": n, "number": e, "absoluteNumber": ab, "runtime": s["runtime"],
                "image": f"{art_base(request)}/s{k[0]}_{k[1]}.jpg"} for n, e, t, a, k, ab in chunk]
        url = f"{request.app[URLS]['self']}{request.path}?page="
        return web.json_response({"status": "success", "data": {"series": {"id": sid}, "episodes": eps},
                                  "links": {"prev": f"{url}{page - 1}" if page > 0 else None, "self": f"{url}{page}",
                                            "next": f"{url}{page + 1}" if (page + 1) * size < len(order) else None,
                                            "total_items": len(order), "page_size": size}})

    add_tvdb_translation_routes(app, authed, fail, art_base)
    add_tvdb_update_routes(app, authed)
    app.router.add_post("/login", login)
    app.router.add_get("/search", search)
    app.router.add_get("/series/{id}/extended", extended)
    app.router.add_get("/series/{id}/episodes/{season_type}", episodes)
    return app


# ------------------------------------------------------------------ languages

LANG3 = {"en": "eng", "de": "deu", "fr": "fra"}


def _show_translations(s: dict) -> dict[str, tuple[str, str]]:
    """TheTVDB's translations of a show by 3-letter code: (name, overview), "" where it has none."""
    out = {"eng": (s["name"], s["overview"])}
    for tag, (name, overview) in data.SHOW_TRANSLATIONS.get(s["tmdb_id"], {}).items():
        out[LANG3.get(tag.split("-")[0], tag)] = (name, overview)
    return out


def _languages(s: dict) -> dict:
    """The series record's language fields: its original language and the languages its name and
    overview are translated into."""
    t = _show_translations(s)
    return {"originalLanguage": "eng", "nameTranslations": [c for c, (n, _o) in t.items() if n],
            "overviewTranslations": [c for c, (_n, o) in t.items() if o]}


def add_tvdb_translation_routes(app: web.Application, authed, fail, art_base) -> None:
    """`/series/{id}/translations/{lang}` (404 for a language it lacks) and
    `/series/{id}/episodes/{season-type}/{lang}`: every episode, its name and overview in that
    language or null where it has none (TheTVDB lists untranslated episodes too)."""
    async def translation(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        s = data.SHOWS.get(int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1)
        t = _show_translations(s).get(request.match_info["lang"]) if s else None
        if t is None:
            return fail(404, "NotFoundException: error fetching translation")
        return web.json_response({"status": "success", "data": {
            "name": t[0] or None, "overview": t[1] or None, "language": request.match_info["lang"],
            "aliases": [], "isAlias": False, "isPrimary": request.match_info["lang"] == "eng", "tagline": None}})

    async def episodes(request):
        if not authed(request):
            return fail(401, "Unauthorized")
        sid = int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1
        s, code = data.SHOWS.get(sid), request.match_info["lang"]
        order = data.tvdb_episodes(s, request.match_info["season_type"]) if s else None
        lang = next((k for k, v in LANG3.items() if v == code), None)
        if order is None or lang is None:
            return fail(404, "NotFoundException: error fetching ")
        try:
            page = int(request.query.get("page") or 0)
        except ValueError:
            return fail(400, "InvalidValueType: page")
        size = data.TVDB_PAGE_SIZE
        texts = data.EPISODE_TRANSLATIONS.get(sid, {}).get(lang, {})
        eps = []
        for n, e, t, a, k, ab in (order[page * size:(page + 1) * size] if page >= 0 else []):
            name, overview = (t, f"{t}.") if lang == "en" else texts.get(k, (None, None))
            eps.append({"id": episode_id(k), "seriesId": sid, "name": name, "overview": overview or None,
                        "aired": a, "seasonNumber": n, "number": e, "absoluteNumber": ab, "runtime": s["runtime"],
                        "image": f"{art_base(request)}/s{k[0]}_{k[1]}.jpg"})
        url = f"{request.app[URLS]['self']}{request.path}?page="
        return web.json_response({"status": "success", "data": {"series": {"id": sid}, "episodes": eps},
                                  "links": {"prev": f"{url}{page - 1}" if page > 0 else None, "self": f"{url}{page}",
                                            "next": f"{url}{page + 1}" if (page + 1) * size < len(order) else None,
                                            "total_items": len(order), "page_size": size}})

    app.router.add_get("/series/{id}/translations/{lang}", translation)
    app.router.add_get("/series/{id}/episodes/{season_type}/{lang}", episodes)


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
