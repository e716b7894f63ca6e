"""Opening the database: SQLite (WAL) by default, PostgreSQL by URL.

Models bind to `db_proxy`; the process initialises it once at start (peewee's own pattern for a
database chosen at runtime). Each thread gets its own connection.
"""
from __future__ import annotations

import contextlib
import re
import threading
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from playhouse.shortcuts import ReconnectMixin

db_proxy = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # NORMAL survives an application crash in WAL mode; FULL costs ~4x on every commit
    "synchronous": "normal",
    "foreign_keys": 1,
    # per connection, and every thread that touches the database keeps one: 8 MB each bounds the
    # service's memory on a large library (the OS page cache holds the file for all of them anyway)
    "cache_size": -8000,
    "busy_timeout": 15000,
    "temp_store": "memory",
}


class LocalSqlite(peewee.SqliteDatabase):
    """SQLite with one in-process lock for write transactions. SQLite itself makes a waiting writer
    poll (its busy handler sleeps up to 100 ms between tries), so under contention writers queued
    on SQLite wake late and the lock sits idle; queued on this lock they run the moment it is free."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.write_lock = threading.RLock()


class ReconnectingPostgres(ReconnectMixin, peewee.PostgresqlDatabase):
    """Survives a server restart or an idle connection closed by the server."""


def open_database(url: str) -> peewee.Database:
    """sqlite:///path or postgresql://user:pw@host:port/db[?schema=name]."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url.split(":", 1)[1]
        return LocalSqlite(path, pragmas=SQLITE_PRAGMAS, timeout=15)
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"unsupported database URL scheme: {parsed.scheme!r}")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    kwargs = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
    }
    schema = query.pop("schema", None)
    if schema:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
            raise ValueError("invalid schema name")
        kwargs["options"] = f"-c search_path={schema}"
    kwargs.update(query)
    db = ReconnectingPostgres(parsed.path.lstrip("/") or "postgres", **{k: v for k, v in kwargs.items() if v is not None})
    if schema:
        _ensure_schema(parsed, kwargs, schema)
    return db


def _ensure_schema(parsed, kwargs, schema: str) -> None:
    bootstrap = peewee.PostgresqlDatabase(parsed.path.lstrip("/") or "postgres",
                                          **{k: v for k, v in kwargs.items() if v is not None and k != "options"})
    with bootstrap.connection_context():
        bootstrap.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    bootstrap.close()


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase) or isinstance(getattr(db, "obj", None), peewee.SqliteDatabase)


def write_tx(db: peewee.Database):
    """A transaction that will write. SQLite: BEGIN IMMEDIATE, since a deferred transaction that later
    upgrades to a writer gets SQLITE_BUSY at once instead of waiting on busy_timeout."""
    real = getattr(db, "obj", db)
    if isinstance(real, LocalSqlite):
        return _serialized(real.write_lock, real.atomic(lock_type="IMMEDIATE"))
    if isinstance(real, peewee.SqliteDatabase):
        return real.atomic(lock_type="IMMEDIATE")
    return real.atomic()


@contextlib.contextmanager
def _serialized(lock: threading.RLock, tx):
    if not lock.acquire(timeout=SQLITE_PRAGMAS["busy_timeout"] / 1000):
        raise peewee.OperationalError("database is locked (no write turn within the busy timeout)")
    try:
        with tx as t:
            yield t
    finally:
        lock.release()


@contextlib.contextmanager
def connection(db: peewee.Database):
    """Use the thread's connection, opening it if needed (threads keep theirs open)."""
    real = getattr(db, "obj", db)
    if real.is_closed():
        real.connect(reuse_if_open=True)
    yield real


def ping(db: peewee.Database) -> bool:
    try:
        with connection(db) as conn:
            conn.execute_sql("SELECT 1").fetchone()
        return True
    except Exception:
        return False
