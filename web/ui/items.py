"""Item pages: the poster grids and every item's own page: movies, shows, artists, and their
seasons, episodes and albums (SPEC §10 UI routes), each with its fields and locks, artwork slots
with the candidate picker, and links up to its parent and down to its children."""
from __future__ import annotations

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from metarr import metadata as md
from metarr.assets.errors import describe_candidate_reason
from metarr.db.media import Album, AssetCandidate, CacheFile, Episode, Season, Series
from metarr.db.media import Artist as ArtistRow
from metarr.enrichment import certifications, languages
from metarr.enrichment.scoring import explain_score
from metarr.library import browse, naming
from metarr.library.browse import candidate_reason
from metarr.publishing.desired import describe_reason

from .common import render, routes, run

LABELS = {"title": "Title", "original_title": "Original title", "sort_title": "Sort title", "year": "Year",
          "premiered": "Premiered", "plot": "Plot", "outline": "Outline", "tagline": "Tagline", "runtime": "Runtime (min)",
          "content_rating": "Rating (MPAA)", "set_name": "Collection", "set_overview": "Collection overview",
          "trailer": "Trailer", "tmdb_id": "TMDB id", "imdb_id": "IMDb id", "tvdb_id": "TVDB id",
          "user_rating": "Your rating (0–10)", "status": "Status", "name": "Name", "sort_name": "Sort name",
          "biography": "Biography", "formed": "Formed", "musicbrainz_id": "MusicBrainz id", "aired": "Aired",
          "absolute": "Absolute number", "label": "Record label", "musicbrainz_release_id": "MusicBrainz release id",
          "overview": "Overview"}
TEXT_FIELDS = {"plot", "outline", "biography", "set_overview", "overview"}
INT_FIELDS = {"year", "runtime", "tmdb_id", "tvdb_id", "absolute"}
FLOAT_FIELDS = {"user_rating"}
# the artwork slots each kind of item has, in the order a user looks for them
SLOTS = {"movie": naming.MOVIE_ART, "series": naming.TVSHOW_ART, "artist": naming.ARTIST_ART,
         "season": naming.SEASON_ART, "episode": naming.EPISODE_ART, "album": naming.ALBUM_ART,
         "collection": naming.COLLECTION_ART}
PLURAL = {"movie": "movies", "series": "series", "artist": "artists", "season": "seasons", "episode": "episodes",
          "album": "albums", "collection": "collections"}
STATES = ("discovered", "identified", "enriched", "published", "ambiguous", "unidentified")


# ------------------------------------------------------------------ grids

LIST_PAGES = {"/movies": ("movie", "Movies"), "/series": ("series", "TV shows"), "/music": ("artist", "Music"),
              "/albums": ("album", "Albums")}
GRID_BASE = {"movie": "/movies", "series": "/series", "artist": "/artists", "album": "/albums"}
BATCH_PLURAL = {"movie": "movies", "series": "series", "artist": "artists", "album": "albums"}


