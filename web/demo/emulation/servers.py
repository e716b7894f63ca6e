"""aiohttp servers on 127.0.0.1 emulating TMDB v3 (+ image CDN), TheTVDB v4, Fanart.tv v3,
MusicBrainz + Cover Art Archive and OMDb: real response shapes, status codes, error bodies, key
checks and rate limits (429/503 when a client goes faster than allowed), plus fault injection."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

from . import data

ART_HOST = web.AppKey("art_host", str)
URLS = web.AppKey("urls", dict)
TMDB_KEY = "tmdb-test-key-0123456789abcdef01"
TVDB_KEY = "tvdb-test-key"
FANART_KEY = "fanart-test-key"
OMDB_KEY = "omdbkey1"


@dataclass
class Faults:
    """Rates (0..1) of injected failures per request."""
    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_timeout: float = 0.0
    timeout_s: float = 15.0
    rate_truncated: float = 0.0
    rate_wrong_type: float = 0.0
    seed: int = 1


@dataclass
class Stats:
    requests: int = 0
    throttled: int = 0
    faults: int = 0
    fault_kinds: dict = field(default_factory=dict)   # "429" | "503" | "timeout" | "truncated" | "wrong_type" -> n
    calls: list = field(default_factory=list)
    times: deque = field(default_factory=lambda: deque(maxlen=100000))

    def max_in_window(self, window: float = 1.0) -> int:
        """The most requests that arrived within any `window` seconds (the busiest second)."""
        return max_in_window(list(self.times), window)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while t - times[j] > window:
            j += 1
        best = max(best, i - j + 1)
    return best


class Limiter:
    """Sliding window: more than `limit` requests within `window` seconds are refused."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.hits: deque[float] = deque()

    def allow(self) -> tuple[bool, float]:
        now = time.monotonic()
        while self.hits and now - self.hits[0] > self.window:
            self.hits.popleft()
        if len(self.hits) >= self.limit:
            return False, self.window - (now - self.hits[0])
        self.hits.append(now)
        return True, 0.0


