"""Enrichment of a TV show: identify it (TMDB, TheTVDB), its metadata, seasons and episodes, its
ratings and its artwork, season art on the season it belongs to."""
from __future__ import annotations

import functools
import logging

from metarr import metadata as md
from metarr.db.media import Episode, Season, Series
from metarr.enrichment import episode_match, episode_orders, languages, scoring, texts, tv_ratings
from metarr.enrichment.artwork_selection import auto_select, store_candidates
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
from metarr.enrichment.season_art import by_season
from metarr.sources import tmdb, tvdb
from metarr.sources.models import Art

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ TV

def identify_series(db, ctx: Ctx, s: Series, res: EnrichResult) -> tuple[int | None, int | None]:
    tvdb_id, tmdb_id = s.tvdb_id, s.tmdb_id
    if tmdb_id is None and "tmdb" in ctx.configured:
        if tvdb_id or s.imdb_id:
            found = safe(res, "tmdb", tmdb.find, ctx.call, str(tvdb_id or s.imdb_id),
                          "tvdb_id" if tvdb_id else "imdb_id", default={}, needed=True) or {}
            hits = found.get("tv_results") or []
            tmdb_id = int(hits[0]["id"]) if hits else None
        else:
            best, cands = pick_along(ctx, lambda lang: safe(
                res, "tmdb", tmdb.search_tv, ctx.call, s.title, lang, ctx.image_base, default=[], needed=True) or [],
                s.title, s.year)
            if best is None and not tvdb_id:
                not_identified(db, Series, s.id, no_match_reason(cands), cands)
                raise Ambiguous(s.title)
            tmdb_id = int(best.id) if best else None
    if tvdb_id is None and "tvdb" in ctx.configured and tmdb_id is None:
        hits = safe(res, "tvdb", tvdb.search, ctx.call, s.title, default=[], needed=True) or []
        best, cands = scoring.pick(s.title, s.year, hits, ctx.min_confidence)
        if best is None:
            not_identified(db, Series, s.id, no_match_reason(cands), cands)
            raise Ambiguous(s.title)
        tvdb_id = int(best.id)
    return tmdb_id, tvdb_id


def _match(db, ctx: Ctx, res: EnrichResult, s: Series, tmdb_id, tvdb_id, tmdb_seasons: dict, tvdb_infos: list
           ) -> dict[int, tuple[int, int]]:
    """Each episode row's episode (its aired numbers at the providers), the rows numbered in the
    show's order: episode row id -> aired (season, number)."""
    cat = episode_match.Catalogue.of(
        [*episode_orders.entries(tvdb_infos, "tvdb"),
         *(x for season in tmdb_seasons.values() for x in episode_orders.entries(season.episodes, "tmdb"))])
    if not cat.entries:
        return {}
    got = safe(res, "tmdb" if tmdb_id else "tvdb", episode_orders.remap, ctx.call, cat, s.id, s.library_id,
               s.episode_order or "aired", tmdb_id, tvdb_id, ctx.configured)
    if got is None:
        return {}
    moves, moved = got
    if moved:
        res.changed.append(f"episodes:renumbered:{len(moved)}")
    for m in moves:
        if m.target is None:
            log.info("series %s: episode %sx%s not matched: %s", s.id, m.current[0], m.current[1], m.note)
    return {m.id: m.match.key for m in moves if m.match.key is not None and m.target is not None}


