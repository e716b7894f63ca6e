"""Every episode order, end to end against the emulators: an anime released by absolute number and
a daily show released by date are matched to their episodes (with titles); switching a show to DVD
order, after a preview that lists file → episode, re-maps its files and publishes them again, the
old NFOs and thumbs in the recycle bin. The matching rules themselves are pure (episode_match)."""
import pytest

from metarr.enrichment import episode_match as em
from tests.conftest import drain
from tests.enrich.test_enrich_chain import make_api
from web.demo.media import make_clip

ANIME = "Tidebound Corsairs"      # TheTVDB 81300 / TMDB 8300: eleven seasons of 100 (web/demo/emulation/orders.py)
DAILY = "The Evening Desk"        # TheTVDB 81400 / TMDB 8400: season 2024, one episode each weekday
HOLMES = "Sherlock Holmes (1954)"  # on DVD the unaired pilot opens season 1


# ------------------------------------------------------------------ pure rules

def _cat():
    entries = [em.Entry((0, 1), None, "1954-01-01", "Pilot")]
    entries += [em.Entry((1, e), e, f"1954-10-{10 + e}", f"A{e}") for e in (1, 2, 3)]
    entries += [em.Entry((2, e), 3 + e, f"1955-10-{10 + e}", f"B{e}") for e in (1, 2)]
    cat = em.Catalogue.of(entries)
    cat.orders["dvd"] = {(0, 1): (1, 1), (1, 1): (1, 2), (1, 2): (1, 3), (1, 3): (1, 4), (2, 1): (2, 1), (2, 2): (2, 2)}
    return cat


def test_orders_are_checked_and_said_in_words():
    assert em.normalise("DVD") == "dvd" and em.normalise("") == "aired" and em.normalise("tvdb:Official") == "tvdb:official"
    assert em.normalise("tmdb_group:5B11BA820E0A265AA40000D1") == "tmdb-group:5b11ba820e0a265aa40000d1"
    for bad, words in (("tvdb:weird", "TheTVDB has no season type 'weird'"), ("tmdb-group:12", "24 hexadecimal"),
                       ("production", "unknown episode order 'production'")):
        with pytest.raises(em.OrderError, match=words):
            em.normalise(bad)
    assert em.jellyfin_display_order("aired") == "" and em.jellyfin_display_order("tvdb:dvd") == "dvd"
    assert em.jellyfin_display_order("tmdb-group:" + "a" * 24, 5) == "storyArc"


def test_a_file_is_read_in_the_chosen_order():
    cat = _cat()
    sxe = {"kind": "sxe", "season": 1, "episode": 1}
    assert em.match(sxe, (1, 1), cat, "aired").key == (1, 1)
    assert em.match(sxe, (1, 1), cat, "dvd").key == (0, 1)            # S01E01 on DVD is the pilot
    absolute = {"kind": "absolute", "season": 1, "episode": 5, "absolute": 5}
    assert em.match(absolute, (1, 5), cat, "aired") == em.Match((2, 2), (2, 2), "absolute 5")
    assert em.match(absolute, (1, 5), cat, "absolute").number == (1, 5)
    dated = {"kind": "date", "season": 1955, "episode": 1011, "air_date": "1955-10-11"}
    assert em.match(dated, (1955, 1011), cat, "aired").number == (2, 1)
    # no absolute numbers at any provider: the aired episodes counted without specials
    plain = em.Catalogue.of(em.Entry(e.key, None, e.aired) for e in cat.entries.values())
    assert em.match(absolute, (1, 5), plain, "aired").key == (2, 2)


def test_two_files_for_one_episode_the_second_stays_and_says_why():
    moves = em.plan([em.Row(1, (1, 7), {"kind": "absolute", "absolute": 4}, "b.mkv"),
                     em.Row(2, (1, 9), {"kind": "absolute", "absolute": 4}, "c.mkv"),
                     em.Row(3, (9, 9), {"kind": "absolute", "absolute": 99}, "d.mkv")], _cat(), "aired")
    assert [(m.id, m.target) for m in moves] == [(1, (2, 1)), (2, None), (3, None)]
    assert "in another file" in moves[1].note and "no episode absolute 99" in moves[2].note


def test_kodi_numbers_a_file_from_its_name_unless_the_name_is_a_date():
    from metarr.scanning.kodi_names import kodi_numbers
    assert kodi_numbers(f"TV/{ANIME}/{ANIME} - 1071.mkv") == (10, 71)            # Kodi's "foo.103" rule
    assert kodi_numbers(f"TV/{ANIME}/[Subs] {ANIME} - 057 [1080p].mkv") == (0, 57)
    assert kodi_numbers("TV/X/Season 01/X - S01E02E03.mkv") == (1, 2) and kodi_numbers("X/x.ep12.mkv") == (1, 12)
    assert kodi_numbers(f"TV/{DAILY}/Season 2024/The.Evening.Desk.2024.03.14.mkv") is None   # the NFO's numbers
    assert kodi_numbers("TV/X/X - Pilot.mkv") is None


