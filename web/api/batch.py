"""Batch actions (SPEC §10): `POST /api/v1/{movies|series|artists|albums}/batch` with `ids` or a
`filter` (the list's query parameters as an object) and an `action` → 202 with the batch's job;
`GET /api/v1/jobs/{id}/tree` is its progress; `POST /api/v1/jobs/{id}/cancel` cancels what of it
has not run. The work is metarr/batch.py."""
from __future__ import annotations

from aiohttp import web

from metarr import batch
from metarr.jobs.model import PRIORITY
from metarr.jobs.tree import tree_progress
from metarr.library import filters as item_filters

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import json_body, path_id
from .media import parse_edit

routes = web.RouteTableDef()

BODY_KEYS = {"ids", "filter", "action", "fields", "field", "value", "add", "remove", "slot", "force", "take_best"}


def parse_selection(kind: str, body: dict) -> tuple[list | None, item_filters.FilterSpec | None, str | None]:
    """`ids` or `filter`, exactly one (a 400 in words otherwise)."""
    if ("ids" in body) == ("filter" in body):
        raise bad_request("give either 'ids' (a list of item ids) or 'filter' (the list's filters as an object)")
    if "ids" in body:
        return body["ids"], None, None
    f = body["filter"]
    if not isinstance(f, dict):
        raise bad_request("'filter' must be an object of the list's filters, e.g. {\"missing\": \"poster\"}")
    try:
        spec = item_filters.parse(kind, f, strict=True)
    except item_filters.FilterError as e:
        raise bad_request(f"filter: {e}") from None
    q = f.get("q")
    if q is not None and (not isinstance(q, str) or len(q) > 200):
        raise bad_request("filter: 'q' must be a text of at most 200 characters")
    return None, spec, (q or "").strip() or None


def _check_set(kind: str, params: dict) -> None:
    """`set` with a value is an edit: the same rules as PATCH."""
    if "value" in params:
        if not isinstance(params.get("field"), str):
            raise bad_request("set needs 'field': the name of the field to set")
        parse_edit(kind, {params["field"]: params["value"]})
    elif params.get("field") not in batch.md.LISTS[kind]:
        raise bad_request(f"'add' and 'remove' work on a list of a {kind} ({', '.join(batch.md.LISTS[kind])})")


async def _post(request: web.Request, kind: str) -> web.Response:
    body = await json_body(request)
    unknown = sorted(set(body) - BODY_KEYS)
    if unknown:
        raise bad_request(f"'{unknown[0][:40]}' is not part of a batch request "
                          f"({', '.join(sorted(BODY_KEYS))})")
    action = body.get("action")
    s = request.app[services_key]
    try:
        params = batch.check_params(kind, action, {k: v for k, v in body.items() if k not in ("ids", "filter",
                                                                                            "action")})
        if action == "set":
            _check_set(kind, params)
        ids, spec, q = parse_selection(kind, body)

        def choose():
            from metarr.service import settings
            chosen = batch.select(kind, ids, spec, q)
            return batch.eligible(kind, action, chosen, bool(settings.get(s.db, "publish.unidentified")))
        sel = await request.app[bridge_key].run(choose)
    except batch.BatchError as e:
        code = {404: "not_found", 409: "cannot_publish" if action == "publish" else "conflict"}.get(e.status,
                                                                                                  "bad_request")
        raise ApiError(e.status, code, str(e)) from None
    spec_ = batch.specs(kind, action, sel.ids, params, PRIORITY["user"])
    ledger = s.actor("ledger")
    job_id = (await request.app[bridge_key].ask(lambda: ledger.enqueue(spec_)))[0]
    reasons: dict[str, int] = {}
    for why in sel.refused.values():
        reasons[why] = reasons.get(why, 0) + 1
    return ok({"job_id": job_id, "action": action, "items": len(sel.ids), "refused": len(sel.refused),
               "refused_reasons": reasons, "refused_ids": sorted(sel.refused)[:100]}, status=202)


def _register(plural: str, kind: str) -> None:
    async def post(request: web.Request) -> web.Response:
        return await _post(request, kind)
    post.__doc__ = (f"A batch action on many {plural}: `ids` or `filter`, and `action` (one of "
                    f"{', '.join(batch.ACTIONS)}); 202 with the batch's `job_id`.")
    routes.post(f"/api/v1/{plural}/batch")(post)


for _plural, _kind in batch.KINDS.items():
    _register(_plural, _kind)


@routes.get("/api/v1/jobs/{id}/tree")
async def job_tree(request: web.Request) -> web.Response:
    """A job with everything it chained (a batch's progress): counts by status, how much has finished."""
    jid = path_id(request)
    from metarr.db.models import Job
    if await request.app[bridge_key].run(lambda: Job.get_or_none(Job.id == jid)) is None:
        raise not_found(f"job {jid}")
    return ok(await request.app[bridge_key].run(tree_progress, jid))
