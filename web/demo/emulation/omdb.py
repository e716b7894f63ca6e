"""OMDb emulated, with its daily request limit."""
from __future__ import annotations

from collections import defaultdict

from aiohttp import web

from . import data
from .common import OMDB_KEY, Faults, Stats, make_middleware

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
        show = next(((k, v) for k, v in data.SHOWS.items() if imdb and v["imdb_id"] == imdb), None)
        if show is not None:
            return web.json_response(_series(show[0], show[1], request.query.get("Season"),
                                             request.query.get("Episode")))
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


def _series(tvdb: int, s: dict, season: str | None, episode: str | None) -> dict:
    """A series by its IMDb id: the show (`Type: series`), a season's episode list with each
    episode's IMDb rating (`Season=n`), or one episode (`Season=n&Episode=m`)."""
    o = data.OMDB_SHOWS.get(tvdb, {"rating": ("N/A", "N/A"), "ratings": (), "episodes": {}})
    seasons = sorted({n for n, _e in s["episodes"] if n > 0})
    if season is None:
        ratings = ([{"Source": "Internet Movie Database", "Value": f"{o['rating'][0]}/10"}]
                   if o["rating"][0] != "N/A" else []) + [{"Source": k, "Value": v} for k, v in o["ratings"]]
        meta = next((v for k, v in o["ratings"] if k == "Metacritic"), "N/A").split("/")[0]
        return {"Title": s["name"], "Year": f"{s['first_aired'][:4]}–", "Rated": "N/A", "Released": "N/A",
                "Runtime": f"{s['runtime']} min", "Genre": ", ".join(s["genres"]), "Director": "N/A",
                "Writer": "N/A", "Actors": ", ".join(n for n, _ in s["cast"]), "Plot": s["overview"],
                "Language": "English", "Country": "N/A", "Awards": "N/A", "Poster": "N/A", "Ratings": ratings,
                "Metascore": meta, "imdbRating": o["rating"][0], "imdbVotes": o["rating"][1], "imdbID": s["imdb_id"],
                "Type": "series", "totalSeasons": str(len(seasons)), "Response": "True"}
    if not season.isdigit() or int(season) not in seasons:
        return {"Response": "False", "Error": "Series or season not found!"}
    n = int(season)
    eps = sorted((e, t, a) for (sn, e), (t, a) in s["episodes"].items() if sn == n)
    if episode is not None:
        hit = next(((e, t, a) for e, t, a in eps if str(e) == episode), None)
        if hit is None:
            return {"Response": "False", "Error": "Episode not found!"}
        e, t, a = hit
        value = o["episodes"].get((n, e), "N/A")
        return {"Title": t, "Year": a[:4], "Released": a, "Season": str(n), "Episode": str(e), "Type": "episode",
                "Ratings": [{"Source": "Internet Movie Database", "Value": f"{value}/10"}] if value != "N/A" else [],
                "imdbRating": value, "imdbID": f"tt9{tvdb % 1000:03d}{n:02d}{e:02d}", "seriesID": s["imdb_id"],
                "Response": "True"}
    return {"Title": s["name"], "Season": str(n), "totalSeasons": str(len(seasons)), "Response": "True",
            "Episodes": [{"Title": t, "Released": a, "Episode": str(e), "imdbRating": o["episodes"].get((n, e), "N/A"),
                          "imdbID": f"tt9{tvdb % 1000:03d}{n:02d}{e:02d}"} for e, t, a in eps]}