# ------------------------------------------------------------------ end to end

async def _library(api, root, name="TV"):
    r = await api.post("/api/v1/libraries", json={"name": name, "kind": "tv", "path": str(root), "watch": False,
                                                  "auto_publish": True})
    assert r.status == 201, await r.text()
    await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    assert (await drain(api, timeout=150))["dead"] == 0
    return {s["title"]: s for s in (await (await api.get("/api/v1/series")).json())["data"]}


async def _episodes(api, sid):
    return {(e["season"], e["episode"]): e for e in
            (await (await api.get(f"/api/v1/series/{sid}/episodes")).json())["data"]}


@pytest.mark.parametrize("providers", ["tmdb+tvdb", "tmdb"])
async def test_an_anime_by_absolute_number_and_a_daily_show_by_date(aiohttp_client, emu_env, emulators, tmp_path,
                                                                    providers):
    if providers == "tmdb":   # TMDB alone: its absolute episode group numbers the anime
        emu_env.pop("METARR_TVDB_API_KEY")
    api, _services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "TV"
    make_clip(root / ANIME / f"{ANIME} - 1071.mkv")
    make_clip(root / ANIME / f"[Corsair Subs] {ANIME} - 057 [1080p].mkv")
    make_clip(root / DAILY / "Season 2024" / "The.Evening.Desk.2024.03.14.mkv")
    shows = await _library(api, root)
    anime, daily = shows[ANIME], shows[DAILY]
    eps = await _episodes(api, anime["id"])
    assert sorted(eps) == [(1, 57), (11, 71)], eps
    assert eps[(11, 71)]["title"] == "Voyage 1071" and eps[(1, 57)]["title"] == "Voyage 57"
    assert eps[(11, 71)]["file"].endswith(f"{ANIME} - 1071.mkv")
    assert eps[(11, 71)]["kodi_numbers"] == [10, 71]   # what a Kodi shows for the name (see kodi_names)
    nfo = (root / ANIME / f"{ANIME} - 1071.nfo").read_text()
    assert "<season>11</season>" in nfo and "<episode>71</episode>" in nfo and "<title>Voyage 1071</title>" in nfo
    detail = (await (await api.get(f"/api/v1/series/{anime['id']}")).json())["data"]
    assert [s["number"] for s in detail["seasons"]] == [1, 11] and detail["episode_order"] == "aired"
    eps = await _episodes(api, daily["id"])
    assert list(eps) == [(2024, 54)] and eps[(2024, 54)]["title"] == "Evening Desk March 14", eps
    nfo = (root / DAILY / "Season 2024" / "The.Evening.Desk.2024.03.14.nfo").read_text()
    assert "<episode>54</episode>" in nfo and "<aired>2024-03-14</aired>" in nfo

    # a rescan keeps the matched episodes (found by their files, not by the numbers in the names)
    lid = (await (await api.get("/api/v1/libraries")).json())["data"][0]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    assert (await drain(api, timeout=90))["dead"] == 0
    assert sorted(await _episodes(api, anime["id"])) == [(1, 57), (11, 71)]

    # the anime in its absolute order: S01E1071, and Jellyfin's <displayorder>absolute</displayorder>
    r = await api.patch(f"/api/v1/series/{anime['id']}", json={"episode_order": "absolute"})
    assert r.status == 200, await r.text()
    assert (await drain(api, timeout=90))["dead"] == 0
    eps = await _episodes(api, anime["id"])
    assert sorted(eps) == [(1, 57), (1, 1071)] and eps[(1, 1071)]["title"] == "Voyage 1071"
    assert "<displayorder>absolute</displayorder>" in (root / ANIME / "tvshow.nfo").read_text()
    assert "<episode>1071</episode>" in (root / ANIME / f"{ANIME} - 1071.nfo").read_text()


