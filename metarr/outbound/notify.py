"""Notifications: which channels want an event (pure), and sending one message (a generic JSON
webhook, or any apprise URL when apprise is installed). Sending happens in retried jobs."""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from metarr.assets.ssrf import AllowList
from metarr.outbound import http as outbound

# what users can subscribe to; `*` patterns allowed (e.g. "job.*")
EVENTS = ("scan.completed", "enrich.completed", "publish.completed", "sync.completed", "job.dead", "job.failed",
          "webhook.received", "verify.result", "error")


@dataclass(frozen=True)
class Channel:
    id: int
    name: str
    url: str
    events: tuple[str, ...]
    enabled: bool = True


def wants(channel: Channel, event_type: str) -> bool:
    return channel.enabled and any(fnmatch.fnmatchcase(event_type, pat) for pat in channel.events or ("*",))


def event_name(event_type: str, data: dict[str, Any]) -> str | None:
    """Map a bus event to a notification event (or None). Job completions become '<phase>.completed'."""
    if event_type == "job.succeeded":
        jtype = str(data.get("type") or "")
        if jtype.startswith("notify."):
            return None   # never notify about notifications
        phase = jtype.split(".", 1)[0]
        return f"{phase}.completed" if phase in ("scan", "enrich", "publish", "sync") else None
    if event_type in ("job.dead", "job.failed"):
        return None if str(data.get("type") or "").startswith("notify.") else event_type
    if event_type in ("webhook.received", "verify.result", "publish.completed"):
        return event_type
    return None


def message(event: str, data: dict[str, Any]) -> tuple[str, str]:
    title = f"Metarr: {event}"
    bits = [f"{k}={v}" for k, v in data.items() if k in ("type", "subject", "error", "source", "event", "problems",
                                                         "entity_type", "id", "library_id") and v not in (None, "")]
    return title, ", ".join(bits) or event


class Refused(ValueError):
    """The outbound guard refused the address: a retry cannot help."""


def send(url: str, title: str, body: str, payload: dict[str, Any], timeout: float = 15.0,
         allow: AllowList | None = None) -> None:
    """Deliver one notification; raises on failure (the job retries, unless it was Refused)."""
    if url.startswith(("http://", "https://")):
        data = json.dumps({"title": title, "message": body, "event": payload}).encode()
        try:
            a = outbound.request("POST", url, allow or AllowList(), timeout=timeout, body=data,
                                 headers={"Content-Type": "application/json", "User-Agent": "Metarr/0.1"})
        except outbound.OutboundError as e:
            if e.refused:
                raise Refused(str(e)) from None
            raise RuntimeError(str(e)) from None
        if a.status >= 300:
            # the status only, never the body: a test send must not read other services' answers
            raise RuntimeError(f"webhook answered HTTP {a.status}" + (" (redirects are not followed)"
                                                                      if a.status < 400 else ""))
        return
    from metarr.outbound import apprise_guard
    try:
        apprise_guard.send(url, title, body, allow or AllowList(), timeout)
    except outbound.OutboundError as e:
        if e.refused:
            raise Refused(str(e)) from None
        raise RuntimeError(str(e)) from None
