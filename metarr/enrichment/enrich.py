"""Enrichment: identify (by id, or by search with a confidence score), merge provider metadata by
priority with provenance and locks, store every artwork offered as a scored candidate, auto-select
the best per slot; then (a separate job) download the selected into the cache.

Providers that are unconfigured or down degrade the result; they never fail the item."""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import Album, Artist, Episode, Movie, Season, Series
from metarr.enrichment import languages, scoring, texts, tv_ratings
from metarr.enrichment.artwork_selection import auto_select, store_candidates
from metarr.enrichment.collection_link import link_movie
from metarr.enrichment.season_art import by_season
from metarr.service import settings
from metarr.sources import fanart, musicbrainz, omdb, registry, tmdb, tvdb
from metarr.sources.http import Call, NotFound, ProviderError, Unavailable
from metarr.sources.models import Art, Metadata

log = logging.getLogger(__name__)


@dataclass
class EnrichResult:
    entity_type: str
    entity_id: int
    state: str
    changed: list[str] = field(default_factory=list)
    candidates: int = 0
    selected: int = 0
    degraded: list[str] = field(default_factory=list)   # providers that failed or are unconfigured
    touched: int = 0   # rows written besides `changed` (candidates, selections, children, state)
    missing: list[str] = field(default_factory=list)    # providers gone without: their circuit was open
    answered: list[str] = field(default_factory=list)   # providers that gave an answer (or none to give)
    collection: dict | None = None   # a movie's collection link (collection_link.Link as JSON)

    @property
    def modified(self) -> bool:
        """Whether the enrichment changed anything at all (a refresh that did not is not published)."""
        return bool(self.changed) or self.touched > 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


class Ambiguous(Exception):
    pass


def _safe(res: EnrichResult, provider: str, fn, *args, default=None, needed: bool = False):
    """Run one provider step; a provider problem is noted and the rest goes on. A `needed` step
    (identification) does not go on without an answer from a provider whose circuit is open:
    no answer is not "no match", and the item would be left unidentified for good."""
    try:
        out = fn(*args)
        if provider not in res.answered:
            res.answered.append(provider)
        return out
    except Unavailable as e:
        if needed and e.retry_after is not None:
            raise   # the job asks again once the circuit lets requests through
        res.degraded.append(f"{provider}: {e}")
        if e.retry_after is not None and provider not in res.missing:
            res.missing.append(provider)   # not "nothing there": filled in once it answers again
    except NotFound:
        if provider not in res.answered:
            res.answered.append(provider)
        res.degraded.append(f"{provider}: not found")
    except ProviderError as e:
        if e.retryable:
            raise   # the job retries later (rate limit, 5xx, timeout)
        res.degraded.append(f"{provider}: {e}")
    return default


def _update(source: str, meta: Metadata) -> md.Update:
    return md.Update(source, {k: v for k, v in meta.scalars.items() if v not in (None, "")}, meta.lists,
                     cast=meta.cast or None, ratings=meta.ratings or None)


# ------------------------------------------------------------------ movies

@dataclass(frozen=True)
class Ctx:
    call: Call
    image_base: str
    configured: frozenset[str]
    language: str = "en"
    min_confidence: float = 0.75
    wish: texts.Wish = texts.Wish()   # the library's languages and certification country
    fanart_count: int = 1          # backdrops chosen for movies and shows (publish.fanart_count)


def _mark(model, eid: int, **values) -> None:
    model.update(updated_at=time.time(), **values).where(model.id == eid).execute()


def _not_identified(db, model, eid: int, reason: str, candidates=None) -> None:
    """The item stays visibly unidentified (or ambiguous), with the reason the user is shown; publish
    writes nothing for it (metarr.publishing.desired.unidentified_reason)."""
    with write_tx(db):
        _mark(model, eid, state="ambiguous" if reason == "ambiguous" else "unidentified", identify_reason=reason,
              candidates=candidates)


