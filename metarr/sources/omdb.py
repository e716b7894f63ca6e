"""OMDb: ratings by IMDb id (a movie or a series), and a season's episode ratings. 401 means a bad
key OR an exhausted daily quota; "N/A" means missing."""
from __future__ import annotations

import re

from metarr.sources.http import Call, Request
from metarr.sources.models import Rating, to_int

P = "omdb"


def ratings(call: Call, imdb_id: str) -> list[Rating]:
    if not re.fullmatch(r"tt\d+", imdb_id or ""):
        return []
    doc = call(Request(P, "/", (("i", imdb_id),))) or {}
    if doc.get("Response") != "True":
        return []
    out = []
    if doc.get("imdbRating") not in (None, "N/A"):
        out.append(Rating("imdb", float(doc["imdbRating"]), to_int(doc.get("imdbVotes")), 10.0))
    for r in doc.get("Ratings") or []:
        v = r.get("Value", "")
        if r.get("Source") == "Rotten Tomatoes" and v.endswith("%"):
            out.append(Rating("rottentomatoes", float(v[:-1]), 0, 100.0))
        elif r.get("Source") == "Metacritic" and "/" in v:
            out.append(Rating("metacritic", float(v.split("/")[0]), 0, 100.0))
    return out


def season_ratings(call: Call, imdb_id: str, season: int) -> dict[int, Rating]:
    """The IMDb rating of each episode of a season, by episode number, from one request
    (`?i=<series>&Season=n`: the season's episode list; OMDb gives no votes there). An episode
    without one ("N/A") is left out."""
    if not re.fullmatch(r"tt\d+", imdb_id or "") or season < 0:
        return {}
    doc = call(Request(P, "/", (("i", imdb_id), ("Season", str(season))))) or {}
    if doc.get("Response") != "True":
        return {}
    out = {}
    for e in doc.get("Episodes") or []:
        value, number = e.get("imdbRating"), str(e.get("Episode") or "")
        if number.isdigit() and value not in (None, "N/A"):
            try:
                out[int(number)] = Rating("imdb", float(value), 0, 10.0)
            except ValueError:
                continue
    return out
