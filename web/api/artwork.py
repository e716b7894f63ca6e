"""Artwork candidates (list with score breakdown, select, reject), uploads, and identification
(search + pick) for ambiguous items."""
from __future__ import annotations

from aiohttp import web

from metarr import metadata as md
from metarr.assets import cache
from metarr.db.media import ENTITY_MODELS
from metarr.enrichment import artwork_selection, identify
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.library import browse
from metarr.library.naming import COLLECTION_ART
from metarr.service import settings
from metarr.sources import musicbrainz, tmdb, tvdb
from metarr.sources.http import ProviderError

from .. import limits
from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import MALFORMED_FORM, field, int_param, json_body, path_id, read_limited
from .media import republish_after_user_change

routes = web.RouteTableDef()
PLURALS = {"movies": "movie", "series": "series", "seasons": "season", "episodes": "episode", "artists": "artist",
           "albums": "album", "collections": "collection"}
ROOT_OF = {"movie": "movie", "series": "series", "season": "series", "episode": "series", "artist": "artist",
           "album": "artist"}
SLOTS = ("poster", "fanart", "banner", "clearlogo", "clearart", "discart", "landscape", "keyart", "characterart",
         "thumb")


def _kind(request) -> str:
    kind = PLURALS.get(request.match_info["kind"])
    if kind is None:
        raise not_found("resource")
    return kind


cand_json = browse.candidate_json


async def _entity(request, kind: str, eid: int):
    model = ENTITY_MODELS[kind]
    row = await request.app[bridge_key].run(lambda: model.get_or_none(model.id == eid))
    if row is None:
        raise not_found(f"{kind} {eid}")
    return row


def _root(kind: str, row) -> tuple[str, int]:
    if kind in ("movie", "series", "artist", "collection"):
        return kind, row.id
    if kind in ("season", "episode"):
        return "series", row.series_id
    return "artist", row.artist_id


@routes.get("/api/v1/{kind}/{id}/candidates")
async def list_candidates(request: web.Request) -> web.Response:
    kind, eid = _kind(request), path_id(request)
    await _entity(request, kind, eid)
    slot = request.query.get("slot")

    rows = await request.app[bridge_key].run(artwork_selection.list_for, kind, eid, slot)
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0})


async def _enqueue_cache(request, kind: str, row) -> int:
    s = request.app[services_key]
    rk, rid = _root(kind, row)
    spec = chain.entity_job("cache", rk, rid, getattr(row, "library_id", None), PRIORITY["user"])
    ledger = s.actor("ledger")
    return (await request.app[bridge_key].ask(lambda: ledger.enqueue(spec)))[0]


@routes.post("/api/v1/{kind}/{id}/candidates/{cid}/{action}")
async def candidate_action(request: web.Request) -> web.Response:
    kind, eid = _kind(request), path_id(request)
    cid = path_id(request, "cid")
    action = request.match_info["action"]
    if action not in ("select", "reject"):
        raise not_found(f"action {action!r}")
    row = await _entity(request, kind, eid)
    s = request.app[services_key]

    c = await request.app[bridge_key].run(artwork_selection.user_choice, s.db, kind, eid, cid, action)
    if c is None:
        raise not_found(f"candidate {cid}")
    job_id = await _enqueue_cache(request, kind, row) if action == "select" else None
    s.bus.publish("asset.selected", entity=kind, id=eid, slot=c.slot, candidate_id=c.id, action=action)
    return ok({"candidate": cand_json(c), "job_id": job_id})


