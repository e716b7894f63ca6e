"""The activity log: what happened, for people (scans finished, webhooks, errors, restores)."""
from __future__ import annotations

import time
from typing import Any

from metarr.db.database import write_tx
from metarr.db.models import ActivityLog
from metarr.service import redact
from metarr.service.timefmt import iso


def record(db, kind: str, message: str, level: str = "info", entity_type: str | None = None,
           entity_id: int | None = None, data: dict[str, Any] | None = None, bus=None) -> ActivityLog:
    with write_tx(db):
        row = ActivityLog.create(ts=time.time(), kind=kind, level=level, message=redact.scrub(message)[:2000],
                                 entity_type=entity_type, entity_id=entity_id, data=redact.scrub_data(data))
    if bus is not None:
        bus.publish("activity", **to_json(row))
    return row


def entity_label(entity_type: str, entity_id: int) -> str:
    from metarr.db.media import ENTITY_MODELS
    model = ENTITY_MODELS.get(entity_type)
    row = model.get_or_none(model.id == entity_id) if model else None
    if row is None:
        return f"{entity_type} {entity_id}"
    title = getattr(row, "title", None) or getattr(row, "name", None) or f"{entity_type} {entity_id}"
    year = getattr(row, "year", None)
    return f"{title} ({year})" if year else title


def to_json(r: ActivityLog) -> dict:
    return {"id": r.id, "ts": iso(r.ts), "kind": r.kind, "level": r.level, "message": r.message,
            "entity_type": r.entity_type, "entity_id": r.entity_id, "data": r.data}


def list_entries(limit: int, offset: int, kind: str | None = None, level: str | None = None) -> tuple[list[dict], int]:
    q = ActivityLog.select()
    if kind:
        q = q.where(ActivityLog.kind.startswith(kind))
    if level:
        q = q.where(ActivityLog.level == level)
    total = q.count()
    return [to_json(r) for r in q.order_by(ActivityLog.id.desc()).limit(limit).offset(offset)], total