async def test_switching_to_dvd_order_previews_remaps_republishes_and_recycles(aiohttp_client, emu_env, emulators,
                                                                               tmp_path):
    api, _services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "TV"
    show = root / HOLMES
    make_clip(show / "Season 01" / f"{HOLMES} - S01E01.mkv")
    make_clip(show / "Season 01" / f"{HOLMES} - S01E02.mkv")
    sid = (await _library(api, root))["Sherlock Holmes"]["id"]
    first = show / "Season 01" / f"{HOLMES} - S01E01.nfo"
    assert "The Case of the Cunningham Heritage" in first.read_text()

    r = await api.patch(f"/api/v1/series/{sid}", json={"episode_order": "tvdb:weird"})
    assert r.status == 400 and "TheTVDB has no season type 'weird'" in (await r.json())["error"]["message"]
    r = await api.get(f"/api/v1/series/{sid}/episode_order/preview?order=dvd")
    assert r.status == 200, await r.text()
    p = (await r.json())["data"]
    files = {x["file"].rsplit("/", 1)[1]: (x["now"]["title"], x["new"]["title"], x["changed"]) for x in p["files"]}
    assert files == {f"{HOLMES} - S01E01.mkv": ("The Case of the Cunningham Heritage", "The Unaired Pilot", True),
                     f"{HOLMES} - S01E02.mkv": ("The Case of Lady Beryl", "The Case of the Cunningham Heritage", True)}
    assert p["source"] == "TheTVDB's dvd season type" and p["display_order"] == "dvd"
    rel = f"{HOLMES}/Season 01/{HOLMES} - S01E01"
    assert {f"{rel}.nfo", f"{rel}-thumb.jpg"} <= set(p["rewritten"]), p["rewritten"]
    assert "Cunningham" in first.read_text()   # a preview changes nothing

    r = await api.post(f"/api/v1/series/{sid}/episode_order/apply", json={"order": "dvd"})
    assert r.status == 202, await r.text()
    assert (await drain(api, timeout=90))["dead"] == 0
    eps = await _episodes(api, sid)
    assert {k: e["title"] for k, e in eps.items()} == {(1, 1): "The Unaired Pilot",
                                                       (1, 2): "The Case of the Cunningham Heritage"}
    assert "<title>The Unaired Pilot</title>" in first.read_text()
    assert "<displayorder>dvd</displayorder>" in (show / "tvshow.nfo").read_text()
    thumb = show / "Season 01" / f"{HOLMES} - S01E01-thumb.jpg"
    assert thumb.exists()
    binned = (await (await api.get("/api/v1/recycle-bin?limit=100")).json())["data"]
    old = {b["original_path"].rsplit("/", 1)[1] for b in binned if "episode order" in b["reason"]}
    assert {f"{HOLMES} - S01E01.nfo", f"{HOLMES} - S01E01-thumb.jpg", f"{HOLMES} - S01E02.nfo"} <= old, binned
    assert (await (await api.get(f"/api/v1/series/{sid}")).json())["data"]["episode_order"] == "dvd"
    page = await (await api.get(f"/series/{sid}")).text()   # the show page says so, and offers the preview
    assert "matched to episodes in <strong>DVD order</strong>" in page
    assert f'data-api="GET /api/v1/series/{sid}/episode_order/preview"' in page


async def test_a_jellyfin_library_in_dvd_order_keeps_it_from_the_first_scan(aiohttp_client, emu_env, emulators,
                                                                            tmp_path):
    """A show whose tvshow.nfo (Jellyfin's) says <displayorder>dvd</displayorder> is matched in DVD order
    from its first enrichment; a TMDB group type, which names no group, is said and not guessed."""
    api, _services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "TV"
    show = root / HOLMES
    make_clip(show / "Season 01" / f"{HOLMES} - S01E01.mkv")
    (show / "tvshow.nfo").write_text("<tvshow><title>Sherlock Holmes</title><year>1954</year>"
                                     "<displayorder>dvd</displayorder></tvshow>")
    other = root / "Tidebound Corsairs"
    make_clip(other / "Tidebound Corsairs - 1071.mkv")
    (other / "tvshow.nfo").write_text("<tvshow><title>Tidebound Corsairs</title>"
                                      "<displayorder>storyArc</displayorder></tvshow>")
    shows = await _library(api, root)
    sid = shows["Sherlock Holmes"]["id"]
    detail = (await (await api.get(f"/api/v1/series/{sid}")).json())["data"]
    assert detail["episode_order"] == "dvd"
    eps = await _episodes(api, sid)
    assert eps[(1, 1)]["title"] == "The Unaired Pilot", eps   # S01E01 on DVD
    assert "<displayorder>dvd</displayorder>" in (show / "tvshow.nfo").read_text()
    corsairs = (await (await api.get(f"/api/v1/series/{shows[ANIME]['id']}")).json())["data"]
    assert corsairs["episode_order"] == "aired"
    jobs = (await (await api.get("/api/v1/jobs?type=scan.library")).json())["data"]
    problems = [p["problem"] for j in jobs
                for p in ((await (await api.get(f"/api/v1/jobs/{j['id']}")).json())["data"]["result"] or {})
                .get("problems", [])]
    assert any("storyArc" in p and "choose the group" in p for p in problems), problems
