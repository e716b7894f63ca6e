"""Keyset cursors of the API's lists (the media lists, the jobs): an opaque base64url JSON of
[list, sort, sort value, id] that names the last row shown, and the errors a list request answers
with a 400 in words. Here, below both, so that the jobs (which the library imports) page the way
the media lists do without importing them."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any


class BadQuery(ValueError):
    """A list request that cannot be answered (an unknown sort, a bad cursor): a 400 in words."""


class BadCursor(BadQuery):
    """A cursor that cannot be read, or was made for another list or sort."""


_NOT_OURS = "'after' is not a cursor this API gave out (take meta.next_cursor of the previous page as it is)"


def encode_cursor(kind: str, sort: str, value: Any, row_id: int) -> str:
    raw = json.dumps([kind, sort, value, row_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, sort: str,
                  value_ok: Callable[[Any], bool] = lambda _: True) -> tuple[Any, int]:
    """The (sort value, id) a cursor stands for; BadCursor in words when it is not one of this list's
    (`value_ok`: whether the sort value is one this list's sort can have)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        ckind, csort, value, row_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise BadCursor(_NOT_OURS) from None
    if ckind != kind:
        raise BadCursor(f"'after' is a cursor of another list ({ckind}), not of this one ({kind})")
    if csort != sort:
        raise BadCursor(f"'after' was made for sort={csort}; ask with the same sort, or start again without 'after'")
    if not isinstance(row_id, int) or isinstance(row_id, bool) or abs(row_id) >= 2**63 or not value_ok(value):
        raise BadCursor(_NOT_OURS)
    return value, row_id
