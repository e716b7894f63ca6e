"""Fixtures of the fault tests: a database that stops taking writes when the test says so."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import peewee
import pytest

from tests.conftest import PG_URL

from .tools import PgRelay, Tmpfs


@dataclass
class DbOutage:
    kind: str
    begin: Callable[[], None]    # from now on the database refuses writes (or every connection)
    end: Callable[[], None]      # and from now on it takes them again


@pytest.fixture
def db_outage(tmp_path, env, db_url):
    """SQLite: the data dir with the database on a tmpfs that fills up ("database or disk is full"). PostgreSQL: the
    server goes away for this test's connections (a relay the test cuts, as a restart does).
    Sets `METARR_DATABASE_URL` in `env` for the system the test starts."""
    if PG_URL:
        relay = PgRelay(db_url)
        env["METARR_DATABASE_URL"] = relay.url(db_url)
        yield DbOutage("postgresql", relay.down, relay.up)
        relay.close()
        return
    disk = Tmpfs("db", "32m").mount()
    dbfile = disk.mnt / "metarr.sqlite"
    # as in a default install, the database lives in the data directory
    env["METARR_DATA_DIR"] = str(disk.mnt)
    env["METARR_DATABASE_URL"] = f"sqlite:///{dbfile}"
    yield DbOutage("sqlite", lambda: disk.fill(dbfile), disk.free)
    disk.unmount()


@pytest.fixture
def pg_schemas():
    """`make()` gives the URL of a new PostgreSQL schema, dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append("t_" + uuid.uuid4().hex[:12])
        return f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={made[-1]}"
    yield make
    if made:
        u = urlparse(PG_URL)
        admin = peewee.PostgresqlDatabase(u.path.lstrip("/"), host=u.hostname, port=u.port or 5432,
                                          user=u.username, password=u.password)
        for schema in made:
            for _ in range(10):   # a statement of the stopped service may still be finishing
                try:
                    with admin.connection_context():
                        admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    break
                except peewee.OperationalError:
                    time.sleep(0.5)