def enrich_series(db, ctx: Ctx, series_id: int) -> EnrichResult:
    s = Series.get_by_id(series_id)
    res = EnrichResult("series", series_id, s.state)
    if not ({"tmdb", "tvdb"} & ctx.configured):
        res.degraded.append("tmdb/tvdb: not configured")
        if not (s.tmdb_id or s.tvdb_id or s.imdb_id):
            not_identified(db, Series, series_id, "no_key:tmdb")
            res.state = "unidentified"
        return res
    try:
        tmdb_id, tvdb_id = identify_series(db, ctx, s, res)
    except Ambiguous:
        res.state = Series.get_by_id(series_id).state
        return res
    arts: list[Art] = []
    episodes: dict[tuple[int, int], list] = {}   # aired (season, number) -> [(provider, info, texts)]
    seasons: dict[int, str] = {}
    season_texts: dict[int, list] = {}   # number -> [(provider, texts by language)]
    tmdb_seasons: dict[int, object] = {}
    tvdb_infos: list = []
    tvdb_original = None
    chain, original = ctx.wish.languages.chain(), None
    for provider in ("tmdb", "tvdb"):
        ident = tmdb_id if provider == "tmdb" else tvdb_id   # tvdb_id may come from TMDB's external ids
        if provider not in ctx.configured or not ident:
            continue
        if provider == "tmdb":
            meta = safe(res, provider, tmdb.tv, ctx.call, ident, ctx.image_base, ctx.language,
                         ctx.wish.languages.image_request())
        else:
            meta = safe(res, provider, tvdb.series, ctx.call, ident, chain)
        if meta is None:
            continue
        original = original or meta.original_language
        chain = ctx.wish.languages.chain(original)
        res.changed += md.apply(db, "series", series_id, texts.update(
            f"provider:{provider}", meta, ctx.wish, texts.SERIES_TEXTS, chain, certified=provider == "tmdb"))
        if md.repair_cast_thumbs(db, "series", series_id, meta.cast):
            res.changed.append("cast:thumbs")
        tvdb_id = tvdb_id or meta.ids.get("tvdb")
        arts += list(meta.art)
        seasons = seasons or meta.seasons
        if provider == "tmdb":
            for number in sorted(meta.seasons):   # each season's episodes and its own posters
                season = safe(res, "tmdb", tmdb.tv_season, ctx.call, tmdb_id, number, ctx.image_base, ctx.language,
                               ctx.wish.languages.image_request())
                if season is not None:
                    arts += list(season.art)
                    tmdb_seasons[number] = season
        else:
            tvdb_infos = safe(res, "tvdb", tvdb.episodes, ctx.call, tvdb_id, default=[]) or []
            tvdb_original = meta.original_language
    # each file's episodes in the show's order (episode_match.py), then their texts and metadata
    keys = _match(db, ctx, res, s, tmdb_id, tvdb_id, tmdb_seasons, tvdb_infos)
    wanted = set(keys.values())
    for number, season in tmdb_seasons.items():
        stexts, etexts = safe(res, "tmdb", texts.tmdb_season, ctx.call, tmdb_id, number, season, chain,
                               {e for n, e in wanted if n == number}, default=(season.texts, {}))
        season_texts.setdefault(number, []).append(("tmdb", stexts))
        for e in season.episodes:
            episodes.setdefault((e.season, e.episode), []).append(("tmdb", e, etexts.get(e.episode, e.texts)))
    if tvdb_infos:
        etexts = safe(res, "tvdb", texts.tvdb_episodes, ctx.call, tvdb_id, tvdb_infos, tvdb_original, chain,
                       wanted, default={}) or {}
        for e in tvdb_infos:
            episodes.setdefault((e.season, e.episode), []).append(("tvdb", e, etexts.get((e.season, e.episode), {})))
    arts += more_art(res, ctx, "series", {"tvdb": str(tvdb_id or ""), "tmdb": str(tmdb_id or "")})
    on_disk = list(Episode.select().where((Episode.series_id == series_id) & Episode.deleted_at.is_null(True)))
    # episodes we have on disk get their metadata; season art goes to the season
    order = ctx.wish.languages.images(original)
    for ep in on_disk:
        for provider, info, etexts in episodes.get(keys.get(ep.id) or (None, None), []):
            res.touched += len(md.apply(db, "episode", ep.id, texts.episode_update(
                f"provider:{provider}", info, etexts, chain)))
            store_candidates(db, "episode", ep.id, list(info.art), ctx.language, res, order)
        auto_select(db, "episode", ep.id, res=res)
    if "omdb" in ctx.configured:
        changed, touched = tv_ratings.from_omdb(db, ctx.call, functools.partial(safe, res), series_id, on_disk)
        res.changed, res.touched = res.changed + changed, res.touched + touched
    season_rows = {x.number: x for x in Season.select().where(Season.series_id == series_id)}
    for number, row in season_rows.items():   # season names and plots along the languages
        for provider, stexts in season_texts.get(number, []):
            values, origins = languages.choose(stexts, texts.PART_TEXTS, chain,
                                               {"title": languages.placeholder(number)})
            res.touched += len(md.apply(db, "season", row.id, md.Update(
                f"provider:{provider}", values, origins=origins, preference=chain)))
            row.title = Season.get_by_id(row.id).title
    for number, name in seasons.items():
        if number in season_rows and name and not season_rows[number].title:
            res.touched += len(md.apply(db, "season", season_rows[number].id,
                                        md.Update("provider:tmdb", {"title": name})))
    show_art = [a for a in arts if a.season is None]
    res.candidates = store_candidates(db, "series", series_id, show_art, ctx.language, res, order)
    for number, season_art in by_season(arts, season_rows).items():
        if season_art:
            store_candidates(db, "season", season_rows[number].id, season_art, ctx.language, res, order)
    for row in season_rows.values():
        auto_select(db, "season", row.id, res=res)
    res.selected = auto_select(db, "series", series_id, scoring.limits(ctx.fanart_count), res=res)
    finish(db, Series, series_id, s.state, res)
    return res
