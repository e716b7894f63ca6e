"""OMDb: ratings by IMDb id. 401 means a bad key OR an exhausted daily quota; "N/A" means missing."""
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
