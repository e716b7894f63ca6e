"""The gateway against fresh emulators, for the provider client tests."""
import pytest

from metarr.config import load_config
from web.demo.emulation import start_emulators


@pytest.fixture
async def gateway_for(env, services):
    """Start a gateway against fresh emulators with the given faults; returns a sync `call`."""
    started = []

    async def make(faults=None, env_overrides=None, limits=None, timeouts=None, **emu_kw):
        import asyncio
        import dataclasses

        from actors.provider_gateway import ProviderGateway
        emu = await start_emulators(faults=faults, **emu_kw)
        e = {**env, **emu.env(), **(env_overrides or {})}
        # every gateway on the test's one database, as in the product (the models are bound to it)
        s = dataclasses.replace(services, config=load_config(e))
        gw = ProviderGateway.start(s, limits=limits, timeouts=timeouts).proxy()
        started.append((gw, emu))
        loop = asyncio.get_running_loop()

        async def call(req):
            fut = await loop.run_in_executor(None, lambda: gw.submit(req).get(timeout=10))
            return await asyncio.wrap_future(fut)

        def sync_call(req):  # for the client functions, which are synchronous
            return gw.submit(req).get(timeout=10).result(timeout=60)
        return emu, gw, call, sync_call
    yield make
    for gw, emu in started:
        gw.actor_ref.stop()
        await emu.close()
