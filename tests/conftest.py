"""Shared fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema when
METARR_TEST_DATABASE_URL is set), config, services, a running actor system, an API client."""
from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid

import peewee
import pykka
import pytest

from metarr.config import load_config
from metarr.db.database import close_database
from tests import skips, unprivileged
from web.demo.emulation import Faults, start_emulators

PG_URL = os.environ.get("METARR_TEST_DATABASE_URL")


def pytest_configure(config):
    skips.pytest_configure(config)   # every skip listed by name; a skip off the allow-list fails a CI run


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """`@pytest.mark.unprivileged`: in a privileged process, the test runs in a child without
    capabilities instead (tests/unprivileged.py)."""
    if pyfuncitem.get_closest_marker("unprivileged") and unprivileged.privileged():
        factory = pyfuncitem.config._tmp_path_factory   # noqa: SLF001 - pytest's own, as tmp_path uses it
        unprivileged.rerun(pyfuncitem, factory.mktemp("unprivileged"))
        return True
    return None
API_KEY = "test-key-0123456789"


def free_port() -> int:
    """A port nothing listens on right now (for a service a test or benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def db_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'metarr.sqlite'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}schema={schema}"
    from urllib.parse import urlparse
    u = urlparse(PG_URL)
    admin = peewee.PostgresqlDatabase(u.path.lstrip("/"), host=u.hostname, port=u.port or 5432,
                                      user=u.username, password=u.password)
    # a job thread of the test's system may still be finishing a statement in the schema: a DROP
    # racing it can deadlock, so it is tried again once that statement is done
    for attempt in range(10):
        try:
            with admin.connection_context():
                admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            break
        except peewee.OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.5)


@pytest.fixture
def env(tmp_path, db_url):
    return {"METARR_DATA_DIR": str(tmp_path / "data"), "METARR_DATABASE_URL": db_url,
            "METARR_API_KEY": API_KEY, "METARR_JOB_MODULES": "tests.jobtypes", "METARR_LEASE_SECONDS": "30",
            "METARR_ALLOW_HOSTS": "127.0.0.1,localhost", "PATH": os.environ.get("PATH", "")}


@pytest.fixture
def config(env):
    return load_config(env)


@pytest.fixture
def services(config):
    from actors.system import open_services
    s = open_services(config)
    yield s
    close_database(s.db)


@pytest.fixture
def system(services):
    from actors.system import ActorSystem
    sys_ = ActorSystem(services)
    sys_.start()
    yield sys_
    sys_.stop()


@pytest.fixture(autouse=True)
def _no_leaked_actors():
    yield
    left = pykka.ActorRegistry.get_all()
    pykka.ActorRegistry.stop_all(block=True, timeout=10)
    assert not left, f"actors leaked by the test: {left}"


@pytest.fixture(autouse=True)
def _no_leaked_probe_processes():
    yield
    import multiprocessing
    left = [p for p in multiprocessing.active_children() if p.name == "metarr-probe"]
    for p in left:
        p.kill()
        p.join(5)
    assert not left, f"probe processes leaked by the test: {left}"


@pytest.fixture
async def api(aiohttp_client, services):
    """An aiohttp test client of the real app (actors started), sending the API key."""
    from web.app import create_app
    app = create_app(services)
    client = await aiohttp_client(app, headers={"X-Api-Key": API_KEY})
    return client


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; returns its value or fails."""
    import time
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


# ------------------------------------------------------------------ the provider emulators

@pytest.fixture
async def emulators():
    faults = Faults()
    emu = await start_emulators(faults=faults)
    emu.faults = faults      # mutable: a test turns failures on and off
    yield emu
    await emu.close()


@pytest.fixture
def emu_env(env, emulators):
    env.update(emulators.env())
    return env


async def drain(api, timeout=60):
    """Wait until no job is due, running or waiting to retry; the job stats then."""
    end = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < end:
        d = (await (await api.get("/api/v1/jobs/stats")).json())["data"]
        if d["due"] == d["running"] == d["retrying"] == 0:
            return d
        await asyncio.sleep(0.2)
    raise AssertionError(f"chain did not finish: {d}")