def no_match_reason(candidates) -> str:
    return "ambiguous" if candidates else "no_match"


def _finish(db, model, eid: int, prior_state: str, res: EnrichResult) -> None:
    """Mark the item enriched, unless it already was and nothing changed: a refresh that found
    nothing new writes nothing (the row keeps its timestamps and its published state)."""
    if prior_state in ("enriched", "published") and not res.modified:
        res.state = prior_state
        return
    with write_tx(db):
        _mark(model, eid, state="enriched", enriched_at=time.time(), candidates=None, identify_reason=None)
    res.state = "enriched"
    res.touched += 1


def identify_movie(db, ctx: Ctx, m: Movie, res: EnrichResult) -> int | None:
    if m.tmdb_id:
        return m.tmdb_id
    if m.imdb_id:
        found = _safe(res, "tmdb", tmdb.find, ctx.call, m.imdb_id, "imdb_id", default={}, needed=True) or {}
        hits = found.get("movie_results") or []
        if hits:
            return int(hits[0]["id"])
    title = m.title or (m.parsed or {}).get("title") or ""

    def search(language):
        hits = _safe(res, "tmdb", tmdb.search_movie, ctx.call, title, m.year, language, ctx.image_base,
                     default=[], needed=True) or []
        if not hits and m.year:
            hits = _safe(res, "tmdb", tmdb.search_movie, ctx.call, title, None, language, ctx.image_base,
                         default=[], needed=True) or []
        return hits
    best, cands = _pick_along(ctx, search, title, m.year)
    if best is None:
        _not_identified(db, Movie, m.id, no_match_reason(cands), cands)
        raise Ambiguous(f"{len(cands)} candidate(s) for {title!r}")
    return int(best.id)


def enrich_movie(db, ctx: Ctx, movie_id: int) -> EnrichResult:
    m = Movie.get_by_id(movie_id)
    res = EnrichResult("movie", movie_id, m.state)
    if "tmdb" not in ctx.configured:
        res.degraded.append("tmdb: not configured")
        if not (m.tmdb_id or m.imdb_id):
            _not_identified(db, Movie, movie_id, "no_key:tmdb")
            res.state = "unidentified"
        return res
    try:
        tmdb_id = identify_movie(db, ctx, m, res)
    except Ambiguous:
        res.state = Movie.get_by_id(movie_id).state
        return res
    if tmdb_id is None:
        return res
    meta = _safe(res, "tmdb", tmdb.movie, ctx.call, tmdb_id, ctx.image_base, ctx.language,
                 ctx.wish.languages.image_request())
    if meta is None and "tmdb: not found" in res.degraded:
        # an id from a name or an NFO that TMDB does not know: not an identification
        _not_identified(db, Movie, movie_id, "not_found")
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
            ctexts = _safe(res, "tmdb", tmdb.collection_texts, ctx.call, coll, ctx.language, default={}) or {}
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
        ratings = _safe(res, "omdb", omdb.ratings, ctx.call, imdb_id, default=[]) or []
        if ratings:
            res.changed += md.apply(db, "movie", movie_id, md.Update("provider:omdb", ratings=tuple(
                md.RatingEntry(r.source, r.value, r.votes, r.max, False) for r in ratings)))
    arts += _more_art(res, ctx, "movie", {"tmdb": str(tmdb_id), "imdb": imdb_id or ""})
    order = ctx.wish.languages.images(meta.original_language if meta else None)
    res.candidates = store_candidates(db, "movie", movie_id, arts, ctx.language, res, order)
    res.selected = auto_select(db, "movie", movie_id, scoring.limits(ctx.fanart_count), res=res)
    _finish(db, Movie, movie_id, m.state, res)
    return res


