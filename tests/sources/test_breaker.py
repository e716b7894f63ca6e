"""The circuit breaker in front of a hanging provider (#28 item 4): half-open lets one probe out at a
time; once open, requests queued for the provider's connections give up at once instead of
waiting behind the hanging ones; the gateway's own probe closes the circuit when the provider
answers again (nobody else may ask it meanwhile) and says so."""
import asyncio
import time

import pytest

from metarr.config import load_config
from metarr.sources.http import Request, Unavailable
from metarr.sources.ratelimit import CircuitBreaker, Limits
from metarr.sources.traffic import ProviderTraffic


def test_half_open_lets_one_probe_out_and_reports_its_changes():
    b = CircuitBreaker(threshold=2, cooldown=10, successes=2)
    assert b.record(False, 0) is None and b.record(False, 1) == "opened"
    assert not b.allow(5) and b.shut(5)
    assert b.allow(11) and b.state == "half_open"       # the probe
    assert not b.allow(11) and b.shut(11) and not b.shut(11, probe=True)
    assert b.record(True, 12) is None and b.allow(12)    # the second probe
    assert b.record(True, 13) == "closed" and b.allow(13) and not b.shut(13)
    b.record(False, 20)
    b.record(False, 21)
    assert b.allow(32) and b.record(False, 33) == "opened"   # a failed probe opens it again


@pytest.fixture
async def fanart_traffic(emu_env, emulators, services):
    env = {**emu_env, "METARR_PROVIDER_TIMEOUTS": "fanart=0.6", "METARR_PROVIDER_COOLDOWN": "1"}
    config = load_config(env)
    loop = asyncio.get_running_loop()
    t = ProviderTraffic(config, services.db, loop, limits={"fanart": Limits(50.0, 50, 2)})
    await t.open()
    yield t, emulators
    emulators.faults.hang.clear()
    await t.close()


async def test_queued_requests_fail_fast_once_open_and_the_probe_closes_it(fanart_traffic):
    traffic, emu = fanart_traffic
    recovered = []
    traffic.recovered = recovered.append
    emu.faults.hang.add("fanart")

    async def ask(i):
        t0 = time.monotonic()
        try:
            await traffic.run(Request("fanart", f"/movies/{10331 + i}", cache_ttl=0))
            return "ok", time.monotonic() - t0
        except Unavailable:
            return "unavailable", time.monotonic() - t0
        except Exception as e:
            return type(e).__name__, time.monotonic() - t0
    t0 = time.monotonic()
    got = await asyncio.gather(*(ask(i) for i in range(12)))   # two connections: ten wait in line
    took = time.monotonic() - t0
    assert traffic.breakers["fanart"].state != "closed"
    # five timeouts open the circuit (three waves of two); the ones still in line give up at once
    assert took < 4 * 0.6 + 1.0, (took, got)
    assert sum(1 for kind, _ in got if kind == "unavailable") >= 5, got
    emu.faults.hang.discard("fanart")
    for _ in range(80):
        if recovered:
            break
        await asyncio.sleep(0.1)
    assert recovered == ["fanart"] and traffic.breakers["fanart"].state == "closed"
    assert (await ask(0))[0] == "ok"
