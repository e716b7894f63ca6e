"""A small blocking JSON-over-HTTP helper (stdlib): player calls run on worker threads, and each
call is short, so no session or event loop is needed. Every failure becomes a PlayerError."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 5.0  # seconds (Kodi's JSON-RPC clients use 5 s; a player is on the LAN)


class PlayerError(Exception):
    """Any failure talking to a player."""


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
            raise PlayerProtocolError(f"not JSON: {self.body[:80]!r}", self.status) from e


def request(method: str, url: str, *, headers: dict[str, str] | None = None, body: Any = None,
            timeout: float = TIMEOUT) -> Response:
    data = None
    hdrs = {"Accept": "application/json", "User-Agent": "Metarr"}
    hdrs.update(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (user-configured player URL)
            return Response(r.status, r.read(), dict(r.headers))
    except urllib.error.HTTPError as e:
        text = e.read()[:200].decode("utf-8", "replace")
        if e.code in (401, 403):
            raise PlayerAuthError(f"authentication failed (HTTP {e.code})") from None
        raise PlayerProtocolError(f"HTTP {e.code}: {text or e.reason}", e.code) from None
    except urllib.error.URLError as e:
        raise PlayerUnreachable(f"cannot connect to {_host(url)}: {e.reason}") from None
    except TimeoutError:
        raise PlayerUnreachable(f"{_host(url)} did not answer within {timeout:g} s") from None
    except (ConnectionError, OSError) as e:
        raise PlayerUnreachable(f"cannot connect to {_host(url)}: {e}") from None


def _host(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).netloc or url