def _pick_along(ctx: Ctx, search, title: str, year: int | None):
    """Search in the library's language, then (only while no hit is sure) in its fallbacks: a
    search answers titles in the language asked, and a folder named in English ("Nosferatu") is
    not like the German title of its film. The candidates of the first language otherwise."""
    first = None
    for language in ctx.wish.languages.chain() or (ctx.language,):
        best, cands = scoring.pick(title, year, search(language), ctx.min_confidence)
        if best is not None:
            return best, cands
        first = cands if first is None else first
    return None, first or []


def _more_art(res: EnrichResult, ctx: Ctx, kind: str, ids: dict[str, str]) -> list:
    """Candidates from the artwork-only sources declared for this kind (sources/registry.py)."""
    ids = {k: v for k, v in ids.items() if v and v != "None"}
    out: list = []
    for name, fetch in registry.art_fetchers(kind):
        if name in ctx.configured:
            out += _safe(res, name, fetch, ctx.call, ids, default=[]) or []
    return out


# ------------------------------------------------------------------ TV

def identify_series(db, ctx: Ctx, s: Series, res: EnrichResult) -> tuple[int | None, int | None]:
    tvdb_id, tmdb_id = s.tvdb_id, s.tmdb_id
    if tmdb_id is None and "tmdb" in ctx.configured:
        if tvdb_id or s.imdb_id:
            found = _safe(res, "tmdb", tmdb.find, ctx.call, str(tvdb_id or s.imdb_id),
                          "tvdb_id" if tvdb_id else "imdb_id", default={}, needed=True) or {}
            hits = found.get("tv_results") or []
            tmdb_id = int(hits[0]["id"]) if hits else None
        else:
            best, cands = _pick_along(ctx, lambda lang: _safe(
                res, "tmdb", tmdb.search_tv, ctx.call, s.title, lang, ctx.image_base, default=[], needed=True) or [],
                s.title, s.year)
            if best is None and not tvdb_id:
                _not_identified(db, Series, s.id, no_match_reason(cands), cands)
                raise Ambiguous(s.title)
            tmdb_id = int(best.id) if best else None
    if tvdb_id is None and "tvdb" in ctx.configured and tmdb_id is None:
        hits = _safe(res, "tvdb", tvdb.search, ctx.call, s.title, default=[], needed=True) or []
        best, cands = scoring.pick(s.title, s.year, hits, ctx.min_confidence)
        if best is None:
            _not_identified(db, Series, s.id, no_match_reason(cands), cands)
            raise Ambiguous(s.title)
        tvdb_id = int(best.id)
    return tmdb_id, tvdb_id