async def list_page(request: web.Request) -> web.Response:
    """A poster grid with its filter bar (every filter of the API, kept in the URL's query string),
    checkboxes and the batch action bar (static/grid.js)."""
    import json
    from urllib.parse import urlencode

    from metarr.db.models import Library
    from metarr.library import filters as item_filters
    path = request.path.rstrip("/") or "/"
    kind, title = LIST_PAGES[path]
    q = (request.query.get("q") or "")[:200]
    default_sort = "name" if kind == "artist" else "title"
    sort = request.query.get("sort") or default_sort
    if sort.lstrip("-") not in browse.SORTS[kind]:
        sort = default_sort
    try:
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        offset = 0
    limit = 48
    error = None
    query = comma_lists(request.query)
    try:
        spec = item_filters.parse(kind, query)
    except item_filters.FilterError as e:
        error, spec = str(e), item_filters.FilterSpec()
    after = request.query.get("after") or None   # the next page by cursor: as fast deep in the library as on top
    try:
        page = await run(request, lambda: browse.list_entities(kind, limit=limit, offset=0 if after else offset,
                                                                q=q or None, sort=sort, after=after, spec=spec))
    except browse.BadQuery:   # a stale or hand-made cursor: the first page
        after = None
        page = await run(request, lambda: browse.list_entities(kind, limit=limit, offset=offset, q=q or None,
                                                                sort=sort, spec=spec))
    items, total = page.rows, page.total
    for it in items:
        it.setdefault("title", it.get("name"))
    sorts = [(k, k) for k in browse.SORTS[kind]] + [(f"-{k}", f"{k} (desc)") for k in browse.SORTS[kind]]
    libs = await run(request, lambda: [(lib.id, lib.name) for lib in Library.select().order_by(Library.name)])
    params = spec.to_params()
    chosen = {k: ", ".join(query.getall(k)) for k in query if k in item_filters.PARAMS and query.get(k)}
    qs = urlencode([(k, v) for k, v in request.query.items() if k not in ("offset", "after") and v], doseq=True)
    more = [k for k in ("locked", "published", "publish_pending", "resolution", "hdr", "video_codec",
                        "audio_channels_min", "subtitle", "duplicates", "added_days", "genre", "tag", "year_min",
                        "year_max", "certification") if chosen.get(k)]
    return render("media_list.html", request, path, title=title, items=items, total=total, q=q, sort=sort,
                  sorts=sorts, offset=0 if after else offset, limit=limit, base=GRID_BASE[kind], kind=kind,
                  states=STATES, slots=SLOTS.get(kind, ()), libraries=libs, chosen=chosen,
                  state_opts=[(s, s) for s in STATES],
                  slot_opts=[(s, s) for s in SLOTS.get(kind, ())], more_open=bool(more),
                  error=error, qs=qs, plural=BATCH_PLURAL[kind],
                  filter_json=json.dumps({**params, **({"q": q} if q else {})}),
                  lockable=md.lockable_keys(kind), lists=md.LISTS[kind], after=after,
                  next_cursor=page.next_cursor, total_estimated=page.total_estimated)


def comma_lists(query: MultiDictProxy) -> MultiDict:
    """The grid's genre and tag boxes take several names ("Drama, Comedy": either of them), as the API
    takes the parameter repeated."""
    out: MultiDict = MultiDict()
    for k, v in query.items():
        if k in ("genre", "tag"):
            for part in v.split(","):
                if part.strip():
                    out.add(k, part.strip())
        else:
            out.add(k, v)
    return out


for _p in LIST_PAGES:
    routes.get(_p)(list_page)


# ------------------------------------------------------------------ the parts of an item page

def origin_words(st: dict, wish: dict | None) -> str | None:
    """Where a provider's value came from in words: its language ("German", "from English: no
    German text at TMDB") or a certification's country ("from US: no DE certification at TMDB")."""
    if not wish or not (st.get("source") or "").startswith("provider:"):
        return None
    from metarr.sources import registry
    src = registry.get(st["source"].split(":", 1)[1])
    label = src.label if src else st["source"].split(":", 1)[1]
    if st.get("country"):
        return certifications.describe(st["country"], wish.get("country"), label)
    return languages.describe(st.get("language"), wish.get("language"), label)


def library_wish(library_id: int | None) -> dict | None:
    """The language and certification country an item's library asks for."""
    from metarr.db.models import Library
    from metarr.service import settings
    lib = Library.get_or_none(Library.id == library_id) if library_id is not None else None
    if lib is None:
        return None
    return {"language": lib.language, "country": lib.certification_country
            or settings.get(Library._meta.database, "enrich.certification_country")}


