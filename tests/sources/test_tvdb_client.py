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
    # room for several requests in flight at once, so that they meet the 401 together
    emu, gw, call, sync = await gateway_for(limits={"tvdb": Limits(9.0, 9, 4)})
    await call(Request("tvdb", "/search", (("query", "sherlock"),), cache_ttl=0))
    assert emu.tvdb_auth.logins == 1
    emu.tvdb_auth.expire_all()   # a month later
    answers = await asyncio.gather(*(call(Request("tvdb", "/search", (("query", f"lighthouse {i}"),), cache_ttl=0))
                                     for i in range(8)))
    assert all(a["status"] == "success" for a in answers)
    # the requests that met the 401 together log in once, not once each
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
