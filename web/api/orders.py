"""A show's episode order: `GET /api/v1/series/{id}/episode_order/preview?order=dvd` (file → episode
now and in that order, what is written again) and `POST /api/v1/series/{id}/episode_order/apply`
`{"order": "dvd"}` (also `PATCH /api/v1/series/{id}` `{"episode_order": …}`): the order stored, the
files' episodes renumbered, the old episode NFOs and thumbs to the recycle bin, and enrich → cache →
publish → sync queued for the show."""
from __future__ import annotations

from aiohttp import web

from metarr.enrichment.episode_match import OrderError, normalise
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.sources.http import ProviderError

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import json_body, path_id

routes = web.RouteTableDef()


def parse_order(value) -> str:
    if not isinstance(value, str):
        raise bad_request("'episode_order' must be a string: aired, dvd, absolute, tvdb:<season type> or "
                          "tmdb-group:<episode group id>", {"field": "episode_order"})
    try:
        return normalise(value)
    except OrderError as e:
        raise bad_request(f"'episode_order': {e}", {"field": "episode_order"}) from None


def _ctx(s, series):
    from actors.enrichment import configured_providers, gateway_call
    from metarr.db.models import Library
    from metarr.enrichment import context
    return context.make_ctx(s.db, gateway_call(s, timeout=60), s.config, configured_providers(s),
                            library=Library.get_by_id(series.library_id))


async def _series(request: web.Request, sid: int):
    from metarr.db.media import Series
    row = await request.app[bridge_key].run(lambda: Series.get_or_none((Series.id == sid)
                                                                        & Series.deleted_at.is_null(True)))
    if row is None:
        raise not_found(f"series {sid}")
    return row


@routes.get("/api/v1/series/{id}/episode_order/preview")
async def preview(request: web.Request) -> web.Response:
    from metarr.enrichment import order_change
    sid = path_id(request)
    order = parse_order(request.query.get("order", ""))
    row = await _series(request, sid)
    s = request.app[services_key]
    try:
        got = await request.app[bridge_key].run(lambda: order_change.preview(_ctx(s, row), row, order))
    except ProviderError as e:
        raise ApiError(502, "provider", f"the providers could not be asked for the episodes: {e}") from None
    return ok(got)


async def apply_order(request: web.Request, sid: int, order: str) -> dict:
    """The change itself, then the show's enrich → cache → publish → sync (publish whatever the
    library's auto_publish: the files must follow the order)."""
    from metarr.enrichment import order_change
    row = await _series(request, sid)
    s = request.app[services_key]
    try:
        got = await request.app[bridge_key].run(
            lambda: order_change.apply(s.db, _ctx(s, row), row, order, s.config.recycle_dir))
    except ProviderError as e:
        raise ApiError(502, "provider", f"the providers could not be asked for the episodes: {e}") from None
    if not got["applied"]:
        raise ApiError(409, "order_unavailable", f"the providers have no {got['order_words']} for this show "
                       "(TheTVDB season types and TMDB episode groups were asked); nothing was changed")
    spec = chain.entity_job("enrich", "series", sid, row.library_id, PRIORITY["user"], publish=True)
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
    s.bus.publish("entity.updated", entity="series", id=sid, fields=["episode_order"], source="user")
    return {**got, "job_id": ids[0] if ids else None}


@routes.post("/api/v1/series/{id}/episode_order/apply")
async def apply(request: web.Request) -> web.Response:
    sid = path_id(request)
    body = await json_body(request)
    order = parse_order(body.get("order"))
    return ok(await apply_order(request, sid, order), status=202)
