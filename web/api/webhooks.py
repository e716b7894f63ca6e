"""*arr webhooks: store the event, map paths arr → Metarr, pick the library by longest prefix,
enqueue a targeted scan at webhook priority. Auth: API key (header or `apikey` query) or Basic."""
from __future__ import annotations

import logging
import time

from aiohttp import web

from metarr.db.database import write_tx
from metarr.db.integrations import PathMapping, WebhookEvent
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobSpec
from metarr.library import paths, webhooks
from metarr.library.pathmap import Mapping, map_path
from metarr.service import activity, jsonsafe
from metarr.service.timefmt import iso

from ..envelope import ApiError, bad_request, ok
from ..keys import bridge_key, services_key
from ..validate import paging, read_limited

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
MAX_WEBHOOK_BODY = 4 * 1024 * 1024  # a Download with many deleted files is still far below this


def plan_scans(action: webhooks.WebhookAction, mappings: list[Mapping],
               libraries: list[tuple[int, str]]) -> tuple[list[JobSpec], list[str]]:
    """Targeted scan jobs for the action's folders, and the folders no library contains."""
    specs, unmatched = [], []
    renames = [(map_path(a, mappings, action.source), map_path(b, mappings, action.source)) for a, b in action.renames]
    for folder in action.folders:
        mapped = map_path(folder, mappings, action.source)
        try:
            found = paths.library_for(mapped, libraries)   # '..' resolved before the comparison
        except paths.OutsidePath:
            found = None
        if found is None:
            log.warning("webhook %s: %s lies in no library; not scanned", action.source, mapped)
            unmatched.append(mapped)
            continue
        lid, rel = found
        specs.append(chain.path_scan(chain.PathScanPayload(
            lid, rel, trigger="webhook", event=f"{action.source}:{action.event}", ids=action.ids,
            title=action.title, year=action.year, upgrade=action.upgrade, renames=renames), PRIORITY["webhook"]))
    return specs, unmatched


@routes.route("*", "/api/v1/webhooks/{source}")
async def receive(request: web.Request) -> web.Response:
    source = request.match_info["source"]
    if source not in webhooks.SOURCES:
        raise ApiError(404, "not_found", f"no webhook for {source!r} (radarr, sonarr or lidarr)")
    if request.method not in ("POST", "PUT"):
        raise ApiError(405, "method_not_allowed", "webhooks are sent with POST or PUT")
    s = request.app[services_key]
    bridge = request.app[bridge_key]
    raw = await read_limited(request, MAX_WEBHOOK_BODY)
    body = None
    try:
        body = jsonsafe.loads(raw) if raw else None
        action = webhooks.parse(source, body)
    except (ValueError, UnicodeDecodeError) as e:
        msg = str(e) if isinstance(e, webhooks.WebhookError | jsonsafe.BadJson) else f"malformed JSON: {e}"
        event = body.get("eventType") if isinstance(body, dict) and isinstance(body.get("eventType"), str) else None
        await bridge.run(_store, s.db, source, event or "invalid", None, "rejected", msg, None)
        raise bad_request(msg) from None

    def handle():
        mappings = [Mapping(m.scope, m.from_prefix, m.to_prefix)
                    for m in PathMapping.select().where(PathMapping.scope == source)]
        libs = [(lib.id, lib.path) for lib in Library.select().where(Library.enabled == True)]  # noqa: E712
        specs, unmatched = plan_scans(action, mappings, libs) if action.kind == "scan" else ([], [])
        return specs, unmatched

    specs, unmatched = await bridge.run(handle)
    job_ids: list[int] = []
    if specs:
        ledger = s.actor("ledger")
        job_ids = await bridge.ask(lambda: ledger.enqueue(specs))
    status = {"test": "ok", "health": "logged", "log": "logged", "unknown": "ignored"}.get(action.kind, "queued")
    if action.kind == "scan" and not specs:
        status = "no_library"
    message = (f"no library contains {', '.join(unmatched)} (add a path mapping for {source}?)" if unmatched and not specs
               else action.message or f"{action.event}{' (upgrade)' if action.upgrade else ''}"
               + (f": {action.title}" if action.title else ""))
    event_id = await bridge.run(_store, s.db, source, action.event, body, status, message, job_ids[0] if job_ids else None)
    level = {"error": "error", "warning": "warning"}.get((action.level or "").lower(), "info")
    if status == "no_library":
        level = "warning"
    await bridge.run(activity.record, s.db, f"webhook.{source}", f"{source} {message}", level, None, None,
                     {"event": action.event, "event_id": event_id, "job_ids": job_ids}, s.bus)
    s.bus.publish("webhook.received", source=source, event=action.event, status=status, job_ids=job_ids)
    if action.kind == "unknown":
        log.info("unknown %s webhook event %r accepted and logged", source, action.event)
    return ok({"event_id": event_id, "event": action.event, "status": status, "job_ids": job_ids,
               "message": "Webhook processed successfully" if status != "no_library" else message})


def _store(db, source, event, body, status, message, job_id) -> int:
    with write_tx(db):
        return WebhookEvent.create(source=source, event_type=str(event)[:64], payload=body, received_at=time.time(),
                                   status=status, message=message, job_id=job_id).id


@routes.get("/api/v1/webhook-events")
async def list_events(request: web.Request) -> web.Response:
    limit, offset = paging(request)

    def q():
        query = WebhookEvent.select().order_by(WebhookEvent.id.desc())
        return [{"id": e.id, "source": e.source, "event_type": e.event_type, "status": e.status,
                 "message": e.message, "job_id": e.job_id, "received_at": iso(e.received_at)}
                for e in query.limit(limit).offset(offset)], query.count()
    rows, total = await request.app[bridge_key].run(q)
    return ok(rows, {"total": total, "limit": limit, "offset": offset})
