"""Opening the database: SQLite (WAL) by default, PostgreSQL by URL.

Models bind to `db_proxy`; the process initialises it once at start (peewee's own pattern for a
database chosen at runtime). Each thread gets its own connection. On PostgreSQL connections come
from a pool and go back after each unit of work, and jobs share a fixed number of them: a process
with ~90 job threads would otherwise keep ~90 server connections, and a serve and three workers
met PostgreSQL's default limit of 100 ("sorry, too many clients already").
"""
from __future__ import annotations

import contextlib
import re
import threading
import time
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from playhouse.pool import PooledPostgresqlDatabase
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


# connections held by running jobs at once, per process, unless the URL says `?job_connections=N`
DEFAULT_JOB_CONNECTIONS = 10
# a pooled connection idle longer than this (s) is pinged before it is used again
PING_IDLE_AFTER = 30.0
TRANSACTION_IDLE = 0   # psycopg2.extensions.TRANSACTION_STATUS_IDLE
# how long a job waits for a connection before it fails (and is retried by the ledger)
JOB_CONNECTION_WAIT = 120.0


class ReconnectingPostgres(ReconnectMixin, PooledPostgresqlDatabase):
    """Survives a server restart or an idle connection closed by the server. Pooled without a cap
    of its own: the cap is `job_slots`, taken only by job threads, so a thread a job waits on (an
    actor, a download) never waits for a connection itself and the two cannot deadlock."""

    # what psycopg2 says when the server went away (restart, failover): outside a transaction the
    # statement is run again on a new connection (ReconnectMixin's defaults are MySQL's)
    reconnect_errors = ((peewee.OperationalError, "server closed the connection"),
                        (peewee.OperationalError, "terminating connection"),
                        (peewee.OperationalError, "could not receive data"),
                        (peewee.OperationalError, "ssl connection has been closed"),
                        (peewee.InterfaceError, "connection already closed"))

    def __init__(self, *args, job_connections: int = DEFAULT_JOB_CONNECTIONS, **kwargs) -> None:
        super().__init__(*args, max_connections=None, **kwargs)
        self.job_connections = job_connections
        self.job_slots = threading.BoundedSemaphore(job_connections)
        self._returned: dict[int, float] = {}   # id of a pooled connection -> when it came back

    def _is_closed(self, conn) -> bool:
        # peewee pings (`SELECT 1`) every connection it takes from the pool: one more round trip
        # per API request. One given back moments ago and idle is taken as it is: were it dead
        # after all, its first statement fails and ReconnectMixin runs that again on a new one
        returned = self._returned.get(id(conn))
        if returned is not None and time.monotonic() - returned < PING_IDLE_AFTER and not conn.closed \
                and conn.info.transaction_status == TRANSACTION_IDLE:
            return False
        return super()._is_closed(conn)

    def _close(self, conn, close_conn: bool = False) -> None:
        super()._close(conn, close_conn)
        if close_conn or conn.closed:
            self._returned.pop(id(conn), None)
        else:
            self._returned[id(conn)] = time.monotonic()


def sqlite_path(url: str) -> str | None:
    """The file of a sqlite:///path URL (None for PostgreSQL)."""
    if not url.startswith("sqlite"):
        return None
    return url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url.split(":", 1)[1]


def open_database(url: str) -> peewee.Database:
    """sqlite:///path or postgresql://user:pw@host:port/db[?schema=name]."""
    if url.startswith("sqlite"):
        return LocalSqlite(sqlite_path(url), pragmas=SQLITE_PRAGMAS, timeout=15)
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
    jobs = query.pop("job_connections", None)
    if jobs is not None and not (jobs.isdigit() and int(jobs) > 0):
        raise ValueError("job_connections must be a positive whole number")
    kwargs["job_connections"] = int(jobs) if jobs else DEFAULT_JOB_CONNECTIONS
    kwargs.setdefault("application_name", "metarr")
    kwargs.update(query)
    db = ReconnectingPostgres(parsed.path.lstrip("/") or "postgres", **{k: v for k, v in kwargs.items() if v is not None})
    if schema:
        _ensure_schema(parsed, kwargs, schema)
    return db


def _ensure_schema(parsed, kwargs, schema: str) -> None:
    bootstrap = peewee.PostgresqlDatabase(parsed.path.lstrip("/") or "postgres",
                                          **{k: v for k, v in kwargs.items()
                                             if v is not None and k not in ("options", "job_connections")})
    with bootstrap.connection_context():
        bootstrap.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    bootstrap.close()


