"""Which failures are the environment's, not the code's: a full or read-only disk, a database that
is busy (another writer holds SQLite's lock) or unreachable (PostgreSQL restarting). Work that
meets one of these waits and is tried again; the user is told what is wrong in words.

Pure: looks at an exception (and the ones it was raised from) and names the trouble.
"""
from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass

import peewee


@dataclass(frozen=True)
class Trouble:
    kind: str          # "busy" | "full" | "read-only" | "unreachable" | "io"
    sentence: str      # what the user reads
    retry_after: int   # seconds a client should wait before trying again


BUSY = Trouble("busy", "The database is busy: another process holds its write lock. Try again in a few seconds.", 5)
FULL = Trouble("full", "The disk holding the data directory or the database is full; Metarr resumes by itself "
                       "once there is free space again.", 30)
READ_ONLY = Trouble("read-only", "The data directory or the database cannot be written (read-only or no "
                                 "permission); Metarr resumes by itself once it can write again.", 30)
UNREACHABLE = Trouble("unreachable", "The database cannot be reached; Metarr resumes by itself once it is back.", 10)
IO = Trouble("io", "The disk holding the data directory or the database reports an I/O error; Metarr retries.", 30)

_ERRNOS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY, errno.EACCES: READ_ONLY,
           errno.EPERM: READ_ONLY, errno.EIO: IO}

# SQLite's and PostgreSQL's own words for them (lower case)
_WORDS = (("database is locked", BUSY), ("database table is locked", BUSY), ("database is busy", BUSY),
          ("no write turn", BUSY), ("no database connection for a job", BUSY), ("deadlock detected", BUSY),
          ("could not serialize", BUSY), ("lock timeout", BUSY),
          ("database or disk is full", FULL), ("no space left", FULL), ("could not extend file", FULL),
          ("readonly database", READ_ONLY), ("read-only", READ_ONLY), ("permission denied", READ_ONLY),
          ("disk i/o error", IO), ("unable to open database file", IO),
          ("server closed the connection", UNREACHABLE), ("connection refused", UNREACHABLE),
          ("could not connect", UNREACHABLE), ("connection already closed", UNREACHABLE),
          ("terminating connection", UNREACHABLE), ("the database system is", UNREACHABLE),
          ("connection to server", UNREACHABLE), ("ssl connection has been closed", UNREACHABLE),
          ("connection timed out", UNREACHABLE), ("timeout expired", UNREACHABLE))


def causes(exc: BaseException | None, limit: int = 8):
    """`exc` and the exceptions it was raised from or while handling, nearest first."""
    seen = 0
    while exc is not None and seen < limit:
        yield exc
        exc = exc.__cause__ or exc.__context__
        seen += 1


def trouble(exc: BaseException | None) -> Trouble | None:
    """The environmental trouble behind `exc`, or None when it is not one (a bug, bad input).
    SQLite's "cannot rollback - no transaction is active" is raised while a full disk's error is
    being handled: the chain of exceptions is followed to the one that says why."""
    found = _match(exc)
    return found[0] if found else None


def detail(exc: BaseException) -> str:
    """The first line of the error that says why (the full disk's, not the failed rollback's that
    followed it): what the user reads after the sentence."""
    found = _match(exc)
    e = found[1] if found else exc
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__


def _match(exc: BaseException | None) -> tuple[Trouble, BaseException] | None:
    for e in causes(exc):
        if isinstance(e, OSError) and not isinstance(e, ConnectionError) and e.errno in _ERRNOS:
            return _ERRNOS[e.errno], e
        if isinstance(e, ConnectionError | TimeoutError):
            return UNREACHABLE, e
        if isinstance(e, peewee.OperationalError | peewee.InterfaceError | sqlite3.OperationalError):
            text = str(e).lower()
            for words, what in _WORDS:
                if words in text:
                    return what, e
    for e in causes(exc):
        if isinstance(e, peewee.InterfaceError):
            return UNREACHABLE, e
        # any other operational error of PostgreSQL's driver is about the connection or the server
        if isinstance(e, peewee.OperationalError) and type(e.__cause__ or e).__module__.startswith("psycopg"):
            return UNREACHABLE, e
    return None
