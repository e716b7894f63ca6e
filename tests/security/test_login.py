"""Login (no key needed) is throttled per client address and never blocks the event loop."""
import asyncio

from metarr.service.throttle import LoginThrottle


def test_throttle_locks_an_address_out_doubling_and_forgets_it():
    t = LoginThrottle(free=5, base=2, cap=300, forget_after=900)
    waits = [t.attempt("1.2.3.4", 100.0) for _ in range(7)]
    assert waits == [0, 0, 0, 0, 0, 2, 2]              # five tries, then a wait (a refused one is not counted)
    assert t.attempt("1.2.3.4", 102.0) == 0            # the wait is over: one more try...
    assert t.attempt("1.2.3.4", 103.0) == 3.0          # ...and the next wait doubled (4 s from 102)
    assert t.attempt("5.6.7.8", 103.0) == 0            # another address is not locked out
    assert t.attempt("1.2.3.4", 102.0 + 901) == 0      # a quiet spell forgets
    t.attempt("9.9.9.9", 0.0)
    t.succeeded("9.9.9.9")
    assert "9.9.9.9" not in t.records


async def test_guessing_gets_429_with_retry_after_and_the_owner_can_still_log_in(api, services, aiohttp_client):
    from web.app import create_app
    await api.put("/api/v1/settings", json={"ui.password": "correct horse battery"})
    client = await aiohttp_client(create_app(services, start_actors=False))
    statuses = []
    for _ in range(8):
        r = await client.post("/login", data={"secret": "wrong guess", "next": "/"}, allow_redirects=False)
        statuses.append(r.status)
    assert statuses[:5] == [200] * 5 and statuses[-1] == 429
    assert int(r.headers["Retry-After"]) >= 1 and "Too many failed logins" in await r.text()
    # the API key still works for the owner through the API, and the throttle ends by itself
    assert (await api.get("/api/v1/status")).status == 200


async def test_password_hashing_runs_off_the_loop_a_few_at_a_time(api, services, aiohttp_client, monkeypatch):
    import threading

    from metarr.service import settings
    from web.app import create_app
    await api.put("/api/v1/settings", json={"ui.password": "correct horse battery"})
    client = await aiohttp_client(create_app(services, start_actors=False))
    loop_thread = threading.current_thread()
    seen, running, most = [], [0], [0]
    release = threading.Event()
    real = settings.check_password

    def spy(secret, stored):
        seen.append(threading.current_thread())
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            release.wait(5)             # held until the loop has answered another request
            return real(secret, stored)
        finally:
            running[0] -= 1
    monkeypatch.setattr(settings, "check_password", spy)

    async def guess(i):
        return await client.post("/login", data={"secret": f"wrong {i}"}, allow_redirects=False)
    tasks = [asyncio.ensure_future(guess(i)) for i in range(5)]   # within the free tries
    for _ in range(500):
        if running[0]:
            break
        await asyncio.sleep(0.01)
    assert running[0], "no password check started"
    # a hash is in progress (and held): the loop still answers; on the loop this could not happen
    assert (await client.get("/api/v1/health")).status == 200
    assert running[0] >= 1
    release.set()
    await asyncio.gather(*tasks)
    assert len(seen) == 5 and loop_thread not in seen      # never on the event loop
    assert 1 <= most[0] <= 2                               # bounded