async def _multipart_file(request: web.Request) -> bytes:
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and part.name != "file":
        part = await reader.next()
    if part is None:
        raise bad_request("multipart upload needs a 'file' field")
    chunks, size = [], 0
    while size <= limits.MAX_UPLOAD:   # never more than the limit in memory, whatever the client sends
        chunk = await part.read_chunk(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


@routes.post("/api/v1/{kind}/{id}/artwork/{slot}")
async def upload(request: web.Request) -> web.Response:
    """Raw image bytes (or multipart field `file`): verified like any download, then used for the
    slot and locked."""
    kind, eid = _kind(request), path_id(request)
    slot = request.match_info["slot"]
    allowed = COLLECTION_ART if kind == "collection" else SLOTS
    if slot not in allowed:
        raise bad_request(f"slot must be one of {', '.join(allowed)}")
    await _entity(request, kind, eid)
    if request.content_type.startswith("multipart/"):
        try:
            data = await _multipart_file(request)
        except MALFORMED_FORM as e:   # a body that is not the multipart it claims (boundary, charset)
            raise bad_request(f"malformed multipart body: {getattr(e, 'message', None) or e}") from None
    else:
        data = await read_limited(request, limits.MAX_UPLOAD)
    if len(data) > limits.MAX_UPLOAD:
        raise ApiError(413, "too_large", "image larger than 50 MB")
    if not data:
        raise bad_request("empty upload")
    s = request.app[services_key]

    def store():
        from metarr.assets.errors import AssetError
        try:
            store = cache.open_store(s.config.data_dir, int(settings.get(s.db, "images.max_pixels")))
            cf = cache.ingest_upload(s.db, store, s.config.data_dir, data)
        except AssetError as e:
            raise ApiError(422, e.reason, f"image refused: {e}") from None
        artwork_selection.use_upload(s.db, kind, eid, slot, cf.id)
        return cf
    cf = await request.app[bridge_key].run(store)
    s.bus.publish("asset.selected", entity=kind, id=eid, slot=slot, source="upload")
    job_id = await republish_after_user_change(request, kind, eid)
    return ok({"slot": slot, "sha256": cf.sha256, "url": f"/api/v1/assets/{cf.sha256}", "width": cf.width,
               "height": cf.height, "publish_job_id": job_id}, status=201)


@routes.get("/api/v1/{kind}/{id}/identify")
async def identify_search(request: web.Request) -> web.Response:
    kind, eid = _kind(request), path_id(request)
    if kind not in ("movie", "series", "artist"):
        raise not_found("identify")
    row = await _entity(request, kind, eid)
    s = request.app[services_key]
    q = (request.query.get("q") or getattr(row, "title", None) or getattr(row, "name", "")).strip()[:200]
    year = int_param(request, "year", 0, 0, 3000) or None

    def search():
        from actors.enrichment import gateway_call
        call = gateway_call(s, timeout=60)
        if kind == "movie":
            hits = tmdb.search_movie(call, q, year, image_base=s.config.provider_urls.get("tmdb_image"))
        elif kind == "series":
            try:
                hits = tmdb.search_tv(call, q, image_base=s.config.provider_urls.get("tmdb_image"))
            except ProviderError:
                hits = tvdb.search(call, q)
        else:
            hits = musicbrainz.search_artist(call, q)
        from metarr.enrichment.scoring import match_score
        return [{"provider": h.provider, "id": h.id, "title": h.title, "year": h.year, "plot": h.overview,
                 "poster": h.poster, "score": match_score(q, year, h)[0]} for h in hits]
    try:
        rows = await request.app[bridge_key].run(search)
    except ProviderError as e:
        raise ApiError(502, "provider", str(e)) from None
    return ok(rows, {"total": len(rows), "limit": len(rows), "offset": 0, "query": q})


@routes.post("/api/v1/{kind}/{id}/identify")
async def identify_pick(request: web.Request) -> web.Response:
    """The user's pick: the id is set and locked, and enrichment runs with it."""
    kind, eid = _kind(request), path_id(request)
    if kind not in ("movie", "series", "artist"):
        raise not_found("identify")
    body = await json_body(request)
    provider = field(body, "provider", str, required=True, choices=("tmdb", "tvdb", "musicbrainz"))
    ident = field(body, "id", (str, int), required=True)
    row = await _entity(request, kind, eid)
    s = request.app[services_key]
    column = {"tmdb": "tmdb_id", "tvdb": "tvdb_id", "musicbrainz": "musicbrainz_id"}[provider]
    if column not in md.SCALARS[kind]:
        raise bad_request(f"{provider} ids do not apply to a {kind}")
    if provider == "musicbrainz":
        value = str(ident)[:36]
    else:
        digits = str(ident)
        value = int(digits) if digits.isascii() and digits.isdigit() and 0 < int(digits) < 2**31 else None
    if value is None:
        raise bad_request("'id' must be a number for this provider")

    def check():
        from actors.enrichment import gateway_call
        return identify.verify(gateway_call(s, timeout=60), kind, provider, value,
                               s.config.provider_urls["tmdb_image"], settings.get(s.db, "enrich.language"))
    try:
        found = await request.app[bridge_key].run(check)
    except identify.UnknownId as e:
        raise ApiError(422, "unknown_id", f"{e}: nothing was changed") from None
    except identify.CannotVerify as e:
        retry = max(5, int(e.retry_after or 30))
        raise ApiError(503, "provider_unavailable", f"{e}; nothing was changed, try again in {retry} s",
                       {"retry_after": retry}, headers={"Retry-After": str(retry)}) from None

    await request.app[bridge_key].run(identify.take_pick, s.db, kind, eid, column, value)
    spec = chain.entity_job("enrich", kind, eid, row.library_id, PRIORITY["user"])
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
    return ok({"job_id": ids[0], column: value, "title": found.title, "year": found.year}, status=202)
