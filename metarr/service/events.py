"""Events published by the actors (SPEC §6 websocket types) and the in-process bus that carries them.

Subscribers run in the publisher's thread, so they must only hand the event on (a pykka tell, or
`loop.call_soon_threadsafe` in the web bridge), never block or raise into the publisher.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from metarr.service import redact

log = logging.getLogger(__name__)

EventType = Literal[
    "job.created", "job.started", "job.progress", "job.succeeded", "job.failed", "job.dead", "job.cancelled",
    "scan.progress", "entity.updated", "asset.selected", "publish.completed", "player.status", "sync.progress",
    "health.changed", "verify.result", "webhook.received", "activity",
]


@dataclass(frozen=True)
class Event:
    type: str
    data: Mapping[str, Any]
    ts: float = field(default_factory=time.time)

    @property
    def topic(self) -> str:
        return self.type.split(".", 1)[0]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "ts": self.ts, "data": dict(self.data)}


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subs = [*self._subs, fn]

        def unsubscribe() -> None:
            with self._lock:
                self._subs = [s for s in self._subs if s is not fn]
        return unsubscribe

    def publish(self, event_type: str, /, **data: Any) -> None:
        self.emit(Event(event_type, data))

    def emit(self, event: Event) -> None:
        # an event may carry an error's text (job.failed, sync.progress…): no secret goes on with it
        event = Event(event.type, redact.scrub_data(dict(event.data)), event.ts)
        for fn in self._subs:  # copy-on-write list: no lock on the hot path
            try:
                fn(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.type)
