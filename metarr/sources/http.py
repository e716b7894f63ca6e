"""Requests, errors and the one async fetch every provider goes through."""
from __future__ import annotations

import email.utils
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metarr.service import redact

USER_AGENT = "Metarr/0.1.0 ( https://github.com/metarr/metarr )"


@dataclass(frozen=True)
class Request:
    provider: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    body: dict | None = None
    auth: bool = True              # add the provider's credentials
    cache_ttl: float = 7 * 86400   # 0 = never cached (logins, searches of changing data)
    not_found_ok: bool = False     # Fanart.tv: 404 means "no art"
    fresh: bool = False            # a change feed said it changed: skip the cached answer, store the new one

    def cache_key(self) -> str:
        raw = json.dumps([self.provider, self.method, self.path, sorted(self.params), self.body], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()


Call = Callable[[Request], Any]


class ProviderError(Exception):
    retryable = False

    def __init__(self, provider: str, message: str, status: int | None = None) -> None:
        # whatever the message quotes (an answer that echoes the request, a client error naming the
        # URL), no key leaves in it
        super().__init__(f"{provider}: {redact.scrub(message)}")
        self.provider, self.status = provider, status


class AuthError(ProviderError):
    pass


class NotFound(ProviderError):
    pass


class RateLimited(ProviderError):
    retryable = True

    def __init__(self, provider: str, message: str, status: int, retry_after: float) -> None:
        super().__init__(provider, message, status)
        self.retry_after = retry_after


class ServerError(ProviderError):
    retryable = True


class ProviderTimeout(ProviderError):
    retryable = True


class BadResponse(ProviderError):
    retryable = True   # truncated bodies and maintenance pages are usually transient


class Unavailable(ProviderError):
    """Not configured (no key) or its circuit is open: degrade, do not fail the pipeline. For an open
    circuit `retry_after` says in how many seconds it lets a request through again."""

    def __init__(self, provider: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float, default: float = 5.0, cap: float = 600.0) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return min(cap, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return default
    return max(0.0, min(cap, when - now))


def classify_status(provider: str, status: int, text: str, retry_after: float, throttle_503: bool) -> ProviderError | None:
    if status < 400:
        return None
    snippet = text[:200].replace("\n", " ")
    if status in (401, 403):
        if provider == "omdb" and "limit" in text.lower():
            return RateLimited(provider, "daily request limit reached", status, 3600)
        return AuthError(provider, f"authentication failed ({status}): {snippet}", status)
    if status == 404:
        return NotFound(provider, "not found", status)
    if status == 429 or (status == 503 and throttle_503):
        return RateLimited(provider, f"rate limited ({status})", status, retry_after)
    if status >= 500:
        return ServerError(provider, f"server error {status}", status)
    return ProviderError(provider, f"HTTP {status}: {snippet}", status)


@dataclass
class Endpoint:
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    throttle_503: bool = False


async def fetch(session, ep: Endpoint, req: Request, now: float) -> Any:
    """One HTTP exchange; JSON in, typed errors out."""
    import aiohttp
    url = ep.base_url.rstrip("/") + "/" + req.path.lstrip("/")
    params = dict(req.params)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if req.auth:
        params.update(ep.params)
        headers.update(ep.headers)
    try:
        async with session.request(req.method, url, params=params or None, json=req.body, headers=headers,
                                   timeout=aiohttp.ClientTimeout(total=ep.timeout)) as resp:
            raw = await resp.read()
            text = raw.decode("utf-8", "replace")
            err = classify_status(req.provider, resp.status, text,
                                  parse_retry_after(resp.headers.get("Retry-After"), now), ep.throttle_503)
            if err is not None:
                raise err
            ctype = resp.headers.get("Content-Type", "")
            if "json" not in ctype:
                raise BadResponse(req.provider, f"expected JSON, got {ctype or 'no content type'}")
            try:
                return json.loads(raw)
            except ValueError:
                raise BadResponse(req.provider, "malformed or truncated JSON") from None
    except TimeoutError:
        raise ProviderTimeout(req.provider, f"no answer within {ep.timeout:.0f} s") from None
    except aiohttp.ClientPayloadError:
        raise BadResponse(req.provider, "truncated response body") from None
    except aiohttp.TooManyRedirects:
        # aiohttp's message is the request URL, query (the key) included
        raise ServerError(req.provider, "too many redirects") from None
    except aiohttp.ClientResponseError as e:
        raise ServerError(req.provider, f"HTTP {e.status} {e.message}") from None
    except aiohttp.ClientError as e:
        raise ServerError(req.provider, f"connection failed: {type(e).__name__}: {e}") from None