def enrich_series(db, ctx: Ctx, series_id: int) -> EnrichResult:
    s = Series.get_by_id(series_id)
    res = EnrichResult("series", series_id, s.state)
    if not ({"tmdb", "tvdb"} & ctx.configured):
        res.degraded.append("tmdb/tvdb: not configured")
        if not (s.tmdb_id or s.tvdb_id or s.imdb_id):
            _not_identified(db, Series, series_id, "no_key:tmdb")
            res.state = "unidentified"
        return res
    try:
        tmdb_id, tvdb_id = identify_series(db, ctx, s, res)
    except Ambiguous:
        res.state = Series.get_by_id(series_id).state
        return res
    arts: list[Art] = []
    episodes: dict[tuple[int, int], list] = {}
    seasons: dict[int, str] = {}
    season_texts: dict[int, list] = {}   # number -> [(provider, texts by language)]
    on_disk = list(Episode.select().where((Episode.series_id == series_id) & Episode.deleted_at.is_null(True)))
    wanted = {(e.season, e.episode) for e in on_disk}
    chain, original = ctx.wish.languages.chain(), None
    for provider in ("tmdb", "tvdb"):
        ident = tmdb_id if provider == "tmdb" else tvdb_id   # tvdb_id may come from TMDB's external ids
        if provider not in ctx.configured or not ident:
            continue
        if provider == "tmdb":
            meta = _safe(res, provider, tmdb.tv, ctx.call, ident, ctx.image_base, ctx.language,
                         ctx.wish.languages.image_request())
        else:
            meta = _safe(res, provider, tvdb.series, ctx.call, ident, chain)
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
                season = _safe(res, "tmdb", tmdb.tv_season, ctx.call, tmdb_id, number, ctx.image_base, ctx.language,
                               ctx.wish.languages.image_request())
                if season is None:
                    continue
                arts += list(season.art)
                stexts, etexts = _safe(res, "tmdb", texts.tmdb_season, ctx.call, tmdb_id, number, season, chain,
                                       {e for n, e in wanted if n == number}, default=(season.texts, {}))
                season_texts.setdefault(number, []).append(("tmdb", stexts))
                for e in season.episodes:
                    episodes.setdefault((e.season, e.episode), []).append(("tmdb", e, etexts.get(e.episode, e.texts)))
        else:
            infos = _safe(res, "tvdb", tvdb.episodes, ctx.call, tvdb_id, default=[]) or []
            etexts = _safe(res, "tvdb", texts.tvdb_episodes, ctx.call, tvdb_id, infos, meta.original_language, chain,
                           wanted, default={}) or {}
            for e in infos:
                episodes.setdefault((e.season, e.episode), []).append(("tvdb", e, etexts.get((e.season, e.episode), {})))
    arts += _more_art(res, ctx, "series", {"tvdb": str(tvdb_id or ""), "tmdb": str(tmdb_id or "")})
    # episodes we have on disk get their metadata; season art goes to the season
    order = ctx.wish.languages.images(original)
    for ep in on_disk:
        for provider, info, etexts in episodes.get((ep.season, ep.episode), []):
            res.touched += len(md.apply(db, "episode", ep.id, texts.episode_update(
                f"provider:{provider}", info, etexts, chain)))
            store_candidates(db, "episode", ep.id, list(info.art), ctx.language, res, order)
        auto_select(db, "episode", ep.id, res=res)
    if "omdb" in ctx.configured:
        changed, touched = tv_ratings.from_omdb(db, ctx.call, functools.partial(_safe, res), series_id, on_disk)
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
    _finish(db, Series, series_id, s.state, res)
    return res


# ------------------------------------------------------------------ music

def enrich_artist(db, ctx: Ctx, artist_id: int) -> EnrichResult:
    a = Artist.get_by_id(artist_id)
    res = EnrichResult("artist", artist_id, a.state)
    mbid = a.musicbrainz_id
    if not mbid:
        hits = _safe(res, "musicbrainz", musicbrainz.search_artist, ctx.call, a.name, default=[], needed=True) or []
        best, cands = scoring.pick(a.name, None, [h for h in hits], threshold=0.8)
        if best is None:
            _not_identified(db, Artist, artist_id, no_match_reason(cands), cands)
            res.state = Artist.get_by_id(artist_id).state
            return res
        mbid = best.id
    meta = _safe(res, "musicbrainz", musicbrainz.artist, ctx.call, mbid)
    album_art: dict[str, list[Art]] = {}
    arts: list[Art] = []
    if meta is not None:
        res.changed += md.apply(db, "artist", artist_id, _update("provider:musicbrainz", meta))
    if "fanart" in ctx.configured:
        got = _safe(res, "fanart", fanart.music_art, ctx.call, mbid, default=([], {})) or ([], {})
        arts, album_art = list(got[0]), got[1]
    res.candidates = store_candidates(db, "artist", artist_id, arts, ctx.language, res)
    res.selected = auto_select(db, "artist", artist_id, res=res)
    groups = (meta.ids.get("release_groups") if meta else None) or {}
    for al in list(Album.select().where((Album.artist_id == artist_id) & Album.deleted_at.is_null(True))):
        _enrich_album(db, ctx, res, a, al, groups, album_art)
    _finish(db, Artist, artist_id, a.state, res)
    return res


