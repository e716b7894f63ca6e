"""Fixtures of the fault tests: a database that stops taking writes when the test says so."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    disk = Tmpfs(tmp_path / "dbdisk", "32m").mount()
    dbfile = disk.mnt / "metarr.sqlite"
    # as in a default install, the database lives in the data directory
    env["METARR_DATA_DIR"] = str(disk.mnt)
    env["METARR_DATABASE_URL"] = f"sqlite:///{dbfile}"
    yield DbOutage("sqlite", lambda: disk.fill(dbfile), disk.free)
    disk.unmount()
