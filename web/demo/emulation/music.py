"""MusicBrainz (1 request/s, 503 when faster) and the Cover Art Archive emulated."""
from __future__ import annotations

from aiohttp import web

from . import data
from .common import ART_HOST, DOCUMENTED_LIMITS, URLS, Faults, Limiter, Stats, make_middleware

# ------------------------------------------------------------------ MusicBrainz + Cover Art Archive

def musicbrainz_app(faults: Faults, stats: Stats) -> web.Application:
    """1 request/s, no two back to back; over it → 503 (MusicBrainz throttles with 503)."""
    limiter = DOCUMENTED_LIMITS["musicbrainz"]()
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
