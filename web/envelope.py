"""The response envelope of SPEC §6 and the one error type views raise."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aiohttp import web

from metarr.service import redact


def _default(o: Any):
    if isinstance(o, dt.datetime | dt.date):
        return o.isoformat()
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if hasattr(o, "__fspath__"):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=_default, ensure_ascii=False, separators=(",", ":"))


def ok(data: Any = None, meta: dict | None = None, status: int = 200) -> web.Response:
    body: dict[str, Any] = {"success": True, "data": data}
    if meta is not None:
        body["meta"] = meta
    return web.Response(text=dumps(body), status=status, content_type="application/json")


def error_body(status: int, code: str, message: str, details: Any = None) -> web.Response:
    body = {"success": False, "error": {"code": code, "message": redact.scrub(message), "details": details}}
    return web.Response(text=dumps(body), status=status, content_type="application/json")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}     # e.g. Retry-After on a 429/503


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def bad_request(message: str, details: Any = None) -> ApiError:
    return ApiError(400, "bad_request", message, details)
