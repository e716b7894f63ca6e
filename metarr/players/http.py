"""A small blocking JSON-over-HTTP helper (stdlib): player calls run on worker threads, and each
call is short, so no session or event loop is needed. Every failure becomes a PlayerError."""
from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from metarr.assets.ssrf import AllowList
from metarr.outbound import http as outbound
from metarr.service import redact

TIMEOUT = 5.0  # seconds (Kodi's JSON-RPC clients use 5 s; a player is on the LAN)


class PlayerError(Exception):
    """Any failure talking to a player (its text never carries a token or password)."""

    def __init__(self, *args) -> None:
        super().__init__(*(redact.scrub(a) if isinstance(a, str) else a for a in args))


class PlayerUnreachable(PlayerError):
    """Connection refused, timeout, DNS: worth retrying later or trying the next player of a group."""


class PlayerAuthError(PlayerError):
    """401/403: wrong credentials. Retrying does not help until the user fixes them."""


class PlayerConfigError(PlayerError):
    """The player answered, but cannot do this (e.g. no Plex section holds the path): fix the setup."""


class PlayerProtocolError(PlayerError):
    """The player answered, but not as expected (an HTTP error, a body we cannot read)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise PlayerProtocolError(f"the answer is not JSON (HTTP {self.status}, {len(self.body)} bytes)",
                                      self.status) from e


def request(method: str, url: str, *, allow: AllowList | None = None, headers: dict[str, str] | None = None,
            body: Any = None, timeout: float = TIMEOUT) -> Response:
    """One call to a player, through the outbound guard (LAN yes; loopback, link-local and other
    special addresses only when METARR_ALLOW_HOSTS names them; redirects not followed). A `bytes`
    body is sent as it is (an image upload), anything else as JSON."""
    data = None
    hdrs = {"Accept": "application/json", "User-Agent": "Metarr"}
    hdrs.update(headers or {})
    if isinstance(body, bytes):
        data = body
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    try:
        a = outbound.request(method, url, allow or AllowList(), headers=hdrs, body=data, timeout=timeout)
    except outbound.OutboundError as e:
        if e.refused:
            raise PlayerConfigError(f"{_host(url)}: {e}") from None
        raise PlayerUnreachable(f"cannot connect to {_host(url)}: {e}") from None
    except TimeoutError:
        raise PlayerUnreachable(f"{_host(url)} did not answer within {timeout:g} s") from None
    except (ConnectionError, OSError, http.client.HTTPException) as e:
        raise PlayerUnreachable(f"cannot connect to {_host(url)}: {type(e).__name__}") from None
    if a.status in (401, 403):
        raise PlayerAuthError(f"authentication failed (HTTP {a.status})")
    if 300 <= a.status < 400:
        raise PlayerProtocolError(f"HTTP {a.status}: redirected elsewhere, not followed (check the URL)", a.status)
    if a.status >= 400:
        # the status only: what the other side said is not repeated (no probing through Metarr)
        raise PlayerProtocolError(f"HTTP {a.status}", a.status)
    return Response(a.status, a.body, a.headers)


def _host(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).netloc or url
