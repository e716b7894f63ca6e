"""Streaming artwork downloader in plain stdlib (`http.client`), for actor threads.

Every hop: validate the URL, resolve once through the SSRF guard, connect to that exact IP
while sending the real Host header / SNI, follow redirects manually (re-checking each hop),
enforce a total deadline and a byte cap while streaming into a temp file that is hashed on
the fly. On any refusal the temp file is removed before the error propagates.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from metarr.assets.errors import (
    DownloadError,
    DownloadTimeout,
    HTTPStatusError,
    TooLarge,
    TooManyRedirects,
)
from metarr.assets.images import describe_unknown, sniff_format
from metarr.assets.ssrf import AllowList, Resolver, Target, resolve_target, system_resolver
from metarr.library.fsutil import make_temp
from metarr.sources.http import parse_retry_after

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
SNIFF_BYTES = 32
# writing the download meets our own disk's trouble: raised as it is, never as the host's failure
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
DEFAULT_USER_AGENT = "Metarr/0.1 (+https://github.com/metarr)"


@dataclass(frozen=True)
class DownloadPolicy:
    allow: AllowList = field(default_factory=AllowList)
    max_bytes: int = 50 * 1024 * 1024
    connect_timeout: float = 10.0
    total_timeout: float = 60.0          # whole download, all hops, headers and body
    max_redirects: int = 5
    expect_image: bool = True            # refuse early when the first bytes are not an image
    user_agent: str = DEFAULT_USER_AGENT
    extra_headers: tuple[tuple[str, str], ...] = ()
    resolver: Resolver = system_resolver
    ssl_context: ssl.SSLContext | None = None   # None -> system CA store, hostname checked

    @classmethod
    def from_allow_hosts(cls, allow_hosts: str | tuple[str, ...] | None, **kw) -> DownloadPolicy:
        """Policy from `METARR_ALLOW_HOSTS` / `Config.allow_hosts`."""
        return cls(allow=AllowList.parse(allow_hosts), **kw)


@dataclass(frozen=True)
class Downloaded:
    temp_path: Path       # caller owns it: ingest (move) or unlink
    sha256: str
    size: int
    content_type: str | None
    final_url: str


def _open_socket(ip: str, port: int, timeout: float) -> socket.socket:
    """The only place a socket is opened (tests patch it to prove nothing else is contacted)."""
    return socket.create_connection((ip, port), timeout=timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to a pre-resolved IP; `host` stays the name for the Host header."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip = target.ip

    def connect(self) -> None:
        self.sock = _open_socket(self._ip, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a pre-resolved IP with SNI and certificate check against the host name."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._ip = target.ip
        self._ctx = context

    def connect(self) -> None:
        raw = _open_socket(self._ip, self.port, self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = self._ctx.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _remaining(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise DownloadTimeout(detail="total timeout exceeded", url=url)
    return left


def _connection(target: Target, policy: DownloadPolicy, timeout: float) -> http.client.HTTPConnection:
    return pinned_connection(target, timeout, policy.ssl_context)


def pinned_connection(target: Target, timeout: float, context: ssl.SSLContext | None = None
                      ) -> http.client.HTTPConnection:
    """A connection to exactly the address the guard checked (no second DNS answer can differ)."""
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout, context or ssl.create_default_context())
    return _PinnedHTTP(target, timeout)


def _request(target: Target, policy: DownloadPolicy, deadline: float
             ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    conn = _connection(target, policy, min(policy.connect_timeout, _remaining(deadline, target.url)))
    try:
        conn.putrequest("GET", target.path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target.host_header)
        conn.putheader("User-Agent", policy.user_agent)
        conn.putheader("Accept", "image/jpeg,image/png,image/webp,image/gif;q=0.9,*/*;q=0.1")
        conn.putheader("Accept-Encoding", "identity")  # byte cap applies to what we store
        conn.putheader("Connection", "close")
        for k, v in policy.extra_headers:
            conn.putheader(k, v)
        conn.endheaders()
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(deadline, target.url))
        resp = conn.getresponse()
    except BaseException:
        conn.close()
        raise
    return conn, resp


def _content_length(resp: http.client.HTTPResponse) -> int | None:
    raw = resp.getheader("Content-Length")
    if raw is None:
        return None
    try:
        n = int(raw.strip())
    except ValueError:
        return None
    return n if n >= 0 else None


def _not_image(resp: http.client.HTTPResponse, head: bytes, url: str) -> DownloadError:
    """Bytes that are not an image. Sent as a web page (`text/…`), they are the host's error or
    maintenance page: "not now", tried again. Sent as an image, they are what the host holds: a refusal."""
    ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if ctype.startswith("text/"):
        return DownloadError("error_page", f"a web page ({ctype}) instead of the image", url=url)
    return DownloadError("not_image", describe_unknown(head), url=url)


def _stream_body(conn: http.client.HTTPConnection, resp: http.client.HTTPResponse, dest_dir: Path,
                 policy: DownloadPolicy, deadline: float, url: str) -> tuple[Path, str, int]:
    declared = _content_length(resp)
    if declared is not None and declared > policy.max_bytes:
        raise TooLarge(detail=f"Content-Length {declared} exceeds {policy.max_bytes}", url=url)
    fd, tmp = make_temp(dest_dir, suffix=".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            head = b""
            while True:
                if conn.sock is not None:
                    conn.sock.settimeout(_remaining(deadline, url))
                # read1: return what has arrived instead of blocking for a full chunk
                chunk = resp.read1(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > policy.max_bytes:  # catches absent or lying Content-Length
                    raise TooLarge(detail=f"body exceeds {policy.max_bytes} bytes", url=url)
                if policy.expect_image and len(head) < SNIFF_BYTES:
                    head += chunk[:SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES and sniff_format(head) is None:
                        raise _not_image(resp, head, url)
                digest.update(chunk)
                fh.write(chunk)
                _remaining(deadline, url)
            if declared is not None and size < declared:
                raise DownloadError("incomplete", f"body ended after {size} of {declared} bytes", url=url)
            if policy.expect_image and sniff_format(head) is None:
                raise _not_image(resp, head, url)
            fh.flush()
            os.fsync(fh.fileno())  # the store renames this file into place
        return tmp, digest.hexdigest(), size
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def download(url: str, dest_dir: str | os.PathLike[str], policy: DownloadPolicy = DownloadPolicy()) -> Downloaded:
    """Download `url` into a temp file in `dest_dir`. Raises a DownloadError subclass.

    `dest_dir` should be on the same filesystem as the asset store so ingest is a rename.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + policy.total_timeout
    current = url
    hops = 0
    while True:
        target = resolve_target(current, policy.allow, policy.resolver)
        conn = None
        try:
            conn, resp = _request(target, policy, deadline)
            if resp.status in REDIRECT_STATUSES:
                location = resp.getheader("Location")
                if not location:
                    raise HTTPStatusError(detail=f"{resp.status} without Location", url=current,
                                          status=resp.status)
                hops += 1
                if hops > policy.max_redirects:
                    raise TooManyRedirects(detail=f"more than {policy.max_redirects} redirects",
                                           url=url)
                current = urljoin(current, location.strip())
                continue
            if resp.status != 200:
                retry_after = None
                if resp.status in (429, 503):
                    retry_after = parse_retry_after(resp.getheader("Retry-After"), time.time())
                raise HTTPStatusError(detail=f"HTTP {resp.status} {resp.reason}", url=current,
                                      status=resp.status, retry_after=retry_after)
            tmp, sha, size = _stream_body(conn, resp, dest, policy, deadline, current)
            return Downloaded(temp_path=tmp, sha256=sha, size=size,
                              content_type=resp.getheader("Content-Type"), final_url=current)
        except DownloadError:
            raise
        except TimeoutError as exc:
            raise DownloadTimeout(detail=str(exc) or "timed out", url=current) from exc
        except http.client.IncompleteRead as exc:
            raise DownloadError("incomplete", f"body ended after {len(exc.partial)} bytes",
                                url=current) from exc
        except ssl.SSLError as exc:
            raise DownloadError("tls", str(exc), url=current) from exc
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, ConnectionError) and exc.errno in DISK_ERRNOS:
                raise   # our disk, not the host: the job waits for it (metarr/jobs/waiting.py)
            raise DownloadError("connection", f"{type(exc).__name__}: {exc}", url=current) from exc
        finally:
            if conn is not None:
                conn.close()
