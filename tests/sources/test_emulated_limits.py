"""The emulators refuse what the real services refuse (reference/external-apis.md §0,
reliability-performance.md §B), and Metarr's default pacing stays under every one of them."""
import asyncio
import time

import aiohttp

from metarr.sources.http import Request
from web.demo.emulation import start_emulators
from web.demo.emulation.common import FANART_KEY, TVDB_KEY

UA = {"User-Agent": "Metarr-test/1.0 ( test@example.org )"}


async def _statuses(session, url, n, **kw) -> list[int]:
    """`n` requests sent back to back (each once the one before has its answer)."""
    out = []
    for _ in range(n):
        async with session.get(url, **kw) as r:
            out.append(r.status)
    return out


async def test_musicbrainz_refuses_back_to_back_requests():
    emu = await start_emulators()
    try:
        async with aiohttp.ClientSession(headers=UA) as s:
            url = emu.urls["musicbrainz"] + "/artist?query=joplin&fmt=json"
            assert await _statuses(s, url, 3) == [200, 503, 503]   # 1 a second, not a burst of 3
            async with s.get(url) as r:
                assert r.status == 503 and int(r.headers["Retry-After"]) >= 1
            await asyncio.sleep(1.0)
            assert await _statuses(s, url, 1) == [200]   # a second later: its turn
    finally:
        await emu.close()


async def test_tvdb_fanart_and_tmdb_refuse_beyond_their_documented_limits():
    emu = await start_emulators()
    try:
        async with aiohttp.ClientSession(headers=UA) as s:
            async with s.post(emu.urls["tvdb"] + "/login", json={"apikey": TVDB_KEY}) as r:
                token = (await r.json())["data"]["token"]
            # TheTVDB: about 100 per 10 s (the login was one of them)
            tvdb = await _statuses(s, emu.urls["tvdb"] + "/search?query=sherlock", 100,
                                   headers={"Authorization": f"Bearer {token}"})
            assert tvdb == [200] * 99 + [429]
            # Fanart.tv: no number published; held to the 5/s with a burst of 5 Metarr declares
            fanart = await _statuses(s, emu.urls["fanart"] + f"/movies/10331?api_key={FANART_KEY}", 7)
            assert fanart == [200] * 5 + [429] * 2
            # TMDB: 40 a second
            tmdb = await asyncio.gather(*(s.get(emu.urls["tmdb"] + f"/configuration?api_key={emu.env()['METARR_TMDB_API_KEY']}")
                                          for _ in range(41)))
            assert sorted(r.status for r in tmdb) == [200] * 40 + [429]
            for r in tmdb:
                r.release()
    finally:
        await emu.close()


async def test_default_limits_never_trip_the_documented_limits(gateway_for):
    """Metarr's own pace (sources/registry.py), after an idle moment that banked its burst, for
    longer than TheTVDB's 10 s window (a burst on top of 10 s of steady pace): no provider refuses
    a request."""
    emu, gw, call, sync = await gateway_for()

    async def provider(name, path, params, n):
        await call(Request(name, path, params(0), cache_ttl=0))
        await asyncio.sleep(1.5)   # idle: the pacer has its whole burst again
        await asyncio.gather(*(call(Request(name, path, params(i), cache_ttl=0)) for i in range(1, n)))

    t0 = time.monotonic()
    await asyncio.gather(
        provider("tvdb", "/search", lambda i: (("query", f"q{i}"), ("type", "series")), 112),
        provider("tmdb", "/search/movie", lambda i: (("query", f"q{i}"),), 120),
        provider("fanart", "/movies/10331", lambda i: (("n", str(i)),), 20),
        provider("musicbrainz", "/artist", lambda i: (("query", f"q{i}"),), 4))
    assert time.monotonic() - t0 >= 10.0   # TheTVDB's whole window was used
    assert {name: st.throttled for name, st in emu.stats.items()} == dict.fromkeys(emu.stats, 0)
    assert emu.stats["tvdb"].requests == 113   # the login and every search