def _enrich_album(db, ctx: Ctx, res: EnrichResult, a: Artist, al: Album, groups: dict[str, str],
                  album_art: dict[str, list[Art]]) -> str | None:
    """One album of `a`: its release group (stored, matched in the artist's list by title, or
    searched), metadata, cover art and Fanart.tv's covers for it. The album's state afterwards, or
    None when no release group was found (the album is left as it was)."""
    rg = al.musicbrainz_id or next((k for k, t in groups.items()
                                    if scoring.norm_title(t) == scoring.norm_title(al.title)), None)
    if not rg:
        hits = _safe(res, "musicbrainz", musicbrainz.search_release_group, ctx.call, a.name, al.title, default=[]) or []
        best, _ = scoring.pick(al.title, al.year, hits, threshold=0.8)
        rg = best.id if best else None
    if not rg:
        return None
    rmeta = _safe(res, "musicbrainz", musicbrainz.release_group, ctx.call, rg)
    before = res.touched
    if rmeta is not None:
        res.touched += len(md.apply(db, "album", al.id, _update("provider:musicbrainz", rmeta)))
    covers = _safe(res, "coverart", musicbrainz.cover_art, ctx.call, rg, default=[]) or []
    store_candidates(db, "album", al.id, covers + album_art.get(rg, []), ctx.language, res)
    auto_select(db, "album", al.id, res=res)
    if res.touched > before or al.state not in ("enriched", "published"):
        with write_tx(db):
            _mark(Album, al.id, state="enriched", enriched_at=time.time(), identify_reason=None)
        return "enriched"
    return al.state


def enrich_album(db, ctx: Ctx, album_id: int) -> EnrichResult:
    """One album on its own (the user's "enrich" on an album): what the artist's enrichment does
    for it, without the artist's other albums. Fanart.tv's covers and the artist's list of release
    groups need the artist's MusicBrainz id; without it the release group is searched."""
    al = Album.get_by_id(album_id)
    a = Artist.get_by_id(al.artist_id)
    res = EnrichResult("album", album_id, al.state)
    groups: dict[str, str] = {}
    album_art: dict[str, list[Art]] = {}
    if a.musicbrainz_id:
        if not al.musicbrainz_id:
            meta = _safe(res, "musicbrainz", musicbrainz.artist, ctx.call, a.musicbrainz_id)
            groups = (meta.ids.get("release_groups") if meta else None) or {}
        if "fanart" in ctx.configured:
            album_art = (_safe(res, "fanart", fanart.music_art, ctx.call, a.musicbrainz_id, default=([], {}))
                         or ([], {}))[1]
    state = _enrich_album(db, ctx, res, a, al, groups, album_art)
    if state is None:   # no release group: shown with the reason, as an unidentified movie is
        _not_identified(db, Album, album_id, "provider_down" if res.degraded else "no_match")
        state = "unidentified"
    res.state = state
    return res


ENRICHERS = {"movie": enrich_movie, "series": enrich_series, "artist": enrich_artist, "album": enrich_album}


def make_ctx(db, call: Call, config, configured: set[str], language: str | None = None, library=None) -> Ctx:
    """`library`: the item's library row, whose language, fallbacks and certification country the
    texts and the certification follow."""
    language = (library.language if library is not None else None) or language or settings.get(db, "enrich.language")
    fallbacks = tuple(library.fallback_languages if library is not None and library.fallback_languages is not None
                      else ("en",))
    country = (library.certification_country if library is not None else None) or \
        settings.get(db, "enrich.certification_country")
    wish = texts.Wish(languages.Languages(language, fallbacks, tuple(settings.get(db, "enrich.image_languages"))),
                      country, settings.get(db, "enrich.certification_fallback") or None,
                      settings.get(db, "enrich.certification_style"))
    return Ctx(call=call, image_base=config.provider_urls["tmdb_image"], configured=frozenset(configured),
               language=language, min_confidence=float(settings.get(db, "enrich.min_confidence")), wish=wish,
               fanart_count=int(settings.get(db, "publish.fanart_count")))
