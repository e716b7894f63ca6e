"""Selects whose SQL text is built once and run again with fresh parameters, answering model
instances as peewee would.

An item's page (`GET /api/v1/movies/{id}`) runs about ten small selects; peewee rebuilt each one's
text from its expression tree every time, 70 % of the detail's time against the database's 10 %
(cProfile at 166,667 movies). Here the query is built once per (name, database kind) with marker
values standing for the arguments, its text and parameters kept; a call puts the real values where
the markers were and runs the text. The rows come through the query's own cursor wrapper (a new
one per call), so joined
models (`slot.cachefile`) are filled as before. Only plain values (ints, strings) may be arguments,
each appearing as a parameter of its own (not inside an `IN` list of variable length).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee as pw

from metarr.db.database import db_proxy, is_sqlite

_cache: dict[tuple[str, bool], tuple[Any, str, list, list[tuple[int, int]]]] = {}   # bounded: names are code


def _marker(i: int, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"prepared select arguments must be int or str, not {type(value).__name__}")
    return -(7_000_000_000_017 + i) if isinstance(value, int) else f"\x00metarr-marker-{i}\x00"


def select(name: str, build: Callable[..., pw.Select], *args: Any) -> list:
    """The rows of `build(*args)`, with the SQL text of the first call of `name` on this kind of
    database (every model is bound to `db_proxy`)."""
    key = (name, is_sqlite(db_proxy))
    entry = _cache.get(key)
    if entry is None:
        markers = [_marker(i, a) for i, a in enumerate(args)]
        query = build(*markers)
        sql, params = query.sql()
        slots = [(pos, markers.index(p)) for pos, p in enumerate(params)
                 if isinstance(p, int | str) and not isinstance(p, bool) and p in markers]
        if sorted(i for _, i in slots) != list(range(len(args))):
            raise ValueError(f"prepared select {name!r}: each argument must be one parameter of its own")
        entry = (query, sql, list(params), slots)
        _cache[key] = entry
    query, sql, params, slots = entry
    values = list(params)
    for pos, i in slots:
        values[pos] = args[i]
    cursor = db_proxy.execute_sql(sql, values)
    return list(query._get_cursor_wrapper(cursor))   # noqa: SLF001 - peewee's own row builder for this query
