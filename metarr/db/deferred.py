"""Writes held back and sent with the next statement whose rows are read, one round trip for both.

A first scan's folder wrote ~30 statements to PostgreSQL in ~22 round trips (field states, file
links, lists, savepoints, …), each a wait on the network that outweighed what the server spent on
it. Inside `deferred_writes`, a statement that returns no rows (INSERT / UPDATE / DELETE without
RETURNING) is rendered with its values and held; the next statement that returns rows is sent
after them in the same round trip (psycopg2 runs a string of statements in order and keeps the
last one's result), and what is still held when the block ends is sent then. The database runs
the same statements in the same order.

What changes: an error of a held write is raised by a later statement (or at the block's end), and
a held write's row count is not known. So the block is all or nothing: a caller rolls all of it
back on any error (and, if it wants each failure to be its unit's own, runs it again without
deferring: `together_or_each`). Savepoints inside it are therefore not made. SQLite has no round
trips: a no-op there.
"""
from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import TypeVar

from metarr.db.database import is_sqlite, write_tx

log = logging.getLogger(__name__)
T = TypeVar("T")

# statements that never return rows; anything else (SELECT, INSERT … RETURNING) is sent at once
_NO_ROWS = re.compile(rb"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_RETURNING = re.compile(rb"\bRETURNING\b", re.IGNORECASE)
_SAVEPOINT = re.compile(rb"\s*(SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_ROLLBACK_TO = re.compile(rb"\s*ROLLBACK\s+TO\b", re.IGNORECASE)


class PartialRollback(Exception):
    """A savepoint was rolled back inside `deferred_writes`, whose block is all or nothing."""


def holds(sql: bytes) -> bool:
    """Whether a rendered statement may be held back (it returns no rows). A value that happens to
    read RETURNING only makes a write go at once."""
    return bool(_NO_ROWS.match(sql)) and not _RETURNING.search(sql)


class _Held:
    def __init__(self) -> None:
        self.sql: list[bytes] = []
        self.rolled_back = False
        self.ids: dict[str, list[int]] = {}   # table -> ids drawn from its sequence, not used yet
        self.draw: dict[str, int] = {}        # table -> how many to draw next time

    def joined(self, last: bytes | None = None) -> bytes:
        text = b";\n".join([*self.sql, last] if last is not None else self.sql)
        self.sql.clear()
        return text


def _deferring(base: type, held: _Held) -> type:
    class DeferringCursor(base):
        deferred = held   # what `new_id` finds through the connection's cursor factory

        def execute(self, sql, args=None):
            text = self.mogrify(sql, args)   # the values rendered as the driver would send them
            if holds(text):
                held.sql.append(text)
                return None
            if _SAVEPOINT.match(text):
                # the block is all or nothing (a failure rolls it all back): a savepoint within it
                # has nothing to keep apart, and would cost the server a statement
                return None
            if _ROLLBACK_TO.match(text):
                # code inside caught an error and went on without the part it rolled back: that
                # needs the savepoint after all, so the block must fail (see PartialRollback)
                held.rolled_back = True
                held.sql.clear()
                return None
            if held.sql:
                text = held.joined(text)
            return super().execute(text)

        def executemany(self, sql, args_list):
            if held.sql:
                super().execute(held.joined())
            return super().executemany(sql, args_list)

    return DeferringCursor


@contextlib.contextmanager
def deferred_writes(db):
    """Hold the connection's row-less statements until a statement reads rows or the block ends (on
    PostgreSQL; see the module doc). Use it inside the transaction, so the held writes are sent
    before it commits; on an error the held ones are dropped (the caller rolls back). The block is
    all or nothing: savepoints inside it are not made, and one rolled back (an error caught inside
    the block) raises PartialRollback at its end."""
    real = getattr(db, "obj", db)
    if is_sqlite(real):
        yield
        return
    conn = real.connection()
    base = conn.cursor_factory
    held = _Held()
    conn.cursor_factory = _deferring(base or type(conn.cursor()), held)
    try:
        yield
        conn.cursor_factory = base
        if held.rolled_back:
            raise PartialRollback("a savepoint was rolled back inside a block of deferred writes")
        if held.sql:
            conn.cursor().execute(held.joined())
    finally:
        conn.cursor_factory = base
        held.sql.clear()


MAX_DRAW = 128


def new_id(db, table: str) -> int | None:
    """An id for a new row of `table` (its `id` a serial column) drawn ahead from its sequence, or
    None outside `deferred_writes` (and on SQLite). With the id known, its INSERT needs no RETURNING
    and is held like any write: a first scan's new movie was a round trip of its own each (#32).
    Drawn 1, 2, 4, … at a time up to MAX_DRAW (a block that makes one row draws one); ids left over
    when the block ends are a gap in the sequence, as a rolled-back INSERT leaves one."""
    real = getattr(db, "obj", db)
    if is_sqlite(real):
        return None
    held = getattr(real.connection().cursor_factory, "deferred", None)
    if held is None:
        return None
    pool = held.ids.setdefault(table, [])
    if not pool:
        n = held.draw.get(table, 1)
        held.draw[table] = min(2 * n, MAX_DRAW)
        # a read: it goes with the writes held so far, in one round trip
        pool += sorted(r[0] for r in real.execute_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, n)).fetchall())
    return pool.pop(0)


def together_or_each(db, together: Callable[[], T], each: Callable[[], T]) -> T:
    """`together()` in one write transaction with deferred writes (a round trip per read, none per
    write); if anything in it fails, all of it is rolled back and `each()` runs in a transaction of
    its own, unit by unit with a savepoint each, so a failure is the failing unit's alone, as if
    `together` had never run (it must leave nothing behind outside the database but what `each`
    redoes)."""
    try:
        with write_tx(db), deferred_writes(db):
            return together()
    except Exception:
        log.info("a batch failed as a whole: applied again one unit at a time", exc_info=True)
    with write_tx(db):
        return each()
