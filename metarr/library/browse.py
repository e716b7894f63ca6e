"""Read models for the API: lists with paging/search/filters, and entity details."""
from __future__ import annotations

from typing import Any

from metarr import metadata as md
from metarr.db import prepared
from metarr.db.database import is_sqlite
from metarr.db.media import (
    Album,
    ArtworkSlot,
    CacheFile,
    Episode,
    MediaFile,
    Season,
)
from metarr.library import detail_query, list_count, list_page, list_search, list_small
from metarr.library import filters as item_filters
from metarr.service.timefmt import iso

# the sorts of each list (their expressions and indexes: metarr/library/list_page.py, migration 0031)
SORTS = list_page.SORT_COLUMNS


BadQuery = list_page.BadQuery   # an unknown sort, a bad cursor: the API's 400


def _filtered(model, kind: str, q: str | None, filters: dict[str, Any]):
    query = model.select().where(model.deleted_at.is_null(True) if not filters.get("deleted") else
                                 model.deleted_at.is_null(False))
    if q:
        query = query.where(list_search.condition(model, kind, q))
    return item_filters.where(query, model, kind, filters)


def _poster_map(kind: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    slots = GRID_SLOTS.get(kind, ("poster",))

    def query(t, *page_ids):
        return (ArtworkSlot.select(ArtworkSlot.entity_id, ArtworkSlot.slot, CacheFile.sha256)
                .join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
                .where((ArtworkSlot.entity_type == t) & (ArtworkSlot.entity_id.in_(page_ids))
                       & (ArtworkSlot.slot.in_(slots)) & (ArtworkSlot.rank == 0)).tuples())
    # one query for the page; its text is built once per kind and page size (a full page, a detail)
    rows = prepared.select(f"posters:{kind}:{len(ids)}", query, kind, *ids) if len(ids) in (1, 48, 50) \
        else query(kind, *ids)
    out: dict[int, str] = {}
    for eid, _slot, sha in sorted(rows, key=lambda r: slots.index(r[1])):
        out.setdefault(eid, sha)   # the first slot in GRID_SLOTS order wins (artists: thumb, then poster)
    return out


# the picture a grid shows, first choice first
GRID_SLOTS = {"episode": ("thumb",), "artist": ("thumb", "poster"), "album": ("thumb", "poster")}


def list_entities(kind: str, *, limit: int, offset: int, q: str | None = None, sort: str | None = None,
                  after: str | None = None, **filters: Any) -> list_page.ListPage:
    """A page of a list (unpacks as `(rows, total)`): by `offset`, or after a cursor (`after`, a
    `next_cursor` of an earlier page; metarr/library/list_page.py); the total exact up to a limit,
    estimated above it (metarr/library/list_count.py)."""
    model = md.ENTITY_MODELS[kind]
    query = _filtered(model, kind, q, filters)
    known = None   # (total, estimated) when found before the page
    poster_sql = asked = lst = None
    if not is_sqlite(model._meta.database):
        # PostgreSQL: each round trip counts; the posters come with the page's rows
        poster_sql = detail_query.poster_sql(kind, "p.id")
        lst = list_count.listed(model._meta.database, query)
        guess = list_count.last_plan(lst)
        if guess is not None and guess.path(bool(q)) != "small":
            page = _pg_page(kind, query, lst, guess, q=q, filters=filters, sort=sort, limit=limit, offset=offset,
                            after=after, poster_sql=poster_sql)
            if page is not None:
                return page
        small, known, asked = _small_list(kind, query, sort=sort, limit=limit, offset=offset, after=after,
                                          poster_sql=poster_sql, searched=bool(q))
        if small is not None:
            rows, cursor, total = small
            return list_page.ListPage([summary(kind, r, r._poster) for r in rows], total, False, cursor)
    # PostgreSQL, a list the planner expects a little above the count's limit: the bounded count
    # goes with the page, in its statement (one round trip, not two)
    count = [lst.bounded_count(asked[0])] if asked is not None and known is None else []
    rows, cursor, counted = list_page.fetch_with(kind, query, sort=sort, limit=limit, offset=offset, after=after,
                                                 poster_sql=poster_sql, extra=count)
    if not after and cursor is None and (rows or not offset):
        total, estimated = offset + len(rows), False   # the last page by offset: its end is the count
    elif known is not None:
        total, estimated = known
    elif counted is not None:
        total, estimated = list_count.of_count(counted[0], *asked)
    else:
        total, estimated = list_count.total(kind, query, q, filters, reuse_estimate=bool(after), asked=asked)
    posters = {r.id: r._poster for r in rows} if poster_sql else _poster_map(kind, [r.id for r in rows])
    return list_page.ListPage([summary(kind, r, posters.get(r.id)) for r in rows], total, estimated, cursor)


def _pg_page(kind: str, query, lst: list_count.Listed, guess: list_count.Plan, *, q, filters: dict, sort,
             limit: int, offset: int, after: str | None, poster_sql: str) -> list_page.ListPage | None:
    """PostgreSQL, a list whose last plan (`guess`) read its page the usual way: the page, the plan
    read anew, and the bounded count the guess calls for, in one statement. None when the plan read
    now calls for the one-scan path, or the page is empty (its statement then told nothing): the
    list is read as if there were no guess."""
    db = md.ENTITY_MODELS[kind]._meta.database
    searched = bool(q)
    columns = list_count.plan_columns(db, lst, reuse=bool(after))
    count = [lst.bounded_count(guess.cap)] if guess.path(searched) == "count" else []
    rows, cursor, values = list_page.fetch_with(kind, query, sort=sort, limit=limit, offset=offset, after=after,
                                                poster_sql=poster_sql, extra=columns + count)
    if values is None:
        return None
    plan = list_count.plan_of(lst, columns, values)
    path = plan.path(searched)
    if path == "small":
        return None   # the planner expects few rows now: counted exactly, from one scan
    if not after and cursor is None:
        total, estimated = offset + len(rows), False   # the last page by offset: its end is the count
    elif path == "estimate":
        total, estimated = plan.est, True
    elif count and plan.cap == guess.cap:
        total, estimated = list_count.of_count(values[2], plan.cap, plan.est)
    else:   # the limit changed since the guess: counted up to the new one
        total, estimated = list_count.total(kind, query, q, filters, asked=(plan.cap, plan.est))
    return list_page.ListPage([summary(kind, r, r._poster) for r in rows], total, estimated, cursor)


def _small_list(kind: str, query, *, sort, limit: int, offset: int, after: str | None, poster_sql: str,
                searched: bool = False):
    """PostgreSQL: a list the planner expects to be short, counted exactly anyway: ((rows, next
    cursor, exact total) from one scan (metarr/library/list_small.py), None, …); for any other list
    (None, its (total, estimated) or None when it is to be counted, (cap, estimate)), the page to be
    read as usual. `searched`: the list has a `q`."""
    db = md.ENTITY_MODELS[kind]._meta.database
    cap, est = list_count.pg_plan(db, query, reuse=bool(after))
    if est > list_count.PG_TRUST * cap:
        return None, (est, True), (cap, est)   # list_count.total's answer, known already
    if est > cap and not searched:   # likely more rows than the cap: reading them all in the CTE would be wasted
        return None, None, (cap, est)
    # a search expected to have up to PG_TRUST times the cap is tried here too: the trigram estimate
    # of a few words is often ten times off ("golden city": 1,470 expected, 132 found), and its page
    # read the usual way walks the sort's index through a third of the table (60-130 ms at 166,667
    # movies) where the trigram scan of this one statement takes 4-6 ms; more rows than the cap
    # after all cost that scan, bounded by the cap
    got = list_small.page_and_count(kind, query, sort=sort, limit=limit, offset=offset, after=after, cap=cap,
                                    poster_sql=poster_sql)
    # more rows than the cap after all: the total is estimated as list_count.total would
    return (got, None, (cap, est)) if got is not None else (None, (max(cap + 1, est), True), (cap, est))


def summary(kind: str, r, poster_sha: str | None = None) -> dict:
    # a list reads only the columns of list_page.SUMMARY_FIELDS: a field read here is named there too
    base = {"id": r.id, "state": r.state, "library_id": r.library_id,
            "poster": f"/api/v1/assets/{poster_sha}" if poster_sha else None}
    if kind in ("movie", "series", "artist"):
        base["identify_reason"] = r.identify_reason if r.state in ("unidentified", "ambiguous") else None
    if kind == "movie":
        base.update(title=r.title, year=r.year, tmdb_id=r.tmdb_id, imdb_id=r.imdb_id, tvdb_id=r.tvdb_id)
    elif kind == "series":
        base.update(title=r.title, year=r.year, tmdb_id=r.tmdb_id, imdb_id=r.imdb_id, tvdb_id=r.tvdb_id,
                    status=r.status)
    elif kind == "artist":
        base.update(name=r.name, title=r.name, musicbrainz_id=r.musicbrainz_id)
    elif kind == "album":
        base.update(title=r.title, year=r.year, artist_id=r.artist_id, musicbrainz_id=r.musicbrainz_id)
    return base


def files_of(kind: str, entity_id: int) -> list[dict]:
    rows = prepared.select("files_of", lambda t, i: MediaFile.select().where(
        (MediaFile.entity_type == t) & (MediaFile.entity_id == i) & MediaFile.deleted_at.is_null(True))
        .order_by(MediaFile.path), kind, entity_id)
    return [file_json(f) for f in rows]


def file_json(f: MediaFile) -> dict:
    return {"id": f.id, "path": f.path, "kind": f.kind, "role": f.role, "size": f.size,
            "streams": f.streams, "probe_error": f.probe_error}


def assets_of(kind: str, entity_id: int) -> dict[str, Any]:
    rows = prepared.select("assets_of", lambda t, i: ArtworkSlot.select(ArtworkSlot, CacheFile)
                           .join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
                           .where((ArtworkSlot.entity_type == t) & (ArtworkSlot.entity_id == i))
                           .order_by(ArtworkSlot.slot, ArtworkSlot.season, ArtworkSlot.rank), kind, entity_id)
    return _assets_json([(s, s.cachefile) for s in rows])


def _assets_json(rows: list) -> dict[str, Any]:
    """(slot row, cache file row) pairs, in (slot, season, rank) order, as the page's `assets`."""
    out: dict[str, Any] = {}
    for s, cf in rows:
        key = s.slot if s.season is None else f"{s.slot}:{s.season}"
        item = {"sha256": cf.sha256, "url": f"/api/v1/assets/{cf.sha256}", "width": cf.width, "height": cf.height,
                "source": s.source, "rank": s.rank, "season": s.season}
        out.setdefault(key, []).append(item)
    # the main artwork per slot as an object; further ranks (extra fanart) under `<slot>_all`
    return {k: v[0] for k, v in out.items()} | {f"{k}_all": v for k, v in out.items() if len(v) > 1}


def detail(kind: str, entity_id: int) -> dict | None:
    # the row and all its parts in one statement (metarr/library/detail_query.py)
    loaded = detail_query.load(kind, entity_id)
    if loaded is None:
        return None
    r, parts = loaded.row, loaded.parts
    d = summary(kind, r, loaded.poster_sha)
    for name in md.SCALARS[kind]:
        d[name] = getattr(r, name)
    lists: dict[str, list[str]] = {}
    for x in parts["lists"]:
        lists.setdefault(x.name, []).append(x.value)
    for name in md.LISTS[kind]:
        d[name] = lists.get(name, [])
    d["cast"] = [_cast_member(c, c.sha256) for c in parts["cast"]] if kind in md.HAS_CAST else []
    d["ratings"] = [{"source": x.source, "value": x.value, "votes": x.votes, "max": x.max, "default": x.is_default}
                    for x in parts["ratings"]]
    d["locks"] = {}
    for s in parts["states"]:
        d["locks"][s.field] = md.lock_json(s.source, s.locked, s.origin)
    d["assets"] = _assets_json([(s, s) for s in parts["assets"]])
    d["files"] = [file_json(f) for f in parts["files"]]
    d.update(date_added=iso(r.date_added), updated_at=iso(r.updated_at), deleted_at=iso(r.deleted_at),
             enriched_at=iso(r.enriched_at), published_at=iso(r.published_at))
    # artwork candidates, as GET …/candidates lists them; identification candidates apart
    d["candidates"] = [candidate_json(c) for c in parts["candidates"]]
    if kind in ("movie", "series", "artist"):
        d["identify_candidates"] = r.candidates or []
    if kind == "movie":   # the collection (movie set) it belongs to
        c = parts["collection"][0] if parts["collection"] else None
        d["collection"] = {"id": c.id, "name": c.name, "tmdb_id": c.tmdb_id} if c is not None else None
    if kind == "series":
        d["seasons"] = [{"id": s.id, "number": s.number, "title": s.title} for s in
                        Season.select().where((Season.series_id == entity_id) & Season.deleted_at.is_null(True))
                        .order_by(Season.number)]
        d["episode_order"] = r.episode_order or "aired"
        d["episode_count"] = Episode.select().where((Episode.series_id == entity_id)
                                                    & Episode.deleted_at.is_null(True)).count()
    if kind == "artist":
        d["albums"] = [summary("album", a) for a in
                       Album.select().where((Album.artist_id == entity_id) & Album.deleted_at.is_null(True))
                       .order_by(Album.year, Album.title)]
    if kind == "album":
        from metarr.db.media import Track
        d["tracks"] = [{"number": t.number, "disc": t.disc, "title": t.title, "musicbrainz_id": t.musicbrainz_id}
                       for t in Track.select().where(Track.album_id == entity_id).order_by(Track.disc, Track.number)]
    return d


def cast_json(kind: str, entity_id: int) -> list[dict]:
    """Cast members; `thumb` is the provider's address (what an NFO names), `photo` the copy in
    Metarr's cache (what the UI shows: the reader's browser never asks the provider), or None."""
    cast = md.get_cast(kind, entity_id)
    ids = [c.cache_file_id for c in cast if c.cache_file_id]
    shas = {cf.id: cf.sha256 for cf in CacheFile.select(CacheFile.id, CacheFile.sha256)
            .where(CacheFile.id.in_(ids))} if ids else {}
    return [_cast_member(c, shas.get(c.cache_file_id)) for c in cast]


def _cast_member(c, photo_sha: str | None) -> dict:
    return {"name": c.name, "role": c.role, "order": c.position, "thumb": c.thumb_url,
            "photo": f"/api/v1/assets/{photo_sha}" if photo_sha else None}


def episodes_of(series_id: int, season: int | None = None) -> list[dict]:
    q = Episode.select().where((Episode.series_id == series_id) & Episode.deleted_at.is_null(True))
    if season is not None:
        q = q.where(Episode.season == season)
    eps = list(q.order_by(Episode.season, Episode.episode))
    files = {f.id: f.path for f in MediaFile.select(MediaFile.id, MediaFile.path)
             .where(MediaFile.id.in_([e.file_id for e in eps if e.file_id]))} if eps else {}
    return [{"id": e.id, "season": e.season, "episode": e.episode, "title": e.title, "aired": e.aired,
             "absolute": e.absolute, "state": e.state, "file": files.get(e.file_id), "file_id": e.file_id}
            for e in eps]


def artwork_candidates(kind: str, entity_id: int) -> list[dict]:
    from metarr.db.media import AssetCandidate
    rows = prepared.select("artwork_candidates", lambda t, i: AssetCandidate.select().where(
        (AssetCandidate.entity_type == t) & (AssetCandidate.entity_id == i))
        .order_by(AssetCandidate.slot, AssetCandidate.score.desc()), kind, entity_id)
    return [candidate_json(c) for c in rows]


def candidate_json(c) -> dict:
    return {"id": c.id, "slot": c.slot, "season": c.season, "provider": c.provider, "url": c.url, "width": c.width,
            "height": c.height, "language": c.language, "votes": c.votes, "likes": c.likes, "score": c.score,
            "breakdown": c.breakdown, "selected": c.selected, "rejected": c.rejected, "selected_by": c.selected_by,
            "cached": c.cache_file_id is not None, "reason": candidate_reason(c)}


def candidate_reason(c) -> str | None:
    """Why this candidate is not its slot's image (None when it is)."""
    if c.rejected:
        return c.status_reason or "user_rejected"
    if c.selected:
        return c.status_reason if c.cache_file_id is None else None
    return "lower_score"
