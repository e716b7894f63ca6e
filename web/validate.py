"""Reading and checking client input: every mistake is a 4xx with a clear message."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from metarr.service import jsonsafe

from .envelope import ApiError, bad_request

MAX_LIMIT = 500
MAX_INT = 2**31 - 1   # ids and integer columns are 32-bit on PostgreSQL: a larger value is never a match


async def json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as e:
        raise ApiError(413, "too_large", "request body too large") from e
    if not raw:
        if required:
            raise bad_request("a JSON object body is required")
        return {}
    try:
        body = jsonsafe.loads(raw)
    except jsonsafe.BadJson as e:
        raise bad_request(str(e)) from None
    if not isinstance(body, dict):
        raise bad_request("the JSON body must be an object")
    return body


# what aiohttp raises on a form it cannot read: no or a broken boundary, an unknown charset
MALFORMED_FORM = (ValueError, LookupError, HttpProcessingError)


async def form_body(request: web.Request):
    """The form fields, or a 400 for a malformed form (never a 500 with a traceback in error.log)."""
    try:
        return await request.post()
    except MALFORMED_FORM:
        raise bad_request("malformed form data (its boundary or charset cannot be read)") from None


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The whole body, or 413 once it passes `limit` (`content.read(n)` alone returns whatever part has
    arrived, which truncates any body that comes in more than one piece)."""
    chunks, size = [], 0
    while True:
        chunk = await request.content.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"request body too large (limit {limit} bytes)")
        chunks.append(chunk)


def field(body: dict, name: str, kind: type | tuple, *, required: bool = False, default: Any = None,
          choices: tuple | None = None, max_len: int | None = None) -> Any:
    if name not in body or body[name] is None:
        if required:
            raise bad_request(f"'{name}' is required", {"field": name})
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if bool not in kinds and isinstance(value, bool):
        raise bad_request(f"'{name}' has the wrong type", {"field": name})
    if not isinstance(value, kinds):
        names = "/".join(k.__name__ for k in kinds)
        raise bad_request(f"'{name}' must be {names}", {"field": name})
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT - 1 <= value <= MAX_INT:
        raise bad_request(f"'{name}' is out of range", {"field": name})
    if choices is not None and value not in choices:
        raise bad_request(f"'{name}' must be one of {', '.join(map(str, choices))}", {"field": name})
    if max_len is not None and isinstance(value, str) and len(value) > max_len:
        raise bad_request(f"'{name}' is too long (max {max_len})", {"field": name})
    return value


def int_param(request: web.Request, name: str, default: int, lo: int = 0, hi: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = ascii_int(raw)
    except ValueError:
        raise bad_request(f"query parameter '{name}' must be an integer") from None
    hi = MAX_INT if hi is None else hi
    if value < lo or value > hi:
        raise bad_request(f"query parameter '{name}' must be between {lo} and {hi}")
    return value


def paging(request: web.Request) -> tuple[int, int]:
    return int_param(request, "limit", 50, 1, MAX_LIMIT), int_param(request, "offset", 0, 0)


def ascii_int(raw: str) -> int:
    """An integer written in ASCII digits, an optional leading '-' and nothing else: `int()` also
    takes '٣', '+3', ' 3' and '3_0', and an id must not be reinterpreted."""
    body = raw[1:] if raw.startswith("-") else raw
    if not (body.isascii() and body.isdigit()):
        raise ValueError(f"not an integer: {raw!r}")
    return int(raw)


def path_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info.get(name, "")
    try:
        value = ascii_int(raw)
    except ValueError:
        raise ApiError(404, "not_found", f"no such id {raw!r}") from None
    if value < 1 or value > MAX_INT:
        raise ApiError(404, "not_found", f"no such id {raw!r}")
    return value


def csv_param(request: web.Request, name: str, choices: tuple | None = None) -> list[str]:
    raw = request.query.get(name, "")
    items = [x.strip() for x in raw.split(",") if x.strip()]
    if choices:
        bad = [x for x in items if x not in choices]
        if bad:
            raise bad_request(f"'{name}' has unknown values: {', '.join(bad)}")
    return items
