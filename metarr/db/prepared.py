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

On PostgreSQL the text is also PREPAREd on each connection (outside a transaction) and run by
EXECUTE, so that the server neither parses nor plans it again: the movie page's statement spent
0.46 ms planning against 0.17 ms running. A connection that lost its prepared statements (a
pooler's DISCARD ALL) prepares it again; one that loses it again at once (PgBouncer in transaction
mode) turns this off for the process.
"""
from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any

import peewee as pw

from metarr.db.database import db_proxy, is_sqlite

_cache: dict[tuple[str, bool], tuple[Any, str, list, list[tuple[int, int]]]] = {}   # bounded: names are code
# PostgreSQL: per connection, the names of the statements PREPAREd on it (its server session)
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_server_names: dict[str, str] = {}   # SQL text -> its PREPARE name, one per text in the process
_numbers = itertools.count(1)
_lock = threading.Lock()
_PLACEHOLDER = re.compile(r"%s")
_state = {"off": False}   # True once the server forgot a statement right after it was prepared


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
    if key[1] or _state["off"] or db_proxy.in_transaction() or "%" in _PLACEHOLDER.sub("", sql):
        cursor = db_proxy.execute_sql(sql, values)
    else:
        cursor = _execute_prepared(sql, values)
    return list(query._get_cursor_wrapper(cursor))   # noqa: SLF001 - peewee's own row builder for this query


def _execute_prepared(sql: str, values: list) -> Any:
    """PostgreSQL, outside a transaction: EXECUTE the text PREPAREd on this connection."""
    with _lock:
        name = _server_names.get(sql)
        if name is None:
            name = _server_names[sql] = f"metarr_p{next(_numbers)}"
    conn = db_proxy.connection()
    done = _prepared_on.setdefault(conn, set())
    run = f"EXECUTE {name}" + (f"({', '.join(['%s'] * len(values))})" if values else "")
    if name not in done:
        _prepare(name, sql)
        done.add(name)
    try:
        return db_proxy.execute_sql(run, values)
    except pw.DatabaseError as e:   # prepared statement "…" does not exist: the session was reset
        if "does not exist" not in str(e):
            raise
    _prepare(name, sql)
    try:
        return db_proxy.execute_sql(run, values)
    except pw.DatabaseError as e:
        if "does not exist" not in str(e):
            raise
    # gone again at once: a pooler between us and the server (PgBouncer in transaction mode) runs
    # each statement on whichever server connection is free; the text is sent as it is from now on
    _state["off"] = True
    return db_proxy.execute_sql(sql, values)


def _prepare(name: str, sql: str) -> None:
    n = itertools.count(1)
    text = _PLACEHOLDER.sub(lambda _: f"${next(n)}", sql)
    try:
        db_proxy.execute_sql(f"PREPARE {name} AS {text}")
    except pw.DatabaseError as e:   # already there (a statement that failed after it was prepared)
        if "already exists" not in str(e):
            raise