def image_bytes(kind: str, w: int, h: int, seed: int, fmt: str = "JPEG") -> bytes:
    """A real image, deterministic per (kind, size, seed), so the same art served by two providers
    is byte-identical."""
    rng = random.Random(f"{kind}{w}{h}{seed}")
    base = tuple(rng.randrange(40, 200) for _ in range(3))
    img = Image.new("RGBA" if fmt == "PNG" else "RGB", (w, h), base + ((255,) if fmt == "PNG" else ()))
    step = max(1, w // 10)
    for x in range(0, w, step):
        shade = tuple(min(255, c + rng.randrange(0, 55)) for c in base) + ((255,) if fmt == "PNG" else ())
        img.paste(shade, (x, 0, min(w, x + step // 2), h))
    buf = io.BytesIO()
    img.save(buf, fmt, quality=80) if fmt == "JPEG" else img.save(buf, fmt)
    return buf.getvalue()


def make_middleware(name: str, limiter: Limiter | None, faults: Faults, stats: Stats, over_status: int = 429,
                    over_body=None):
    rng = random.Random(faults.seed)

    @web.middleware
    async def mw(request: web.Request, handler):
        stats.requests += 1
        stats.times.append(time.monotonic())
        stats.calls.append((request.method, request.path_qs, dict(request.headers)))
        if limiter is not None:
            allowed, wait = limiter.allow()
            if not allowed:
                stats.throttled += 1
                headers = {"Retry-After": str(max(1, int(wait + 0.999)))}
                return web.json_response(over_body or {"error": "rate limited"}, status=over_status, headers=headers)
        roll = rng.random()
        edges = [faults.rate_429, faults.rate_503, faults.rate_timeout, faults.rate_truncated, faults.rate_wrong_type]
        acc = 0.0
        for i, rate in enumerate(edges):
            acc += rate
            if roll < acc:
                stats.faults += 1
                kind = ("429", "503", "timeout", "truncated", "wrong_type")[i]
                stats.fault_kinds[kind] = stats.fault_kinds.get(kind, 0) + 1
                if i == 0:
                    return web.json_response({"status_code": 25, "status_message": "Too many requests"}, status=429,
                                             headers={"Retry-After": "1"})
                if i == 1:
                    return web.Response(status=503, text="Service Unavailable")
                if i == 2:
                    await asyncio.sleep(faults.timeout_s)
                    return web.Response(status=504)
                resp = await handler(request)
                body = resp.body if isinstance(resp.body, bytes) else b"{}"
                if i == 3:
                    return web.Response(body=body[: max(1, len(body) // 2)], content_type="application/json")
                return web.Response(body=b"<html><body>Maintenance</body></html>", content_type="text/html")
        return await handler(request)
    return mw


# ------------------------------------------------------------------ TMDB

def _tmdb_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"status_code": code, "status_message": message, "success": False}, status=status)


def _tmdb_movie_summary(mid: int) -> dict:
    m = data.movie(mid)
    return {"id": mid, "title": m["title"], "original_title": m["original_title"], "release_date": m["release_date"],
            "overview": m["overview"], "poster_path": f"/p{mid}.jpg", "popularity": m["popularity"],
            "vote_average": m["vote_average"], "vote_count": m["vote_count"], "genre_ids": [27]}


def _tmdb_images(kind: str, ident: int) -> dict:
    return {"id": ident,
            "posters": [{"file_path": f"/p{ident}.jpg", "width": 400, "height": 600, "aspect_ratio": 0.667,
                         "vote_average": 5.4, "vote_count": 12, "iso_639_1": "en"},
                        {"file_path": f"/p{ident}b.jpg", "width": 200, "height": 300, "aspect_ratio": 0.667,
                         "vote_average": 5.0, "vote_count": 2, "iso_639_1": "de"}],
            "backdrops": [{"file_path": f"/b{ident}.jpg", "width": 960, "height": 540, "aspect_ratio": 1.778,
                           "vote_average": 5.3, "vote_count": 8, "iso_639_1": None}],
            "logos": [{"file_path": f"/l{ident}.png", "width": 400, "height": 155, "aspect_ratio": 2.58,
                       "vote_average": 5.0, "vote_count": 3, "iso_639_1": "en"}]}


def tmdb_app(faults: Faults, stats: Stats, rps: int = 40) -> web.Application:
    limiter = Limiter(rps, 1.0)

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
        hits = [mid for mid, m in data.MOVIES.items() if q and q in m["title"].lower()
                and (not year or m["release_date"].startswith(year))]
        num = q.removeprefix("synthetic movie ").strip()
        if q.startswith("synthetic movie ") and num.isdigit() and int(num) < data.SYNTHETIC_COUNT:
            syn = data.SYNTHETIC_BASE + int(num)
            if not year or data.movie(syn)["release_date"].startswith(year):
                hits.append(syn)
        return web.json_response({"page": 1, "results": [_tmdb_movie_summary(i) for i in hits],
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
        out = {"id": mid, "imdb_id": m["imdb_id"], "title": m["title"], "original_title": m["original_title"],
               "original_language": "en", "overview": m["overview"], "tagline": m["tagline"],
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
            out["release_dates"] = {"results": [{"iso_3166_1": "US", "release_dates": [
                {"certification": m["certification"], "type": 3, "release_date": m["release_date"] + "T00:00:00.000Z"}]}]}
        if "keywords" in append:
            out["keywords"] = {"keywords": [{"id": i, "name": k} for i, k in enumerate(m["keywords"])]}
        if "videos" in append:
            out["videos"] = {"results": ([{"key": m["trailer"], "site": "YouTube", "type": "Trailer", "name": "Trailer",
                                           "official": True, "iso_639_1": "en"}] if m["trailer"] else [])}
        if "images" in append:
            langs = (request.query.get("include_image_language") or "").split(",")
            imgs = _tmdb_images("movie", mid)
            for k in ("posters", "backdrops", "logos"):
                imgs[k] = [i for i in imgs[k] if not langs[0] or (i["iso_639_1"] or "null") in langs]
            out["images"] = imgs
        return web.json_response(revise(request, "movie", mid, out))

    async def collection(request):
        cid = int(request.match_info["id"])
        for mid, m in data.MOVIES.items():
            if m["collection"] and m["collection"][0] == cid:
                return web.json_response({"id": cid, "name": m["collection"][1], "overview": m["collection"][2],
                                          "parts": [_tmdb_movie_summary(mid)]})
        return _tmdb_error(404, 34, "The resource you requested could not be found.")

    def _show_by_tmdb(tid: int):
        return next(((tvdb, s) for tvdb, s in data.SHOWS.items() if s["tmdb_id"] == tid), (None, None))

    async def tv(request):
        tvdb, s = _show_by_tmdb(int(request.match_info["id"]) if request.match_info["id"].isdigit() else -1)
        if s is None:
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        seasons = sorted({k[0] for k in s["episodes"]})
        out = {"id": s["tmdb_id"], "name": s["name"], "original_name": s["name"], "overview": s["overview"],
               "first_air_date": s["first_aired"], "status": s["status"], "episode_run_time": [s["runtime"]],
               "genres": [{"id": i, "name": g} for i, g in enumerate(s["genres"])], "vote_average": 7.0,
               "vote_count": 40, "networks": [{"id": 1, "name": s["network"]}],
               "seasons": [{"season_number": n, "name": "Specials" if n == 0 else f"Season {n}",
                            "episode_count": sum(1 for k in s["episodes"] if k[0] == n)} for n in seasons],
               "credits": {"cast": [{"name": n, "character": c, "order": i, "profile_path": None}
                                    for i, (n, c) in enumerate(s["cast"])]},
               "external_ids": {"imdb_id": s["imdb_id"], "tvdb_id": tvdb},
               "content_ratings": {"results": [{"iso_3166_1": "US", "rating": "TV-PG"}]},
               "images": _tmdb_images("tv", s["tmdb_id"])}
        return web.json_response(revise(request, "tv", s["tmdb_id"], out))

    async def tv_season(request):
        _, s = _show_by_tmdb(int(request.match_info["id"]))
        n = int(request.match_info["season"])
        if s is None or not any(k[0] == n for k in s["episodes"]):
            return _tmdb_error(404, 34, "The resource you requested could not be found.")
        eps = [{"episode_number": e, "season_number": n, "name": t, "air_date": a, "overview": f"{t}.",
                "id": 9000 + n * 100 + e, "vote_average": 7.0, "vote_count": 3, "still_path": f"/s{n}_{e}.jpg"}
               for (sn, e), (t, a) in sorted(s["episodes"].items()) if sn == n]
        return web.json_response({"season_number": n, "name": f"Season {n}", "episodes": eps,
                                  "poster_path": f"/sp{n}.jpg"})

    add_tmdb_change_routes(app)
    r.add_get("/configuration", configuration)
    r.add_get("/search/movie", search_movie)
    r.add_get("/search/tv", search_tv)
    r.add_get("/find/{ext}", find)
    r.add_get("/movie/{id}", movie)
    r.add_get("/collection/{id}", collection)
    r.add_get("/tv/{id}", tv)
    r.add_get("/tv/{id}/season/{season}", tv_season)
    return app


@dataclass
class ImageTrouble:
    """What the image host does besides serving: the next `failures` requests (only for paths
    containing `match`, when set) answer `status` (429/503 with Retry-After, or "timeout"), and
    names in `gone` answer 404 for good."""
    status: int | str = 503
    failures: int = 0
    retry_after: int = 1
    match: str | None = None
    gone: set = field(default_factory=set)
    timeout_s: float = 15.0


def image_app(faults: Faults, stats: Stats, rps: int | None = None, trouble: ImageTrouble | None = None
              ) -> web.Application:
    """The image CDN (TMDB's /t/p/{size}{path}, and the artwork hosts of the other emulators). With
    `rps` it refuses more than that many requests in any second with 429 + Retry-After, as CDNs do."""
    limiter = Limiter(rps, 1.0) if rps else None
    app = web.Application(middlewares=[make_middleware("images", limiter, Faults(), stats)])
    cache: dict[str, bytes] = {}
    trouble = trouble or ImageTrouble()

    async def img(request):
        name = request.match_info["name"]
        if any(g in request.path for g in trouble.gone):
            return web.Response(status=404, text="Not Found")
        if trouble.failures > 0 and (trouble.match is None or trouble.match in request.path):
            trouble.failures -= 1
            if trouble.status == "timeout":
                await asyncio.sleep(trouble.timeout_s)
            else:
                return web.Response(status=int(trouble.status), text="busy",
                                    headers={"Retry-After": str(trouble.retry_after)})
        key = name.rsplit("/", 1)[-1]
        if key not in cache:
            # keyed on the base name only: the same file offered by two providers is the same bytes
            base = name.rsplit("/", 1)[-1]
            w, h = _size_for(name)
            fmt = "PNG" if name.endswith(".png") else "JPEG"
            cache[key] = image_bytes(base[:1], w, h, int(hashlib.md5(base.encode()).hexdigest()[:6], 16), fmt)
        return web.Response(body=cache[key], content_type="image/png" if name.endswith(".png") else "image/jpeg")

    app.router.add_get("/t/p/{size}/{name:.+}", img)
    app.router.add_get("/art/{name:.+}", img)
    return app


def _size_for(name: str) -> tuple[int, int]:
    base = name.rsplit("/", 1)[-1]
    return {"p": (400, 600), "b": (960, 540), "l": (400, 155), "a": (185, 278), "s": (480, 270),
            "x": (500, 500)}.get(base[:1], (300, 300))


# ------------------------------------------------------------------ TVDB

def tvdb_app(faults: Faults, stats: Stats, rps: int = 20) -> web.Application:
    limiter = Limiter(rps, 1.0)
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


# ------------------------------------------------------------------ Fanart.tv

def fanart_app(faults: Faults, stats: Stats, rps: int = 10) -> web.Application:
    limiter = Limiter(rps, 1.0)
    app = web.Application(middlewares=[make_middleware("fanart", limiter, faults, stats)])

    def item(request, iid, name, lang="en", likes="3", **extra):
        return {"id": str(iid), "url": f"{request.app[ART_HOST]}/art/{name}", "lang": lang, "likes": likes, **extra}

    def check(request):
        return request.query.get("api_key") == FANART_KEY or request.headers.get("api-key") == FANART_KEY

    async def movies(request):
        if not check(request):
            return web.json_response({"status": "error", "error message": "Not authorized"}, status=401)
        ident = request.match_info["id"]
        mid, m = data.movie_by_imdb(ident) if ident.startswith("tt") else \
            ((int(ident), data.movie(int(ident))) if ident.isdigit() else (None, None))
        if m is None:
            return web.json_response({"status": "error", "error message": "Not found"}, status=404)
        return web.json_response({
            "name": m["title"], "tmdb_id": str(mid), "imdb_id": m["imdb_id"],
            # the same poster bytes TMDB serves for this movie (dedup across providers)
            "movieposter": [item(request, 11, f"p{mid}.jpg", likes="7")],
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
        return web.json_response({"name": data.SHOWS[sid]["name"], "thetvdb_id": str(sid),
                                  "hdtvlogo": [item(request, 21, f"l{sid}t.png")],
                                  "hdclearart": [item(request, 22, f"x{sid}ca.png")],
                                  "tvthumb": [item(request, 23, f"b{sid}tt.jpg")],
                                  "characterart": [item(request, 24, f"x{sid}ch.png")],
                                  "seasonposter": [item(request, 25, f"p{sid}s1f.jpg", season="1")]})

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


# ------------------------------------------------------------------ MusicBrainz + Cover Art Archive

def musicbrainz_app(faults: Faults, stats: Stats, burst: int = 3, per: float = 3.0) -> web.Application:
    """About 1 request/s on average with a small burst; over it → 503 (MusicBrainz throttles with 503)."""
    limiter = Limiter(burst, per)
    app = web.Application(middlewares=[make_middleware("musicbrainz", limiter, faults, stats, over_status=503,
                                                       over_body={"error": "Your requests are exceeding the allowable rate limit."})])

    def need_ua(request):
        ua = request.headers.get("User-Agent", "")
        return not ua or ua.startswith(("python-requests", "Python-urllib", "aiohttp"))

    async def search_artist(request):
        if need_ua(request):
            return web.json_response({"error": "User-Agent required"}, status=403)
        q = request.query.get("query", "").lower().replace('"', "").replace("artist:", "")
        hits = [{"id": k, "name": a["name"], "sort-name": a["sort_name"], "score": 100, "type": a["type"],
                 "country": a["country"]} for k, a in data.ARTISTS.items() if q.strip() and q.strip() in a["name"].lower()]
        return web.json_response({"created": "2026-01-01T00:00:00Z", "count": len(hits), "offset": 0, "artists": hits})

    async def artist(request):
        if need_ua(request):
            return web.json_response({"error": "User-Agent required"}, status=403)
        a = data.ARTISTS.get(request.match_info["id"])
        if a is None:
            return web.json_response({"error": "Not Found"}, status=404)
        return web.json_response({"id": request.match_info["id"], "name": a["name"], "sort-name": a["sort_name"],
                                  "type": a["type"], "country": a["country"], "disambiguation": "",
                                  "life-span": {"begin": a["begin"], "end": a["end"], "ended": True},
                                  "genres": [{"id": str(i), "name": g, "count": 5 - i} for i, g in enumerate(a["genres"])],
                                  "release-groups": [{"id": rg, "title": t, "first-release-date": d, "primary-type": "Album"}
                                                     for rg, (t, d) in a["release_groups"].items()]})

    async def search_rg(request):
        if need_ua(request):
            return web.json_response({"error": "User-Agent required"}, status=403)
        q = request.query.get("query", "").lower()
        hits = []
        for aid, a in data.ARTISTS.items():
            for rg, (t, d) in a["release_groups"].items():
                if f'releasegroup:"{t.lower()}"' in q or t.lower() == q:
                    hits.append({"id": rg, "title": t, "score": 100, "primary-type": "Album", "first-release-date": d,
                                 "artist-credit": [{"artist": {"id": aid, "name": a["name"]}}]})
        return web.json_response({"count": len(hits), "offset": 0, "release-groups": hits})

    async def release_group(request):
        if need_ua(request):
            return web.json_response({"error": "User-Agent required"}, status=403)
        for aid, a in data.ARTISTS.items():
            if request.match_info["id"] in a["release_groups"]:
                t, d = a["release_groups"][request.match_info["id"]]
                return web.json_response({"id": request.match_info["id"], "title": t, "primary-type": "Album",
                                          "first-release-date": d, "genres": [{"name": "ragtime", "count": 3}],
                                          "artist-credit": [{"artist": {"id": aid, "name": a["name"]}}]})
        return web.json_response({"error": "Not Found"}, status=404)

    app.router.add_get("/artist", search_artist)
    app.router.add_get("/artist/{id}", artist)
    app.router.add_get("/release-group", search_rg)
    app.router.add_get("/release-group/{id}", release_group)
    return app


def coverart_app(faults: Faults, stats: Stats) -> web.Application:
    app = web.Application(middlewares=[make_middleware("coverart", Limiter(10, 1.0), faults, stats, over_status=503)])

    async def rg(request):
        ident = request.match_info["id"]
        if not any(ident in a["release_groups"] for a in data.ARTISTS.values()):
            return web.json_response({"error": "Not Found"}, status=404)
        base = f"{request.app[URLS]['self']}/release-group/{ident}"
        return web.json_response({"release": f"https://musicbrainz.org/release/{ident}",
                                  "images": [{"id": 1, "image": f"{base}/front", "front": True, "back": False,
                                              "types": ["Front"], "approved": True,
                                              "thumbnails": {"250": f"{base}/front-250", "500": f"{base}/front-500"}}]})

    async def front(request):
        # the real archive answers with a 307 to archive.org
        raise web.HTTPTemporaryRedirect(f"{request.app[ART_HOST]}/art/x{request.match_info['id'][:4]}.jpg")

    app.router.add_get("/release-group/{id}", rg)
    app.router.add_get("/release-group/{id}/{which}", front)
    return app


# ------------------------------------------------------------------ OMDb

def omdb_app(faults: Faults, stats: Stats, daily_limit: int = 1000) -> web.Application:
    count = defaultdict(int)
    app = web.Application(middlewares=[make_middleware("omdb", None, faults, stats)])

    async def root(request):
        key = request.query.get("apikey")
        if key != OMDB_KEY:
            return web.json_response({"Response": "False", "Error": "Invalid API key!"}, status=401)
        count[key] += 1
        if count[key] > daily_limit:
            return web.json_response({"Response": "False", "Error": "Request limit reached!"}, status=401)
        imdb = request.query.get("i")
        _, m = data.movie_by_imdb(imdb)
        if m is None:
            return web.json_response({"Response": "False", "Error": "Incorrect IMDb ID." if imdb and not
                                      imdb.startswith("tt") else "Movie not found!"})
        return web.json_response({"Title": m["title"], "Year": m["release_date"][:4], "Rated": "Not Rated",
                                  "Released": "N/A", "Runtime": f"{m['runtime']} min", "Genre": ", ".join(m["genres"]),
                                  "Director": ", ".join(m["directors"]), "Writer": ", ".join(m["writers"]),
                                  "Actors": ", ".join(n for n, _ in m["cast"]), "Plot": m["overview"],
                                  "Language": "English", "Country": "N/A", "Awards": "N/A", "Poster": "N/A",
                                  "Ratings": [{"Source": "Internet Movie Database", "Value": f"{m['vote_average']}/10"},
                                              {"Source": "Rotten Tomatoes", "Value": "96%"},
                                              {"Source": "Metacritic", "Value": "89/100"}],
                                  "Metascore": "89", "imdbRating": str(m["vote_average"]),
                                  "imdbVotes": f"{m['vote_count'] * 10:,}", "imdbID": imdb, "Type": "movie",
                                  "Response": "True"})

    app.router.add_get("/", root)
    return app


def dumps(obj) -> str:
    return json.dumps(obj)


# ---------------------------------------------------------------- change feeds (issue #21)

@dataclass
class ChangeFeed:
    """What changed upstream, shared by the TMDB, TheTVDB and Fanart.tv emulators: ids (by kind:
    "movie" = TMDB movie ids, "tv" = TMDB tv ids, "tvdb" = TheTVDB series ids) changed at a time.
    A changed item's details answer with a revised overview from that time on."""
    at: dict = field(default_factory=dict)   # (kind, id) -> epoch seconds of the change
    page_size: int = 100

    def mark(self, kind: str, ids, when: float) -> None:
        for i in ids:
            self.at[(kind, int(i))] = when

    def mark_fraction(self, kind: str, ids, fraction: float, start: float, end: float, seed: int = 1) -> list[int]:
        """Mark a chosen fraction of `ids` as changed, at times spread between two dates."""
        rng = random.Random(seed)
        ids = sorted(ids)
        picked = sorted(rng.sample(ids, round(len(ids) * fraction)))
        for i in picked:
            self.at[(kind, i)] = rng.uniform(start, end)
        return picked

    def between(self, kind: str, start: float, end: float) -> list[int]:
        return sorted(i for (k, i), t in self.at.items() if k == kind and start <= t <= end)

    def revised(self, kind: str, ident: int) -> bool:
        t = self.at.get((kind, ident))
        return t is not None and t <= time.time()


CHANGES = web.AppKey("changes", ChangeFeed)


def revise(request, kind: str, ident, out: dict, key: str = "overview") -> dict:
    """A changed item answers with new text (so a refresh has something to merge)."""
    feed = request.app.get(CHANGES)
    if feed is not None and str(ident).isdigit() and feed.revised(kind, int(ident)) and out.get(key):
        out[key] = out[key] + " (Revised upstream.)"
    return out


def _epoch_of(date: str, end: bool = False) -> float:
    import datetime as dt
    d = dt.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=dt.UTC).timestamp()
    return d + 86399.999 if end else d


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
