"""What Metarr writes into a library, judged on the files a player reads: services against the
emulators, a REST client, and a helper that waits for the chain to finish."""
import asyncio

import pytest

from metarr.config import load_config
from tests.conftest import (
    API_KEY,
    drain,  # noqa: F401 - the trust tests import it from here
)


@pytest.fixture
async def chain(aiohttp_client, emu_env):
    """(api client, services) of a real app: actors, ledger and workers running."""
    from actors.system import open_services
    from web.app import create_app
    services = open_services(load_config(emu_env))
    api = await aiohttp_client(create_app(services), headers={"X-Api-Key": API_KEY})
    yield api, services
    services.db.close()


async def add_library(api, name, kind, path, **opts):
    body = {"name": name, "kind": kind, "path": str(path), "watch": False, "auto_publish": True, **opts}
    r = await api.post("/api/v1/libraries", json=body)
    assert r.status == 201, await r.text()
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    return lid


async def data(api, path):
    r = await api.get(path)
    assert r.status == 200, await r.text()
    return (await r.json())["data"]


async def synced(api, before: int = 0, timeout: float = 120.0) -> list[dict]:
    """Wait for the chain and then for the player sync it leads to (debounced, so it may start after
    the chain looks idle): the sync.player jobs after job id `before`, once none is left to run."""
    end = asyncio.get_running_loop().time() + timeout
    while True:
        assert (await drain(api, timeout=timeout))["dead"] == 0
        jobs = [j for j in await data(api, "/api/v1/jobs?type=sync.player&limit=100") if j["id"] > before]
        pending = [j for j in await data(api, "/api/v1/jobs?type=sync.flush&limit=100")
                   if j["status"] not in ("succeeded", "dead", "cancelled")]
        if jobs and not pending and all(j["status"] in ("succeeded", "dead") for j in jobs):
            return [await data(api, f"/api/v1/jobs/{j['id']}") for j in jobs]
        assert asyncio.get_running_loop().time() < end, (jobs, pending)
        await asyncio.sleep(0.5)
