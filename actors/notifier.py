"""Notifier: listens to the bus and turns matching events into `notify.send` jobs, one per channel
(so a failing channel is retried by the ledger and never blocks a phase)."""
from __future__ import annotations

import logging

import pykka

from metarr.assets.ssrf import AllowList
from metarr.db.database import connection
from metarr.db.integrations import NotificationChannel
from metarr.jobs import chain
from metarr.jobs.model import JobResult, PermanentError
from metarr.outbound import notify
from metarr.service import redact

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)


class Notifier(MetarrActor):
    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self.db = services.db
        self.channels: list[notify.Channel] = []

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()
        self.reload()
        self._unsub = self.services.bus.subscribe(self._on_bus)

    def on_stop(self) -> None:
        self._unsub()
        super().on_stop()

    def _on_bus(self, event) -> None:   # publisher's thread: only tell
        name = notify.event_name(event.type, dict(event.data))
        if name is None and not (event.type == "entity.updated" and event.data.get("entity") == "channel"):
            return
        try:
            if name is None:
                self._self.reload.defer()
            else:
                self._self.on_event.defer(name, dict(event.data))
        except pykka.ActorDeadError:
            pass

    @safe_handler
    def reload(self) -> None:
        with connection(self.db):
            self.channels = [notify.Channel(c.id, c.name, c.url, tuple(c.events or ()), c.enabled)
                             for c in NotificationChannel.select()]
        for c in self.channels:   # a channel made by another process: its credentials known here too
            redact.remember(*redact.url_secrets(c.url))

    @safe_handler
    def on_event(self, name: str, data: dict) -> None:
        specs = [chain.notify(c.id, name, data) for c in self.channels if notify.wants(c, name)]
        if specs:
            self.services.actor("ledger").submit.defer(specs)


def send_notification(ctx, job):
    c = NotificationChannel.get_or_none(NotificationChannel.id == int(job.payload["channel_id"]))
    if c is None or not c.enabled:
        return JobResult(data={"skipped": "channel removed or disabled"})
    redact.remember(*redact.url_secrets(c.url))
    title, body = notify.message(job.payload["event"], job.payload.get("data") or {})
    try:
        notify.send(c.url, title, body, {"event": job.payload["event"], **(job.payload.get("data") or {})},
                    allow=AllowList.parse(ctx.services.config.allow_hosts))
    except ValueError as e:
        raise PermanentError(str(e)) from e
    return JobResult(data={"sent": job.payload["event"], "channel": c.name})
