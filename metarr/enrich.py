"""Enrichment: identify (by id, or by search with a confidence score), merge provider metadata by
priority with provenance and locks, store every artwork offered as a scored candidate, auto-select
the best per slot; then (a separate job) download the selected into the cache.

Providers that are unconfigured or down degrade the result; they never fail the item."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from . import metadata as md
from . import scoring, settings
from .db.database import write_tx
from .db.media import (
    Album,
    Artist,
    ArtworkSlot,
    AssetCandidate,
    CastMember,
    Episode,
    FieldState,
    Movie,
    Season,
    Series,
)
from .sources import fanart, musicbrainz, omdb, registry, tmdb, tvdb
from .sources.http import Call, NotFound, ProviderError, Unavailable
from .sources.models import Art, Metadata

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
        return fn(*args)
    except Unavailable as e:
        if needed and e.retry_after is not None:
            raise   # the job asks again once the circuit lets requests through
        res.degraded.append(f"{provider}: {e}")
    except NotFound:
        res.degraded.append(f"{provider}: not found")
    except ProviderError as e:
        if e.retryable:
            raise   # the job retries later (rate limit, 5xx, timeout)
        res.degraded.append(f"{provider}: {e}")
    return default


def _update(source: str, meta: Metadata) -> md.Update:
    return md.Update(source, {k: v for k, v in meta.scalars.items() if v not in (None, "")}, meta.lists,
                     cast=meta.cast or None, ratings=meta.ratings or None)


# ------------------------------------------------------------------ candidates and selection

CAND_FIELDS = ("slot", "season", "provider", "width", "height", "language", "votes", "vote_average", "likes",
               "score", "breakdown")


def store_candidates(db, entity_type: str, entity_id: int, arts: list[Art], user_lang: str,
                     res: EnrichResult | None = None) -> int:
    """Store the offered artwork; rows whose values did not change are not written (counted in
    `res.touched` when given)."""
    now = time.time()
    with write_tx(db):
        # the entity's candidates by URL in one read; new ones in one insert
        fields = [getattr(AssetCandidate, f) for f in CAND_FIELDS]
        existing, current = {}, {}
        for row in AssetCandidate.select(AssetCandidate.id, AssetCandidate.url, *fields).where(
                (AssetCandidate.entity_type == entity_type) & (AssetCandidate.entity_id == entity_id)).tuples():
            existing[row[1]] = row[0]
            current[row[1]] = dict(zip(CAND_FIELDS, row[2:], strict=True))
        new: dict[str, dict] = {}
        for a in arts:
            score, parts = scoring.art_score(a, a.slot, user_lang)
            values = dict(slot=a.slot, season=a.season, provider=a.provider, width=a.width, height=a.height,
                          language=a.language, votes=a.votes, vote_average=a.vote_average, likes=a.likes, score=score,
                          breakdown=parts)
            if a.url in existing:
                if not _same(current[a.url], values):
                    AssetCandidate.update(**values).where(AssetCandidate.id == existing[a.url]).execute()
                    current[a.url] = values
                    if res is not None:
                        res.touched += 1
            else:   # the last offer of a URL wins, as when each was written in turn
                new[a.url] = dict(entity_type=entity_type, entity_id=entity_id, url=a.url, created_at=now, **values)
        if new:
            AssetCandidate.insert_many(list(new.values())).execute()
            if res is not None:
                res.touched += len(new)
    return len(arts)


def _same(old: dict, new: dict) -> bool:
    def norm(v):
        return round(v, 6) if isinstance(v, float) else v
    return all(norm(old.get(k)) == norm(v) for k, v in new.items())


def slot_locked(entity_type: str, entity_id: int, slot: str) -> bool:
    locked, sources = _slot_guards(entity_type, entity_id)
    return slot in locked or sources.get(slot) in ("user", "upload")


def _slot_guards(entity_type: str, entity_id: int) -> tuple[set[str], dict[str, str]]:
    """The entity's locked art slots, and the source of each first-rank slot, in two reads."""
    locked = {f[4:] for (f,) in FieldState.select(FieldState.field).where(
        (FieldState.entity_type == entity_type) & (FieldState.entity_id == entity_id)
        & FieldState.field.startswith("art:") & (FieldState.locked == True)).tuples()}  # noqa: E712
    sources = dict(ArtworkSlot.select(ArtworkSlot.slot, ArtworkSlot.source).where(
        (ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
        & (ArtworkSlot.rank == 0)).tuples())
    return locked, sources


def auto_select(db, entity_type: str, entity_id: int, limits: dict[str, int] | None = None,
                res: EnrichResult | None = None) -> int:
    """Select the best unrejected candidate per slot, unless the slot is locked or the user chose.
    A slot that holds the user's own local artwork keeps it unless a candidate is clearly bigger."""
    limits = limits or scoring.DEFAULT_LIMITS
    cands = list(AssetCandidate.select().where((AssetCandidate.entity_type == entity_type)
                                               & (AssetCandidate.entity_id == entity_id)
                                               & (AssetCandidate.rejected == False)))  # noqa: E712
    by_slot: dict[str, list[AssetCandidate]] = {}
    for c in cands:
        by_slot.setdefault(c.slot, []).append(c)
    selected = 0
    with write_tx(db):
        locked, sources = _slot_guards(entity_type, entity_id)
        for slot, items in by_slot.items():
            if limits.get(slot, 0) <= 0 or slot in locked or sources.get(slot) in ("user", "upload"):
                continue
            if any(c.selected and c.selected_by == "user" for c in items):
                continue
            if sources.get(slot) == "local":
                continue  # the user's existing artwork stays until they pick another
            best = sorted(items, key=lambda c: (-c.score, c.id))[: limits.get(slot, 1)]
            for c in items:
                want = c in best
                if c.selected != want:
                    AssetCandidate.update(selected=want, selected_by="auto" if want else None).where(
                        AssetCandidate.id == c.id).execute()
                    if res is not None:
                        res.touched += 1
            selected += len(best)
    return selected


# ------------------------------------------------------------------ movies

@dataclass(frozen=True)
class Ctx:
    call: Call
    image_base: str
    configured: frozenset[str]
    language: str = "en"
    min_confidence: float = 0.75


def _mark(model, eid: int, **values) -> None:
    model.update(updated_at=time.time(), **values).where(model.id == eid).execute()


def _not_identified(db, model, eid: int, reason: str, candidates=None) -> None:
    """The item stays visibly unidentified (or ambiguous), with the reason the user is shown; publish
    writes nothing for it (metarr.publish.unidentified_reason)."""
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
    hits = _safe(res, "tmdb", tmdb.search_movie, ctx.call, title, m.year, ctx.language, ctx.image_base,
                 default=[], needed=True) or []
    if not hits and m.year:
        hits = _safe(res, "tmdb", tmdb.search_movie, ctx.call, title, None, ctx.language, ctx.image_base, default=[],
                     needed=True) or []
    best, cands = scoring.pick(title, m.year, hits, ctx.min_confidence)
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
    meta = _safe(res, "tmdb", tmdb.movie, ctx.call, tmdb_id, ctx.image_base, ctx.language)
    if meta is None and "tmdb: not found" in res.degraded:
        # an id from a name or an NFO that TMDB does not know: not an identification
        _not_identified(db, Movie, movie_id, "not_found")
        res.state = "unidentified"
        return res
    arts: list[Art] = []
    if meta is not None:
        upd = _update("provider:tmdb", meta)
        res.changed += md.apply(db, "movie", movie_id, upd)
        if md.repair_cast_thumbs(db, "movie", movie_id, meta.cast):
            res.changed.append("cast:thumbs")
        coll = meta.ids.get("collection")
        if coll:
            overview = _safe(res, "tmdb", tmdb.collection_overview, ctx.call, coll, ctx.language)
            if overview:
                res.changed += md.apply(db, "movie", movie_id, md.Update("provider:tmdb", {"set_overview": overview}))
        arts += list(meta.art)
    imdb_id = Movie.get_by_id(movie_id).imdb_id
    if "omdb" in ctx.configured and imdb_id:
        ratings = _safe(res, "omdb", omdb.ratings, ctx.call, imdb_id, default=[]) or []
        if ratings:
            res.changed += md.apply(db, "movie", movie_id, md.Update("provider:omdb", ratings=tuple(
                md.RatingEntry(r.source, r.value, r.votes, r.max, False) for r in ratings)))
    arts += _more_art(res, ctx, "movie", {"tmdb": str(tmdb_id), "imdb": imdb_id or ""})
    res.candidates = store_candidates(db, "movie", movie_id, arts, ctx.language, res)
    res.selected = auto_select(db, "movie", movie_id, res=res)
    _finish(db, Movie, movie_id, m.state, res)
    return res


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
            hits = _safe(res, "tmdb", tmdb.search_tv, ctx.call, s.title, ctx.language, ctx.image_base,
                 default=[], needed=True) or []
            best, cands = scoring.pick(s.title, s.year, hits, ctx.min_confidence)
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
    for provider in ("tmdb", "tvdb"):
        ident = tmdb_id if provider == "tmdb" else tvdb_id   # tvdb_id may come from TMDB's external ids
        if provider not in ctx.configured or not ident:
            continue
        if provider == "tmdb":
            meta = _safe(res, provider, tmdb.tv, ctx.call, ident, ctx.image_base, ctx.language)
        else:
            meta = _safe(res, provider, tvdb.series, ctx.call, ident)
        if meta is None:
            continue
        res.changed += md.apply(db, "series", series_id, _update(f"provider:{provider}", meta))
        if md.repair_cast_thumbs(db, "series", series_id, meta.cast):
            res.changed.append("cast:thumbs")
        tvdb_id = tvdb_id or meta.ids.get("tvdb")
        arts += list(meta.art)
        seasons = seasons or meta.seasons
        if provider == "tmdb":
            for number in sorted(meta.seasons):
                for e in _safe(res, "tmdb", tmdb.tv_season, ctx.call, tmdb_id, number, ctx.image_base, ctx.language,
                               default=[]) or []:
                    episodes.setdefault((e.season, e.episode), []).append(("tmdb", e))
        else:
            for e in _safe(res, "tvdb", tvdb.episodes, ctx.call, tvdb_id, default=[]) or []:
                episodes.setdefault((e.season, e.episode), []).append(("tvdb", e))
    arts += _more_art(res, ctx, "series", {"tvdb": str(tvdb_id or ""), "tmdb": str(tmdb_id or "")})
    # episodes we have on disk get their metadata; season art goes to the season
    for ep in list(Episode.select().where((Episode.series_id == series_id) & Episode.deleted_at.is_null(True))):
        for provider, info in episodes.get((ep.season, ep.episode), []):
            res.touched += len(md.apply(db, "episode", ep.id, md.Update(
                f"provider:{provider}", {k: v for k, v in info.scalars.items() if v not in (None, "")})))
            store_candidates(db, "episode", ep.id, list(info.art), ctx.language, res)
        auto_select(db, "episode", ep.id, res=res)
    season_rows = {x.number: x for x in Season.select().where(Season.series_id == series_id)}
    for number, name in seasons.items():
        if number in season_rows and name and not season_rows[number].title:
            res.touched += len(md.apply(db, "season", season_rows[number].id,
                                        md.Update("provider:tmdb", {"title": name})))
    show_art = [a for a in arts if a.season is None]
    res.candidates = store_candidates(db, "series", series_id, show_art, ctx.language, res)
    for a in (a for a in arts if a.season is not None):
        if a.season in season_rows:
            store_candidates(db, "season", season_rows[a.season].id, [a], ctx.language, res)
    for row in season_rows.values():
        auto_select(db, "season", row.id, res=res)
    res.selected = auto_select(db, "series", series_id, res=res)
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
        rg = al.musicbrainz_id or next((k for k, t in groups.items()
                                        if scoring.norm_title(t) == scoring.norm_title(al.title)), None)
        if not rg:
            hits = _safe(res, "musicbrainz", musicbrainz.search_release_group, ctx.call, a.name, al.title, default=[]) or []
            best, _ = scoring.pick(al.title, al.year, hits, threshold=0.8)
            rg = best.id if best else None
        if not rg:
            continue
        rmeta = _safe(res, "musicbrainz", musicbrainz.release_group, ctx.call, rg)
        before = res.touched
        if rmeta is not None:
            res.touched += len(md.apply(db, "album", al.id, _update("provider:musicbrainz", rmeta)))
        covers = _safe(res, "coverart", musicbrainz.cover_art, ctx.call, rg, default=[]) or []
        store_candidates(db, "album", al.id, covers + album_art.get(rg, []), ctx.language, res)
        auto_select(db, "album", al.id, res=res)
        if res.touched > before or al.state not in ("enriched", "published"):
            with write_tx(db):
                _mark(Album, al.id, state="enriched", enriched_at=time.time())
    _finish(db, Artist, artist_id, a.state, res)
    return res


ENRICHERS = {"movie": enrich_movie, "series": enrich_series, "artist": enrich_artist}


def make_ctx(db, call: Call, config, configured: set[str], language: str | None = None) -> Ctx:
    return Ctx(call=call, image_base=config.provider_urls["tmdb_image"], configured=frozenset(configured),
               language=language or settings.get(db, "enrich.language"),
               min_confidence=float(settings.get(db, "enrich.min_confidence")))


# ------------------------------------------------------------------ cache the selected artwork

def children(entity_type: str, entity_id: int) -> list[tuple[str, int]]:
    out = [(entity_type, entity_id)]
    if entity_type == "series":
        out += [("season", s.id) for s in Season.select(Season.id).where(Season.series_id == entity_id)]
        out += [("episode", e.id) for e in Episode.select(Episode.id).where(Episode.series_id == entity_id)]
    elif entity_type == "artist":
        out += [("album", al.id) for al in Album.select(Album.id).where(Album.artist_id == entity_id)]
    return out


def cache_selected(db, fetch, entity_type: str, entity_id: int, with_actors: bool = True) -> dict[str, Any]:
    """Download every selected candidate (and cast images) into the cache and point the slots at
    them. `fetch(url, kind)` returns the CacheFile row (the AssetCache actor, which paces and retries).
    A permanent refusal (404/410, not an image, too large, blocked) rejects the candidate with its
    reason and the slot's next best is selected and fetched. A transient failure (429, 5xx, timeout)
    rejects nothing: the selection stays, the slot keeps what it had, and `retry` tells the job to
    try again later, so a busy host never makes a worse image win."""
    from .assets.errors import AssetError, is_transient, reason_code
    from .assets.images import is_near_duplicate
    done, failed, retry = 0, [], []

    def mark(c, **values):
        with write_tx(db):
            AssetCandidate.update(**values).where(AssetCandidate.id == c.id).execute()

    for et, eid in children(entity_type, entity_id):
        chosen: list[str] = []
        tried: set[int] = set()
        while True:
            # materialised: a lazily read cursor would pin an old snapshot and make our writes fail with BUSY
            pending = [c for c in AssetCandidate.select().where(
                (AssetCandidate.entity_type == et) & (AssetCandidate.entity_id == eid)
                & (AssetCandidate.selected == True)).order_by(AssetCandidate.slot, AssetCandidate.score.desc())  # noqa: E712
                if c.id not in tried and not (slot_locked(et, eid, c.slot) and c.selected_by != "user")]
            if not pending:
                break
            refused = False
            for c in pending:
                tried.add(c.id)
                try:
                    cf = fetch(c.url, "assets")
                except AssetError as e:
                    code = reason_code(e)
                    if is_transient(e):
                        retry.append({"url": c.url, "reason": code, "retry_after": getattr(e, "retry_after", None)})
                        mark(c, status_reason=f"retrying:{code}")
                    else:
                        failed.append({"url": c.url, "reason": code})
                        mark(c, rejected=True, selected=False, status_reason=code)
                        refused = True
                    continue
                if any(is_near_duplicate(cf.phash, p) for p in chosen if cf.phash and p):
                    log.info("near-duplicate of an already selected image skipped: %s", c.url)
                chosen.append(cf.phash or "")
                _fill_slot(db, et, eid, c, cf)
                done += 1
            if not refused:
                break
            auto_select(db, et, eid)   # the next best of a slot whose choice was refused for good
        if with_actors and et in ("movie", "series"):
            for cm in list(CastMember.select().where((CastMember.entity_type == et) & (CastMember.entity_id == eid)
                                                     & CastMember.thumb_url.is_null(False)
                                                     & CastMember.cache_file_id.is_null(True))):
                if not cm.thumb_url.startswith("http"):
                    continue
                try:
                    cf = fetch(cm.thumb_url, "actors")
                except AssetError as e:
                    (retry if is_transient(e) else failed).append({"url": cm.thumb_url, "reason": reason_code(e)})
                    continue
                with write_tx(db):
                    CastMember.update(cache_file_id=cf.id).where(CastMember.id == cm.id).execute()
                done += 1
    return {"cached": done, "failed": failed, "retry": retry}


def _fill_slot(db, et: str, eid: int, c: AssetCandidate, cf) -> None:
    with write_tx(db):
        AssetCandidate.update(cache_file_id=cf.id, status_reason=None).where(AssetCandidate.id == c.id).execute()
        have = ArtworkSlot.get_or_none((ArtworkSlot.entity_type == et) & (ArtworkSlot.entity_id == eid)
                                       & (ArtworkSlot.slot == c.slot) & (ArtworkSlot.rank == 0))
        source = "user" if c.selected_by == "user" else f"provider:{c.provider}"
        if have is None:
            ArtworkSlot.create(entity_type=et, entity_id=eid, slot=c.slot, season=None, rank=0,
                               cache_file_id=cf.id, source=source, candidate_id=c.id, updated_at=time.time())
        elif have.cache_file_id != cf.id or have.source != source:
            ArtworkSlot.update(cache_file_id=cf.id, source=source, candidate_id=c.id,
                               updated_at=time.time()).where(ArtworkSlot.id == have.id).execute()
        md.set_state(et, eid, f"art:{c.slot}", source, locked=True if source == "user" else None)
