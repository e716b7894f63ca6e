"""Notification channels as the user configures them: a name, a URL (a JSON webhook, or any apprise
URL), event filters (`*` patterns). Creating and removing one is published on the bus. Sending is
metarr/outbound/notify.py. Blocking; worker threads only."""
from __future__ import annotations

import time

from metarr.db.database import write_tx
from metarr.db.integrations import NotificationChannel
from metarr.outbound import apprise_guard
from metarr.service import redact
from metarr.service.records import Invalid


def shown_url(url: str) -> str:
    """The URL as the API and the UI show it: its credentials masked (like provider keys, they are
    write-only; a channel with a new secret is made anew)."""
    for secret in sorted(redact.url_secrets(url), key=len, reverse=True):
        url = url.replace(secret, redact.MASK)
    return url


def channel_json(c: NotificationChannel) -> dict:
    return {"id": c.id, "name": c.name, "url": shown_url(c.url), "events": c.events or [], "enabled": c.enabled}


def list_channels() -> list[dict]:
    return [channel_json(c) for c in NotificationChannel.select().order_by(NotificationChannel.id)]


def get_channel(cid: int) -> NotificationChannel | None:
    return NotificationChannel.get_or_none(NotificationChannel.id == cid)


def create_channel(db, bus, name: str, url: str, events: list, enabled: bool) -> dict:
    redact.remember(*redact.url_secrets(url))
    why = apprise_guard.problem(url.strip())
    if why:
        raise Invalid(f"'url': {why}", "url")
    if not all(isinstance(e, str) and e for e in events):
        raise Invalid("'events' must be a list of event names (see notify events), '*' patterns allowed", "events")
    with write_tx(db):
        c = NotificationChannel.create(name=name, url=url, events=events, enabled=enabled, created_at=time.time())
    bus.publish("entity.updated", entity="channel", id=c.id, action="created")
    return channel_json(c)


def remove_channel(db, bus, cid: int) -> bool:
    with write_tx(db):
        n = NotificationChannel.delete().where(NotificationChannel.id == cid).execute()
    if n:
        bus.publish("entity.updated", entity="channel", id=cid, action="removed")
    return bool(n)
