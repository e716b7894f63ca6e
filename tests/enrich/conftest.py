"""Services configured against the emulators, and waiting for the chain to finish (shared with
tests/trust, which imports these)."""
import asyncio

import pytest

from web.demo.emulation import Faults, start_emulators


@pytest.fixture
async def emulators():
    faults = Faults()
    emu = await start_emulators(faults=faults, mb_burst=3, mb_per=3.0)
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
