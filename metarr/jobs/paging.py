"""Keyset pages of the jobs lists (#32: a page at OFFSET 500,000 read and dropped half a million
rows: 36-98 ms on SQLite, ~379 ms on PostgreSQL). A cursor has the movie lists' form
(metarr/library/list_page.py: opaque base64url JSON, `meta.next_cursor`, `after=`) and stands for
the last job shown; the next page is the jobs strictly past its id in the sort's direction, so jobs
added or finished between two pages never make another appear twice or go missing."""
from __future__ import annotations

from metarr.db.cursors import BadQuery, decode_cursor, encode_cursor

KIND = "job"
KEYSET_SORTS = {"-id": "id < %s", "id": "id > %s"}   # the sorts a cursor pages: the list's order is the id's


def condition(sort: str) -> str:
    """The WHERE term a cursor adds for `sort` (its parameter: the cursor's id)."""
    if sort not in KEYSET_SORTS:
        raise BadQuery(f"'after' pages the jobs sorted by {' or '.join(KEYSET_SORTS)}; for sort={sort} use offset")
    return KEYSET_SORTS[sort]


def decode(cursor: str, sort: str) -> int:
    """The id a cursor of this list stands for; BadQuery/BadCursor in words otherwise."""
    condition(sort)
    _, row_id = decode_cursor(cursor, KIND, sort)
    return row_id


def encode(sort: str, last_id: int) -> str:
    return encode_cursor(KIND, sort, last_id, last_id)


def next_cursor(sort: str, rows: list[dict], more: bool) -> str | None:
    """The cursor of the page after `rows` (None at the end, or for a sort cursors do not page)."""
    return encode(sort, rows[-1]["id"]) if more and rows and sort in KEYSET_SORTS else None
