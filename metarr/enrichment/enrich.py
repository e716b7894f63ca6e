"""Enrichment: identify (by id, or by search with a confidence score), merge provider metadata by
priority with provenance and locks, store every artwork offered as a scored candidate, auto-select
the best per slot; then (a separate job) download the selected into the cache. This module holds
movies and the table of enrichers; shows are in tv.py, music in music.py, what they share in context.py.

Providers that are unconfigured or down degrade the result; they never fail the item."""
from __future__ import annotations

import logging

from metarr import metadata as md
from metarr.db.media import Movie
from metarr.enrichment import languages, scoring, texts
from metarr.enrichment.artwork_selection import auto_select, store_candidates
from metarr.enrichment.collection_link import link_movie
from metarr.enrichment.context import (
    Ambiguous,
    Ctx,
    EnrichResult,
    finish,
    more_art,
    no_match_reason,
    not_identified,
    pick_along,
    safe,
)
from metarr.enrichment.music import enrich_album, enrich_artist
from metarr.enrichment.tv import enrich_series
from metarr.sources import omdb, tmdb
from metarr.sources.models import Art

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ movies

def identify_movie(db, ctx: Ctx, m: Movie, res: EnrichResult) -> int | None:
    if m.tmdb_id:
        return m.tmdb_id
    if m.imdb_id:
        found = safe(res, "tmdb", tmdb.find, ctx.call, m.imdb_id, "imdb_id", default={}, needed=True) or {}
        hits = found.get("movie_results") or []
        if hits:
            return int(hits[0]["id"])
    title = m.title or (m.parsed or {}).get("title") or ""

    def search(language):
        hits = safe(res, "tmdb", tmdb.search_movie, ctx.call, title, m.year, language, ctx.image_base,
                     default=[], needed=True) or []
        if not hits and m.year:
            hits = safe(res, "tmdb", tmdb.search_movie, ctx.call, title, None, language, ctx.image_base,
                         default=[], needed=True) or []
        return hits
    best, cands = pick_along(ctx, search, title, m.year)
    if best is None:
        not_identified(db, Movie, m.id, no_match_reason(cands), cands)
        raise Ambiguous(f"{len(cands)} candidate(s) for {title!r}")
    return int(best.id)


def enrich_movie(db, ctx: Ctx, movie_id: int) -> EnrichResult:
    m = Movie.get_by_id(movie_id)
    res = EnrichResult("movie", movie_id, m.state)
    if "tmdb" not in ctx.configured:
        res.degraded.append("tmdb: not configured")
        if not (m.tmdb_id or m.imdb_id):
            not_identified(db, Movie, movie_id, "no_key:tmdb")
            res.state = "unidentified"
        return res
    try:
        tmdb_id = identify_movie(db, ctx, m, res)
    except Ambiguous:
        res.state = Movie.get_by_id(movie_id).state
        return res
    if tmdb_id is None:
        return res
    meta = safe(res, "tmdb", tmdb.movie, ctx.call, tmdb_id, ctx.image_base, ctx.language,
                 ctx.wish.languages.image_request())
    if meta is None and "tmdb: not found" in res.degraded:
        # an id from a name or an NFO that TMDB does not know: not an identification
        not_identified(db, Movie, movie_id, "not_found")
        res.state = "unidentified"
        return res
    arts: list[Art] = []
    if meta is not None:
        upd = texts.update("provider:tmdb", meta, ctx.wish, texts.MOVIE_TEXTS, certified=True)
        res.changed += md.apply(db, "movie", movie_id, upd)
        if md.repair_cast_thumbs(db, "movie", movie_id, meta.cast):
            res.changed.append("cast:thumbs")
        coll = meta.ids.get("collection")
        if coll:
            ctexts = safe(res, "tmdb", tmdb.collection_texts, ctx.call, coll, ctx.language, default={}) or {}
            values, origins = languages.choose(ctexts, ("set_overview",), upd.preference)
            if values:
                res.changed += md.apply(db, "movie", movie_id, md.Update("provider:tmdb", values, origins=origins,
                                                                         preference=upd.preference))
        arts += list(meta.art)
    if meta is not None:
        link = link_movie(db, movie_id, meta.ids.get("collection"), meta.scalars.get("set_name"))
        res.collection = link.to_json()
        res.touched += link.moved   # its NFO's <set> changes: a refresh publishes it
    imdb_id = Movie.get_by_id(movie_id).imdb_id
    if "omdb" in ctx.configured and imdb_id:
        ratings = safe(res, "omdb", omdb.ratings, ctx.call, imdb_id, default=[]) or []
        if ratings:
            res.changed += md.apply(db, "movie", movie_id, md.Update("provider:omdb", ratings=tuple(
                md.RatingEntry(r.source, r.value, r.votes, r.max, False) for r in ratings)))
    arts += more_art(res, ctx, "movie", {"tmdb": str(tmdb_id), "imdb": imdb_id or ""})
    order = ctx.wish.languages.images(meta.original_language if meta else None)
    res.candidates = store_candidates(db, "movie", movie_id, arts, ctx.language, res, order)
    res.selected = auto_select(db, "movie", movie_id, scoring.limits(ctx.fanart_count), res=res)
    finish(db, Movie, movie_id, m.state, res)
    return res


ENRICHERS = {"movie": enrich_movie, "series": enrich_series, "artist": enrich_artist, "album": enrich_album}
