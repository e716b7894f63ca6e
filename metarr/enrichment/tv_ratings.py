"""OMDb's ratings for TV: the show's IMDb, Rotten Tomatoes and Metacritic ratings (as a film's), and
the IMDb rating of each episode on disk, one request a season."""
from __future__ import annotations

from collections.abc import Callable

from metarr import metadata as md
from metarr.db.media import Series
from metarr.sources import omdb


def from_omdb(db, call, safe: Callable, series_id: int, on_disk: list) -> tuple[list[str], int]:
    """(the show's fields changed, episode fields changed). `safe(provider, fn, *args, default=…)`
    runs one provider step as enrichment does (a provider problem is noted, not raised)."""
    imdb_id = Series.get_by_id(series_id).imdb_id
    if not imdb_id:
        return [], 0
    changed: list[str] = []
    ratings = safe("omdb", omdb.ratings, call, imdb_id, default=[]) or []
    if ratings:
        changed += md.apply(db, "series", series_id, md.Update("provider:omdb", ratings=tuple(
            md.RatingEntry(r.source, r.value, r.votes, r.max, False) for r in ratings)))
    touched = 0
    for number in sorted({e.season for e in on_disk if e.season > 0}):   # OMDb lists no specials
        by_episode = safe("omdb", omdb.season_ratings, call, imdb_id, number, default={}) or {}
        for ep in (e for e in on_disk if e.season == number and e.episode in by_episode):
            r = by_episode[ep.episode]
            touched += len(md.apply(db, "episode", ep.id, md.Update("provider:omdb", ratings=(
                md.RatingEntry(r.source, r.value, r.votes, r.max, False),))))
    return changed, touched
