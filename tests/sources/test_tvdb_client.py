"""The TheTVDB client through the real gateway against an emulator as strict as the service:
episodes in pages of 500, tokens that expire, season artwork named by season id."""
import asyncio

from metarr.sources import tvdb
from metarr.sources.http import Request

LONG_SHOW = 81200   # five seasons of 130 episodes and three specials (web/demo/emulation/data.py)


async def in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _paths(emu, prefix: str) -> list[str]:
    return [path for method, path, _h in emu.stats["tvdb"].calls if path.startswith(prefix)]


async def test_episodes_follow_every_page(gateway_for):
    emu, gw, call, sync = await gateway_for()
    eps = await in_thread(tvdb.episodes, sync, LONG_SHOW)
    assert len(eps) == 653 and len({(e.season, e.episode) for e in eps}) == 653
    assert {e.season for e in eps} == {0, 1, 2, 3, 4, 5}
    assert (eps[-1].season, eps[-1].episode, eps[-1].scalars["title"]) == (5, 130, "Logbook 5-130")
    pages = _paths(emu, f"/series/{LONG_SHOW}/episodes/default")
    assert [p.rsplit("page=", 1)[1] for p in pages] == ["0", "1"]   # 500 + 153, then no links.next


async def test_an_expired_token_is_replaced_by_one_new_login(gateway_for):
    from metarr.sources.ratelimit import Limits
    # several requests in flight while the new login takes its time: some were sent with the
    # expired token and hear their 401 after the new token has come
    emu, gw, call, sync = await gateway_for(limits={"tvdb": Limits(50.0, 1, 8)})
    await call(Request("tvdb", "/search", (("query", "sherlock"),), cache_ttl=0))
    assert emu.tvdb_auth.logins == 1
    emu.tvdb_auth.expire_all()   # a month later
    emu.tvdb_auth.login_seconds = 0.2
    answers = await asyncio.gather(*(call(Request("tvdb", "/search", (("query", f"lighthouse {i}"),), cache_ttl=0))
                                     for i in range(16)), return_exceptions=True)
    assert [a if isinstance(a, Exception) else a["status"] for a in answers] == ["success"] * 16
    # one new login for all of them, not one each (nor one for a token another request had renewed)
    assert emu.tvdb_auth.logins == 2, emu.tvdb_auth.logins
    series = await in_thread(tvdb.series, sync, LONG_SHOW)
    assert series.scalars["title"] == "The Lighthouse Keepers"


async def test_season_artwork_lands_on_its_own_season(gateway_for):
    emu, gw, call, sync = await gateway_for()
    series = await in_thread(tvdb.series, sync, LONG_SHOW)
    seasons = {a.season: a.url.rsplit("/", 1)[1] for a in series.art if a.season is not None}
    # TheTVDB names a season by its season id; the numbers come from the series' seasons
    assert seasons == {1: f"p{LONG_SHOW}s1.jpg", 2: f"p{LONG_SHOW}s2.jpg", 5: f"p{LONG_SHOW}s5.jpg"}
    assert {a.slot for a in series.art if a.season is None} == {"poster", "fanart", "banner", "clearlogo"}


def test_season_numbers_follow_the_series_default_order():
    series = {"defaultSeasonType": 2, "seasons": [
        {"id": 701, "number": 1, "type": {"id": 1, "type": "official"}},
        {"id": 702, "number": 2, "type": {"id": 1, "type": "official"}},
        {"id": 801, "number": 1, "type": {"id": 2, "type": "dvd"}}]}
    assert tvdb.season_numbers(series) == {801: 1}
    assert tvdb.season_numbers(series, "official") == {701: 1, 702: 2}
    assert tvdb.season_numbers({"seasons": series["seasons"]}) == {701: 1, 702: 2}


