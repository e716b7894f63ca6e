"""Provider clients through the real ProviderGateway against the emulators: every endpoint used,
and 401/404/429/503/timeouts/malformed or truncated JSON/wrong content types."""
import time

import pytest

from metarr.sources import fanart, musicbrainz, omdb, tmdb, tvdb
from metarr.sources.http import (
    AuthError,
    BadResponse,
    NotFound,
    ProviderTimeout,
    RateLimited,
    Request,
    parse_retry_after,
)
from metarr.sources.ratelimit import CircuitBreaker, gcra_reserve
from web.demo.emulation import Faults


async def in_thread(fn, *args):
    import asyncio
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def test_every_client_endpoint(gateway_for):
    emu, gw, call, sync = await gateway_for()
    base = emu.urls["images"] + "/t/p"
    hits = await in_thread(tmdb.search_movie, sync, "Dracula", None)
    assert {h.id for h in hits} == {"138", "11868"}
    found = await in_thread(tmdb.find, sync, "tt0063350", "imdb_id")
    assert found["movie_results"][0]["id"] == 10331
    m = await in_thread(tmdb.movie, sync, 10331, base)
    assert (m.scalars["title"], m.scalars["imdb_id"]) == ("Night of the Living Dead", "tt0063350")
    # every country's certification, the first non-empty one by release type (DE: only the DVD's)
    assert m.certifications == {"US": "NR", "DE": "16", "GB": "X", "FR": "16"}
    # every translation from the same request, gaps included
    assert m.texts["de-DE"] == {"title": "Die Nacht der lebenden Toten", "plot": "", "tagline": ""}
    assert m.texts["en-US"]["tagline"] == "They won't stay dead!" and m.original_language == "en"
    assert m.lists["directors"] == ["George A. Romero"] and m.cast[0].name == "Duane Jones"
    assert {a.slot for a in m.art} == {"poster", "fanart", "clearlogo", "keyart"}
    # the textless poster (iso_639_1 "xx") is the keyart, and a poster still
    assert [a.url.rsplit("/", 1)[1] for a in m.art if a.slot == "keyart"] == ["p10331t.jpg"]
    assert all(a.language is None for a in m.art if a.slot == "keyart")
    assert any(a.url.endswith("p10331t.jpg") for a in m.art if a.slot == "poster")
    assert any(a.language is None for a in m.art if a.slot == "fanart")   # include_image_language=en,null
    coll = await in_thread(tmdb.collection_texts, sync, 1000, "de")
    assert (coll["en-US"]["set_overview"], coll["de-DE"]["set_overview"]) == ("Classic monsters.",
                                                                             "Die klassischen Monster.")
    show = await in_thread(tmdb.tv, sync, 2957, base)
    assert show.ids["tvdb"] == 75597 and 0 in show.seasons
    season = await in_thread(tmdb.tv_season, sync, 2957, 1, base)
    assert [e.episode for e in season.episodes] == [1, 2, 3, 4]
    # the season's own posters, in the library's language and textless (TMDB leaves the German one out)
    assert {(a.season, a.language) for a in season.art} == {(1, "en"), (1, None)}
    assert (await in_thread(tvdb.search, sync, "Sherlock"))[0].id == "75597"
    series = await in_thread(tvdb.series, sync, 75597)
    assert series.scalars["imdb_id"] == "tt0046659" and {a.slot for a in series.art} >= {"poster", "fanart", "banner",
                                                                                        "clearlogo"}
    assert len(await in_thread(tvdb.episodes, sync, 75597)) == 5
    arts = await in_thread(fanart.movie_art, sync, "10331")
    assert {a.slot for a in arts} >= {"poster", "fanart", "clearlogo", "clearart", "discart", "banner", "landscape"}
    assert all(isinstance(a.likes, int) for a in arts)      # Fanart.tv sends strings
    assert [a.url.rsplit("/", 1)[1] for a in arts if a.slot == "keyart"] == ["p10331k.jpg"]   # movieposter lang "00"
    assert await in_thread(fanart.movie_art, sync, "999999") == []   # 404 = no art
    seasons = {(a.slot, a.season, a.language) for a in await in_thread(fanart.tv_art, sync, 75597)
               if a.season is not None}
    assert seasons == {("poster", 1, "en"), ("poster", 0, "en"), ("poster", -1, None)}   # "1", "0", "all" (lang "00")
    artist_art, album_art = await in_thread(fanart.music_art, sync, "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a")
    assert artist_art and album_art
    hits = await in_thread(musicbrainz.search_artist, sync, "Scott Joplin")
    assert hits[0].id == "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a"
    a = await in_thread(musicbrainz.artist, sync, hits[0].id)
    assert a.scalars["sort_name"] == "Joplin, Scott" and a.lists["genres"][0] == "ragtime"
    rg = await in_thread(musicbrainz.search_release_group, sync, "Scott Joplin", "Ragtime")
    assert rg[0].year == 1902
    assert (await in_thread(musicbrainz.release_group, sync, rg[0].id)).scalars["title"] == "Ragtime"
    covers = await in_thread(musicbrainz.cover_art, sync, rg[0].id)
    assert covers and covers[0].url.endswith("/front")
    ratings = await in_thread(omdb.ratings, sync, "tt0063350")
    assert {r.source for r in ratings} == {"imdb", "rottentomatoes", "metacritic"}
    assert next(r for r in ratings if r.source == "imdb").votes == 21000
    # the second identical request comes from the response cache
    before = emu.stats["tmdb"].requests
    await in_thread(tmdb.movie, sync, 10331, base)
    assert emu.stats["tmdb"].requests == before