# what one process uses besides its jobs: its actors, download threads and (serve) web handlers
PROCESS_CONNECTIONS = 15


def connection_headroom(db: peewee.Database) -> tuple[int, int, int] | None:
    """PostgreSQL: (connections in use on the server, its max_connections, what one more Metarr
    process may need at most). None on SQLite."""
    real = getattr(db, "obj", db)
    jobs = getattr(real, "job_connections", None)
    if jobs is None:
        return None
    with connection(real):
        used = real.execute_sql("SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                ).fetchone()[0]
        most = int(real.execute_sql("SHOW max_connections").fetchone()[0])
    return used, most, jobs + PROCESS_CONNECTIONS


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
    """Use the thread's connection, opening it if needed. SQLite threads keep theirs open; a pooled
    connection this block opened goes back to the pool when it ends."""
    real = getattr(db, "obj", db)
    opened = real.is_closed()
    if opened:
        real.connect(reuse_if_open=True)
    try:
        yield real
    finally:
        if opened:
            release(real)


def close_database(db: peewee.Database) -> None:
    """When its threads are done (the actors stopped, a test over): every connection, also those
    the pool still counts as held by threads that ended without giving theirs back."""
    real = getattr(db, "obj", db)
    if isinstance(real, PooledPostgresqlDatabase):
        real.close_all()
    elif not real.is_closed():
        real.close()


def release(db: peewee.Database) -> None:
    """Give a pooled connection back (a no-op on SQLite, and inside a transaction)."""
    real = getattr(db, "obj", db)
    if isinstance(real, PooledPostgresqlDatabase) and not real.is_closed() and not real.in_transaction():
        real.close()


_job_thread = threading.local()   # .slot: this thread holds one of the job slots now


@contextlib.contextmanager
def job_connection(db: peewee.Database):
    """What one job holds while it uses the database: one of the process's job connections on
    PostgreSQL, given back when the job ends (and while it waits, see `waiting`), so the number of
    server connections does not grow with concurrency."""
    real = getattr(db, "obj", db)
    slots = getattr(real, "job_slots", None)
    if slots is None:
        yield real
        return
    _take_slot(slots)
    try:
        release(real)   # whatever this thread held outside a job (none, normally) goes back first
        with connection(real):
            yield real
    finally:
        if getattr(_job_thread, "slot", False):   # not if `waiting` gave it back and could not take it again
            _give_slot(slots)


@contextlib.contextmanager
def waiting(db: peewee.Database):
    """A job waiting on something else (a provider's answer, a download, the publisher) gives its
    connection and its slot back meanwhile, and takes them again after: twelve enrichments waiting
    on TMDB need no connection. Inside a transaction it keeps both."""
    real = getattr(db, "obj", db)
    slots = getattr(real, "job_slots", None)
    if slots is None or not getattr(_job_thread, "slot", False) or real.in_transaction():
        yield
        return
    release(real)
    _give_slot(slots)
    try:
        yield
    finally:
        _take_slot(slots)   # the next query opens a connection again


def _take_slot(slots: threading.BoundedSemaphore) -> None:
    if not slots.acquire(timeout=JOB_CONNECTION_WAIT):
        raise peewee.OperationalError(f"no database connection for a job within {JOB_CONNECTION_WAIT:.0f} s")
    _job_thread.slot = True


def _give_slot(slots: threading.BoundedSemaphore) -> None:
    _job_thread.slot = False
    slots.release()


def ping(db: peewee.Database) -> bool:
    try:
        with connection(db) as conn:
            conn.execute_sql("SELECT 1").fetchone()
        return True
    except Exception:
        return False


def probe_write(db: peewee.Database, tag: str) -> None:
    """A real write, committed (raises when the database cannot take one): a row inserted and
    deleted in one transaction. SQLite skips an UPDATE that changes nothing, so that would not
    notice a full disk; this dirties a page and makes the commit append to the log."""
    real = getattr(db, "obj", db)
    mark = "?" if is_sqlite(real) else "%s"
    name = f"~probe:{tag}"[:200]
    with connection(real), write_tx(real):
        real.execute_sql(f"INSERT INTO schema_migrations (name, applied_at) VALUES ({mark}, 0)", (name,))
        real.execute_sql(f"DELETE FROM schema_migrations WHERE name = {mark}", (name,))
