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