async def test_errors_are_typed(gateway_for):
    emu, gw, call, sync = await gateway_for(env_overrides={"METARR_TMDB_API_KEY": "wrong", "METARR_OMDB_API_KEY": "bad"})
    with pytest.raises(AuthError):
        await call(Request("tmdb", "/movie/10331"))
    with pytest.raises(AuthError):
        await call(Request("omdb", "/", (("i", "tt0063350"),)))
    with pytest.raises(NotFound):
        await call(Request("musicbrainz", "/artist/00000000-0000-0000-0000-000000000000"))


async def test_rate_limits_pause_and_retry(gateway_for):
    # MusicBrainz allows 1 request a second; a gateway configured too fast gets 503s, pauses the
    # provider for Retry-After and still gets every answer
    from metarr.sources.ratelimit import Limits
    emu, gw, call, sync = await gateway_for(limits={"musicbrainz": Limits(50.0, 50, 4)})
    t0 = time.monotonic()
    for i in range(3):
        await call(Request("musicbrainz", "/artist", (("query", f"x{i}"),), cache_ttl=0))
    assert emu.stats["musicbrainz"].throttled >= 1
    assert time.monotonic() - t0 >= 1.0
    status = (await in_thread(lambda: gw.status().get(timeout=5)))["providers"]["musicbrainz"]
    assert status["rate_limited"] >= 1


async def test_default_limits_never_trip_the_emulated_limits(gateway_for):
    emu, gw, call, sync = await gateway_for(tmdb_rps=40)   # TMDB's real ceiling
    import asyncio
    await asyncio.gather(*(call(Request("tmdb", "/search/movie", (("query", f"q{i}"),), cache_ttl=0)) for i in range(40)))
    assert emu.stats["tmdb"].throttled == 0 and emu.stats["tmdb"].requests == 40


async def test_a_stalled_loop_does_not_release_a_bunch_of_late_requests(gateway_for):
    """The gateway's loop stops for 0.4 s (a long GC pause, a busy CPU) while requests wait for their
    send times: they must not all go out at once when it resumes, which the limit would count."""
    import asyncio
    import time as _time

    from metarr.sources.ratelimit import Limits
    emu, gw, call, sync = await gateway_for(tmdb_rps=20, limits={"tmdb": Limits(19.0, 1, 8)})
    gw.configured().get(timeout=10)   # answered once on_start has made the loop
    loop = gw.actor_ref._actor_weakref().loop   # the gateway's own event loop thread
    calls = [asyncio.ensure_future(call(Request("tmdb", "/search/movie", (("query", f"q{i}"),), cache_ttl=0)))
             for i in range(60)]
    await asyncio.sleep(1.0)
    loop.call_soon_threadsafe(_time.sleep, 0.4)
    await asyncio.gather(*calls)
    tmdb_stats = emu.stats["tmdb"]
    assert tmdb_stats.throttled == 0 and tmdb_stats.max_in_window() <= 20, tmdb_stats.max_in_window()
    assert gw.status().get()["providers"]["tmdb"]["late"] > 0   # the stall did make requests late


async def test_faults_timeouts_truncation_wrong_type(gateway_for):
    emu, gw, call, sync = await gateway_for(faults=Faults(rate_truncated=1.0))
    with pytest.raises(BadResponse):
        await call(Request("tmdb", "/configuration", cache_ttl=0))
    emu2, gw2, call2, _ = await gateway_for(faults=Faults(rate_wrong_type=1.0))
    with pytest.raises(BadResponse):
        await call2(Request("tmdb", "/configuration", cache_ttl=0))
    emu3, gw3, call3, _ = await gateway_for(faults=Faults(rate_timeout=1.0, timeout_s=3), timeouts={"tmdb": 0.3})
    with pytest.raises(ProviderTimeout):
        await call3(Request("tmdb", "/configuration", cache_ttl=0))
    emu4, gw4, call4, _ = await gateway_for(faults=Faults(rate_429=1.0))
    with pytest.raises(RateLimited):
        await call4(Request("tmdb", "/configuration", cache_ttl=0))


def test_pure_pieces():
    assert parse_retry_after("7", 0) == 7 and parse_retry_after(None, 0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2099 07:28:00 GMT", 0) == 600.0
    tat, wait = 0.0, 0.0
    waits = []
    for _ in range(5):
        tat, wait = gcra_reserve(tat, 100.0, 1.0, 2)
        waits.append(wait)
    assert waits == [0.0, 0.0, 1.0, 2.0, 3.0]
    b = CircuitBreaker(threshold=2, cooldown=10, successes=1)
    b.record(False, 0)
    b.record(False, 1)
    assert not b.allow(5) and b.allow(12) and b.state == "half_open"
    b.record(True, 12)
    assert b.state == "closed"