def fields(kind: str, d: dict, wish: dict | None = None) -> list[dict]:
    """The metadata form: every field of the kind with its value, lock and where it came from."""
    out = []
    for name in md.SCALARS[kind]:
        st = d["locks"].get(name, {})
        form = ("text" if name in TEXT_FIELDS else "int" if name in INT_FIELDS else
                "float" if name in FLOAT_FIELDS else "str")
        out.append({"name": name, "key": name, "label": LABELS.get(name, name), "value": d.get(name),
                    "kind": form, "locked": st.get("locked", False), "source": st.get("source"),
                    "origin": origin_words(st, wish)})
    for name in md.LISTS[kind]:
        st = d["locks"].get(f"list:{name}", {})
        out.append({"name": name, "key": f"list:{name}", "label": name.capitalize(), "value": d.get(name) or [],
                    "kind": "list", "locked": st.get("locked", False), "source": st.get("source")})
    return out


def slots(kind: str, eid: int, assets: dict) -> list[dict]:
    """Per artwork slot: what is used, and every candidate with its score in words and why it is not
    used. A candidate already in the cache shows the cached file's real size (the provider may not
    have said it: the slot said "400×600" while its picker said "size unknown")."""
    rows = list(AssetCandidate.select().where((AssetCandidate.entity_type == kind) & (AssetCandidate.entity_id == eid))
                .order_by(AssetCandidate.rejected, AssetCandidate.score.desc()))
    cached = {cf.id: cf for cf in CacheFile.select(CacheFile.id, CacheFile.sha256, CacheFile.width, CacheFile.height)
              .where(CacheFile.id.in_([c.cache_file_id for c in rows if c.cache_file_id]))} if rows else {}
    by: dict[str, list] = {}
    for c in rows:
        cf = cached.get(c.cache_file_id)
        by.setdefault(c.slot, []).append({
            "id": c.id, "url": f"/api/v1/assets/{cf.sha256}?size=300" if cf else c.url, "provider": c.provider,
            "width": c.width or (cf.width if cf else None), "height": c.height or (cf.height if cf else None),
            "language": c.language, "score": c.score, "selected": c.selected, "rejected": c.rejected,
            "explained": explain_score(c.score, c.breakdown), "why": describe_candidate_reason(candidate_reason(c))})
    out = []
    for name in SLOTS[kind]:
        a = assets.get(name) or {}
        out.append({"name": name, "url": a.get("url"), "source": a.get("source"), "width": a.get("width"),
                    "height": a.get("height"), "candidates": by.get(name, []),
                    # the extra images of the slot (fanart1, fanart2 … when several backdrops are published)
                    "more": [x["url"] for x in (assets.get(f"{name}_all") or [])[1:]]})
    return out


def season_label(number: int) -> str:
    return "Specials" if number == 0 else f"Season {number}"


def episode_code(season: int, episode: int) -> str:
    return f"S{season:02d}E{episode:02d}"


async def _item(request: web.Request, kind: str, eid: int, **extra) -> web.Response:
    d = await run(request, browse.detail, kind, eid)
    if d is None:
        raise web.HTTPNotFound()
    slot_list = await run(request, slots, kind, eid, d["assets"])
    wish = await run(request, library_wish, d.get("library_id"))
    api = f"/api/v1/{PLURAL[kind]}/{eid}"
    section = {"movie": "/movies", "series": "/series", "season": "/series", "episode": "/series"}.get(kind, "/music")
    ctx = {"title": d.get("title") or d.get("name") or f"{kind} {eid}", "d": d, "kind": kind,
           "fields": fields(kind, d, wish), "slots": slot_list, "api": api, "publishable": kind in ("movie", "series", "artist"),
           "identifiable": kind in ("movie", "series", "artist"), "episodes": [], "seasons": [], "albums": [],
           "crumbs": [], "entity_ref": f"{kind}:{eid}", "reason_text": describe_reason(d.get("identify_reason"))}
    if kind == "series":
        from metarr.enrichment.episode_match import describe
        ctx["order_words"] = describe(d.get("episode_order") or "aired")
    ctx.update(extra)
    return render("entity.html", request, section, **ctx)


