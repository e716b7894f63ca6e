"""Requests Metarr sends to addresses the user configured (players, notification webhooks), through
the same guard as artwork downloads (metarr.assets.ssrf): the name is resolved once and the checked
address is the one connected to. Private LAN addresses are allowed (players live there); loopback,
link-local (cloud metadata), unspecified and other special addresses are refused unless
METARR_ALLOW_HOSTS names them. Redirects are not followed, and no error repeats what the other
side answered (a probe must not read a service's replies through Metarr)."""
from __future__ import annotations

from dataclasses import dataclass

from metarr.assets.download import pinned_connection
from metarr.assets.errors import DownloadError
from metarr.assets.ssrf import AllowList, resolve_target


class OutboundError(Exception):
    def __init__(self, message: str, status: int | None = None, refused: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.refused = refused     # the guard said no: retrying cannot help


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


MAX_ANSWER = 4 * 1024 * 1024


def request(method: str, url: str, allow: AllowList, *, headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = 5.0) -> Answer:
    try:
        target = resolve_target(url, allow, lan=True)
    except DownloadError as e:
        raise OutboundError(f"not sent: {e.detail or e.reason}", refused=e.reason != "connection") from None
    conn = pinned_connection(target, timeout)
    try:
        conn.putrequest(method, target.path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target.host_header)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read(MAX_ANSWER)
        return Answer(resp.status, data, dict(resp.getheaders()))
    finally:
        conn.close()
