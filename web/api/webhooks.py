"""*arr webhooks: read and parse the body, enqueue the targeted scans it asks for (decided and
recorded by metarr/library/webhook_intake.py). Auth: API key (header or `apikey` query) or Basic."""
from __future__ import annotations

import logging

from aiohttp import web

from metarr.library import webhook_intake as intake
from metarr.library import webhooks
from metarr.service import jsonsafe

from .. import limits
from ..envelope import ApiError, bad_request, ok
from ..keys import bridge_key, services_key
from ..validate import paging, read_limited

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.route("*", "/api/v1/webhooks/{source}")
async def receive(request: web.Request) -> web.Response:
    source = request.match_info["source"]
    if source not in webhooks.SOURCES:
        raise ApiError(404, "not_found", f"no webhook for {source!r} (radarr, sonarr or lidarr)")
    if request.method not in ("POST", "PUT"):
        raise ApiError(405, "method_not_allowed", "webhooks are sent with POST or PUT")
    s = request.app[services_key]
    bridge = request.app[bridge_key]
    raw = await read_limited(request, limits.MAX_WEBHOOK_BODY)
    body = None
    try:
        body = jsonsafe.loads(raw) if raw else None
        action = webhooks.parse(source, body)
    except (ValueError, UnicodeDecodeError) as e:
        msg = str(e) if isinstance(e, webhooks.WebhookError | jsonsafe.BadJson) else f"malformed JSON: {e}"
        event = body.get("eventType") if isinstance(body, dict) and isinstance(body.get("eventType"), str) else None
        await bridge.run(intake.store_event, s.db, source, event or "invalid", None, "rejected", msg, None)
        raise bad_request(msg) from None

    specs, unmatched = await bridge.run(intake.scans_for, action)
    job_ids: list[int] = []
    if specs:
        ledger = s.actor("ledger")
        job_ids = await bridge.ask(lambda: ledger.enqueue(specs))
    result = intake.outcome(action, bool(specs), unmatched)
    event_id = await bridge.run(intake.record, s.db, action, body, result, job_ids, s.bus)
    s.bus.publish("webhook.received", source=source, event=action.event, status=result.status, job_ids=job_ids)
    if action.kind == "unknown":
        log.info("unknown %s webhook event %r accepted and logged", source, action.event)
    return ok({"event_id": event_id, "event": action.event, "status": result.status, "job_ids": job_ids,
               "message": "Webhook processed successfully" if result.status != "no_library" else result.message})


@routes.get("/api/v1/webhook-events")
async def list_events(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    rows, total = await request.app[bridge_key].run(intake.list_events, limit, offset)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})