def _id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise web.HTTPNotFound()
    return int(raw)


# ------------------------------------------------------------------ pages

@routes.get("/movies/{id}")
async def movie_page(request: web.Request) -> web.Response:
    return await _item(request, "movie", _id(request))


@routes.get("/series/{id}")
async def series_page(request: web.Request) -> web.Response:
    sid = _id(request)

    def parts():
        out = []
        for se in Season.select().where((Season.series_id == sid) & Season.deleted_at.is_null(True)).order_by(
                Season.number):
            out.append({"id": se.id, "number": se.number, "title": se.title, "label": season_label(se.number),
                        "link": f"/series/{sid}/season/{se.number}", "api": f"/api/v1/seasons/{se.id}",
                        "slots": slots("season", se.id, browse.assets_of("season", se.id))})
        eps = [{**e, "link": f"/episodes/{e['id']}", "code": episode_code(e["season"], e["episode"])}
               for e in browse.episodes_of(sid)]
        return out, eps
    seasons, episodes = await run(request, parts)
    return await _item(request, "series", sid, seasons=seasons, episodes=episodes)


@routes.get("/artists/{id}")
async def artist_page(request: web.Request) -> web.Response:
    aid = _id(request)
    albums = await run(request, lambda: [{**browse.summary("album", a), "link": f"/albums/{a.id}"} for a in
                                         Album.select().where((Album.artist_id == aid) & Album.deleted_at.is_null(True))
                                         .order_by(Album.year, Album.title)])
    return await _item(request, "artist", aid, albums=albums)


@routes.get("/albums/{id}")
async def album_page(request: web.Request) -> web.Response:
    alid = _id(request)
    album = await run(request, lambda: Album.get_or_none(Album.id == alid))
    if album is None:
        raise web.HTTPNotFound()
    artist = await run(request, lambda: ArtistRow.get_or_none(ArtistRow.id == album.artist_id))
    crumbs = [("/music", "Music")] + ([(f"/artists/{artist.id}", artist.name)] if artist else [])
    return await _item(request, "album", alid, crumbs=crumbs, parent_publish=f"/artists/{album.artist_id}",
                       parent_name=artist.name if artist else "its artist")


@routes.get("/series/{id}/season/{n}")
async def season_page(request: web.Request) -> web.Response:
    sid, number = _id(request), _id(request, "n")

    def q():
        series = Series.get_or_none(Series.id == sid)
        season = Season.get_or_none((Season.series_id == sid) & (Season.number == number))
        eps = [{**e, "link": f"/episodes/{e['id']}", "code": episode_code(e["season"], e["episode"])}
               for e in browse.episodes_of(sid, number)]
        return series, season, eps
    series, season, eps = await run(request, q)
    if series is None or season is None:
        raise web.HTTPNotFound()
    label = season_label(number)
    return await _item(request, "season", season.id, title=f"{series.title}: {label}", heading=label,
                       crumbs=[("/series", "TV"), (f"/series/{sid}", series.title)], episodes=eps,
                       parent_publish=f"/series/{sid}", parent_name=series.title)


@routes.get("/episodes/{id}")
async def episode_page(request: web.Request) -> web.Response:
    eid = _id(request)

    def q():
        ep = Episode.get_or_none(Episode.id == eid)
        return (ep, Series.get_or_none(Series.id == ep.series_id)) if ep else (None, None)
    ep, series = await run(request, q)
    if ep is None or series is None:
        raise web.HTTPNotFound()
    code = episode_code(ep.season, ep.episode)
    heading = f"{code} · {ep.title}" if ep.title else code
    return await _item(request, "episode", eid, title=f"{series.title} {heading}", heading=heading,
                       crumbs=[("/series", "TV"), (f"/series/{series.id}", series.title),
                               (f"/series/{series.id}/season/{ep.season}", season_label(ep.season))],
                       parent_publish=f"/series/{series.id}", parent_name=series.title)
