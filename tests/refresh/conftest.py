"""Services configured against the emulators."""
import pytest

from web.demo.emulation import Faults, start_emulators


@pytest.fixture
async def emulators():
    emu = await start_emulators(faults=Faults(), mb_burst=3, mb_per=3.0)
    yield emu
    await emu.close()


@pytest.fixture
def emu_env(env, emulators):
    env.update(emulators.env())
    return env