async def test_a_401_heard_after_the_token_was_renewed_does_not_throw_the_new_token_away(env, monkeypatch):
    """Two requests went out with the old token; the second hears its 401 only after the first has
    logged in again. It must try again with the new token, not drop it and log in once more."""
    from actors.system import open_services
    from metarr.config import load_config
    from metarr.db.database import close_database
    from metarr.sources import traffic
    from metarr.sources.http import AuthError

    logins: list[str] = []
    renewed, late_sent = asyncio.Event(), asyncio.Event()

    async def fake_fetch(session, ep, req, now):
        if req.path == "/login":
            logins.append(f"T{len(logins) + 1}")
            if len(logins) == 2:
                renewed.set()
            return {"status": "success", "data": {"token": logins[-1]}}
        token = ep.headers.get("Authorization")
        await asyncio.sleep(0)
        if token == f"Bearer {logins[-1]}" and len(logins) >= 2 or req.params == (("q", "warm"),):
            return {"status": "success", "data": token}
        if req.params == (("q", "first"),):
            await late_sent.wait()   # both are out with the old token
        if req.params == (("q", "late"),):
            late_sent.set()
            await renewed.wait()     # its 401 arrives after the new login
        raise AuthError("tvdb", "authentication failed (401)", 401)

    monkeypatch.setattr(traffic, "fetch", fake_fetch)
    services = open_services(load_config({**env, "METARR_TVDB_API_KEY": "k", "METARR_TVDB_URL": "http://127.0.0.1:9"}))
    from metarr.sources.ratelimit import Limits
    t = traffic.ProviderTraffic(services.config, services.db, asyncio.get_running_loop(),
                                limits={"tvdb": Limits(1000.0, 10, 4)})
    await t.open()
    try:
        await t.run(Request("tvdb", "/search", (("q", "warm"),), cache_ttl=0))   # logs in: T1
        # T1 has expired: both go out with it
        answers = await asyncio.gather(t.run(Request("tvdb", "/search", (("q", "first"),), cache_ttl=0)),
                                       t.run(Request("tvdb", "/search", (("q", "late"),), cache_ttl=0)))
    finally:
        await t.close()
        close_database(services.db)
    assert [a["data"] for a in answers] == ["Bearer T2", "Bearer T2"]
    assert logins == ["T1", "T2"], (logins, answers)


async def test_season_types_and_absolute_numbers_over_every_page(gateway_for):
    """TheTVDB's orders of the emulated anime (1,100 episodes: three pages each): aired with
    absoluteNumber, the absolute season type as season 1, 1…1100; an order a show lacks is a 400."""
    from metarr.sources.http import ProviderError
    emu, gw, call, sync = await gateway_for()
    aired = await in_thread(tvdb.episodes, sync, 81300, "official")
    assert len(aired) == 1101 and {e.scalars["absolute"] for e in aired if e.season} == set(range(1, 1101))
    (voyage,) = [e for e in aired if e.scalars["absolute"] == 1071]
    assert (voyage.season, voyage.episode, voyage.scalars["title"]) == (11, 71, "Voyage 1071")
    absolute = await in_thread(tvdb.episodes, sync, 81300, "absolute")
    assert len(absolute) == 1100 and {e.season for e in absolute} == {1}
    assert next(e for e in absolute if e.episode == 1071).scalars["tvdb_id"] == voyage.scalars["tvdb_id"]
    pages = _paths(emu, "/series/81300/episodes/absolute")
    assert [p.rsplit("page=", 1)[1] for p in pages] == ["0", "1", "2"]
    dvd = await in_thread(tvdb.episodes, sync, 75597, "dvd")   # the unaired pilot opens season 1 on DVD
    assert [(e.season, e.episode, e.scalars["title"]) for e in dvd][:2] == [
        (1, 1, "The Unaired Pilot"), (1, 2, "The Case of the Cunningham Heritage")]
    try:
        await in_thread(tvdb.episodes, sync, 81400, "dvd")
        raise AssertionError("a show without a DVD order answered")
    except ProviderError as e:
        assert not e.retryable


async def test_tmdb_episode_groups_list_and_detail(gateway_for):
    from metarr.sources import tmdb_groups
    emu, gw, call, sync = await gateway_for()
    (group,) = await in_thread(tmdb_groups.groups, sync, 2957)
    assert group["type"] == 3 and group["name"] == "DVD Order" and len(group["id"]) == 24
    kind, numbers = await in_thread(tmdb_groups.numbering, sync, group["id"])
    assert kind == 3 and numbers[(0, 1)] == (1, 1) and numbers[(1, 4)] == (1, 5)   # season = group order, episode = order + 1
    (absolute,) = await in_thread(tmdb_groups.groups, sync, 8300)
    kind, numbers = await in_thread(tmdb_groups.numbering, sync, absolute["id"])
    assert kind == 2 and numbers[(11, 71)] == (1, 1071) and len(numbers) == 1100
    assert await in_thread(tmdb_groups.groups, sync, 8400) == []      # the daily show has none
