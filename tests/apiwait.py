"""Small helpers of the API tests: a GET that must answer 200, and a wait on an async condition
that fails with what it waited for."""
from __future__ import annotations

import asyncio


async def get(api, path: str):
    r = await api.get(path)
    assert r.status == 200, await r.text()
    return (await r.json())["data"]


async def until(fn, timeout: float, what: str, interval: float = 0.1):
    end = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fn()
        if value:
            return value
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(interval)


async def settled(api, timeout: float, what: str):
    """Until the job ledger has finished something and nothing is due, running or retrying."""
    async def quiet():
        st = await get(api, "/api/v1/jobs/stats")
        return st["succeeded"] and st["due"] == st["running"] == st["retrying"] == 0
    return await until(quiet, timeout, what)
