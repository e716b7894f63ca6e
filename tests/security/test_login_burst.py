"""A burst of simultaneous wrong logins is counted as it arrives: at most the free tries reach the
password check, so a correct guess hidden in the burst gets no session."""
import asyncio

from web import auth


async def test_a_burst_of_40_simultaneous_logins_checks_at_most_the_free_tries(api, services, aiohttp_client,
                                                                                monkeypatch):
    from metarr.service import settings
    from web.app import create_app
    await api.put("/api/v1/settings", json={"ui.password": "correct horse battery"})
    client = await aiohttp_client(create_app(services, start_actors=False))
    checked = []
    real = settings.check_password

    def counting(secret, stored):
        checked.append(secret)
        return real(secret, stored)
    monkeypatch.setattr(settings, "check_password", counting)

    guesses = [f"wrong guess {i}" for i in range(39)]
    guesses.insert(30, "correct horse battery")    # the attacker's right guess, late in the burst
    answers = await asyncio.gather(*(client.post("/login", data={"secret": g, "next": "/"}, allow_redirects=False)
                                     for g in guesses))
    statuses = [r.status for r in answers]
    assert len(checked) <= 5, f"{len(checked)} passwords were checked"
    assert statuses.count(429) >= 35 and 302 not in statuses
    assert auth.SESSION_COOKIE not in {c.key for c in client.session.cookie_jar}
