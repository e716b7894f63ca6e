"""What a received *arr webhook does to Metarr's rows: the targeted scans it asks for (paths
mapped arr → Metarr, the library found by the longest prefix), its outcome in words, and the
stored event with its activity line. The web handler reads the body and enqueues; this decides
and records. Blocking; worker threads (the web bridge) only."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from metarr.db.database import write_tx
from metarr.db.integrations import PathMapping, WebhookEvent
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY, JobSpec
from metarr.library import paths
from metarr.library.pathmap import Mapping, map_path
from metarr.library.webhooks import WebhookAction
from metarr.service import activity
from metarr.service.timefmt import iso

log = logging.getLogger(__name__)


def plan_scans(action: WebhookAction, mappings: list[Mapping],
               libraries: list[tuple[int, str]]) -> tuple[list[JobSpec], list[str]]:
    """Targeted scan jobs for the action's folders, and the folders no library contains (pure)."""
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


def scans_for(action: WebhookAction) -> tuple[list[JobSpec], list[str]]:
    """The scans an action asks for, against the stored mappings of its source and the enabled libraries."""
    if action.kind != "scan":
        return [], []
    mappings = [Mapping(m.scope, m.from_prefix, m.to_prefix)
                for m in PathMapping.select().where(PathMapping.scope == action.source)]
    libs = [(lib.id, lib.path) for lib in Library.select().where(Library.enabled == True)]  # noqa: E712
    return plan_scans(action, mappings, libs)


@dataclass(frozen=True)
class Outcome:
    status: str      # queued, no_library, ok (a test), logged (health/log), ignored (unknown)
    message: str
    level: str       # of the activity line


def outcome(action: WebhookAction, queued: bool, unmatched: list[str]) -> Outcome:
    """What became of a webhook, in words (pure)."""
    status = {"test": "ok", "health": "logged", "log": "logged", "unknown": "ignored"}.get(action.kind, "queued")
    if action.kind == "scan" and not queued:
        status = "no_library"
    if unmatched and not queued:
        message = f"no library contains {', '.join(unmatched)} (add a path mapping for {action.source}?)"
    else:
        message = (action.message or f"{action.event}{' (upgrade)' if action.upgrade else ''}"
                   + (f": {action.title}" if action.title else ""))
    level = {"error": "error", "warning": "warning"}.get((action.level or "").lower(), "info")
    if status == "no_library":
        level = "warning"
    return Outcome(status, message, level)


def store_event(db, source: str, event: str, body, status: str, message: str, job_id: int | None) -> int:
    """The event as received (a refused one too, with why), for `GET /webhook-events`."""
    with write_tx(db):
        return WebhookEvent.create(source=source, event_type=str(event)[:64], payload=body, received_at=time.time(),
                                   status=status, message=message, job_id=job_id).id


def record(db, action: WebhookAction, body, result: Outcome, job_ids: list[int], bus=None) -> int:
    """Store a handled event and say so in the activity log; returns the event's id."""
    event_id = store_event(db, action.source, action.event, body, result.status, result.message,
                           job_ids[0] if job_ids else None)
    activity.record(db, f"webhook.{action.source}", f"{action.source} {result.message}", result.level, None, None,
                    {"event": action.event, "event_id": event_id, "job_ids": job_ids}, bus)
    return event_id


def list_events(limit: int, offset: int) -> tuple[list[dict], int]:
    query = WebhookEvent.select().order_by(WebhookEvent.id.desc())
    return [{"id": e.id, "source": e.source, "event_type": e.event_type, "status": e.status,
             "message": e.message, "job_id": e.job_id, "received_at": iso(e.received_at)}
            for e in query.limit(limit).offset(offset)], query.count()
