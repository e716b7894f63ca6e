"""Season art from every provider on the right season, end to end: scan → enrich → cache →
publish through the actors against the emulators, read back as the files a player reads
(`seasonNN-poster.jpg` in the show folder) and as the candidates each season is offered."""
import aiohttp

from metarr.db.media import Season
from metarr.enrichment.season_art import by_season
from metarr.sources.models import ALL_SEASONS, Art
from tests.conftest import drain
from tests.enrich.test_enrich_chain import make_api
from web.demo.media import make_clip

SHOW = "The Lighthouse Keepers (1958)"   # TheTVDB 81200 / TMDB 8200 (web/demo/emulation/data.py)
TVDB, TMDB = 81200, 8200


def _library(root):
    show = root / SHOW
    for n, e in ((0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 130)):   # S05E130 is on TheTVDB's second page
        make_clip(show / ("Specials" if n == 0 else f"Season {n:02d}") / f"{SHOW} - S{n:02d}E{e:02d}.mkv")
    return show


async def _enrich(api, root):
    r = await api.post("/api/v1/libraries", json={"name": "TV", "kind": "tv", "path": str(root), "watch": False,
                                                  "auto_publish": True})
    await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    assert (await drain(api, timeout=90))["dead"] == 0
    (s,) = (await (await api.get("/api/v1/series")).json())["data"]
    assert s["state"] == "published", s
    return s


async def _offered(api, series_id) -> dict[int, set[str]]:
    """Season number -> the poster files offered for it (their names at the provider)."""
    out = {}
    for row in Season.select().where(Season.series_id == series_id):
        cands = (await (await api.get(f"/api/v1/seasons/{row.id}/candidates?slot=poster")).json())["data"]
        out[row.number] = {c["url"].rsplit("/", 1)[1] for c in cands}
    return out


async def _image(emulators, name: str) -> bytes:
    async with aiohttp.ClientSession() as s, s.get(f"{emulators.urls['images']}/art/{name}") as r:
        assert r.status == 200
        return await r.read()


async def test_tvdb_and_fanart_season_posters_land_on_their_seasons(aiohttp_client, emu_env, emulators, tmp_path):
    # TheTVDB has season posters for seasons 1, 2 and 5; Fanart.tv for "1", "0" (specials) and "all"
    emu_env.pop("METARR_TMDB_API_KEY")
    api, services = await make_api(aiohttp_client, emu_env)
    show = _library(tmp_path / "TV")
    s = await _enrich(api, tmp_path / "TV")
    assert s["tvdb_id"] == TVDB
    eps = (await (await api.get(f"/api/v1/series/{s['id']}/episodes")).json())["data"]
    assert (eps[-1]["season"], eps[-1]["episode"], eps[-1]["title"]) == (5, 130, "Logbook 5-130")
    offered = await _offered(api, s["id"])
    assert offered == {0: {f"p{TVDB}s0f.jpg"},
                       1: {f"p{TVDB}s1.jpg", f"p{TVDB}s1f.jpg"},
                       2: {f"p{TVDB}s2.jpg"},
                       3: {f"p{TVDB}sallf.jpg"},    # no art of their own: Fanart.tv's "all"
                       4: {f"p{TVDB}sallf.jpg"},
                       5: {f"p{TVDB}s5.jpg"}}
    # the "all" poster is a season poster, not one more poster of the show
    show_posters = (await (await api.get(f"/api/v1/series/{s['id']}/candidates?slot=poster")).json())["data"]
    assert f"p{TVDB}sallf.jpg" not in {c["url"].rsplit("/", 1)[1] for c in show_posters}
    # what the players read: each season's poster is its own season's image
    for n, name in ((2, f"p{TVDB}s2.jpg"), (5, f"p{TVDB}s5.jpg"), (3, f"p{TVDB}sallf.jpg"),
                    (4, f"p{TVDB}sallf.jpg"), (0, f"p{TVDB}s0f.jpg")):
        published = show / ("season-specials-poster.jpg" if n == 0 else f"season{n:02d}-poster.jpg")
        assert published.read_bytes() == await _image(emulators, name), n
    services.db.close()


async def test_tmdb_posters_for_every_season_in_the_library_language(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    _library(tmp_path / "TV")
    s = await _enrich(api, tmp_path / "TV")
    offered = await _offered(api, s["id"])
    for n in range(6):
        tmdb = {name for name in offered[n] if name.startswith(f"p{TMDB}s")}
        # the season's images endpoint, English and textless; TMDB leaves the German one out
        assert tmdb == {f"p{TMDB}s{n}.jpg", f"p{TMDB}s{n}x.jpg"}, (n, offered[n])
    # every season has art of its own now: the "all" poster is offered nowhere
    assert not any(f"p{TVDB}sallf.jpg" in names for names in offered.values())
    services.db.close()


def test_all_seasons_art_fills_only_the_slots_without_art_of_their_own():
    own1, own2 = Art("tvdb", "poster", "s1", season=1), Art("fanart", "banner", "b2", season=2)
    everyone = [Art("fanart", "poster", "all", season=ALL_SEASONS), Art("fanart", "banner", "ball", season=ALL_SEASONS)]
    show = Art("tmdb", "poster", "show")
    placed = by_season([own1, own2, show, *everyone, Art("tvdb", "poster", "s9", season=9)], [0, 1, 2])
    assert {n: [a.url for a in arts] for n, arts in placed.items()} == {
        0: ["all", "ball"], 1: ["s1", "ball"], 2: ["b2", "all"]}
