"""Several backdrops and the keyart, end to end through the actors and the emulated providers: the
best N backdrops chosen, downloaded and published under every player's names, the NFO's <fanart>
listing them; the textless poster as the keyart, shown and choosable on the item's page."""
from __future__ import annotations

import hashlib
import os

from metarr.db.media import ArtworkSlot, CacheFile
from metarr.nfo.read import parse_nfo
from tests.conftest import drain
from tests.enrich.test_enrich_chain import make_api
from web.demo.media import make_clip

F = "Night of the Living Dead (1968)"


async def _library(api, root, kind, players=("kodi", "jellyfin", "plex")):
    r = await api.post("/api/v1/libraries", json={"name": kind, "kind": kind, "path": str(root), "watch": False,
                                                  "auto_publish": True, "players": list(players)})
    assert r.status == 201, await r.text()
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    return lid


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_three_backdrops_and_the_keyart_reach_every_players_names(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    r = await api.patch("/api/v1/settings", json={"publish.fanart_count": 3})
    assert r.status == 200, await r.text()
    for bad in (0, 21, 2.5, "3"):
        assert (await api.patch("/api/v1/settings", json={"publish.fanart_count": bad})).status == 400, bad
    root = tmp_path / "Movies"
    make_clip(root / F / f"{F}.mkv")
    await _library(api, root, "movie")
    assert (await drain(api, timeout=90))["dead"] == 0
    (m,) = (await (await api.get("/api/v1/movies")).json())["data"]
    d = (await (await api.get(f"/api/v1/movies/{m['id']}")).json())["data"]
    # the three best backdrops, best first (TMDB's by votes: b10331, then x2, then x3)
    backdrops = [a["sha256"] for a in d["assets"]["fanart_all"]]
    assert len(backdrops) == 3 == len(set(backdrops))
    folder = root / F
    assert [_sha(folder / n) for n in (f"{F}-fanart.jpg", f"{F}-fanart1.jpg", f"{F}-fanart2.jpg")] == backdrops
    for n in (1, 2):   # Jellyfin's copy of each extra backdrop is the same file as Kodi's and Plex's
        assert os.stat(folder / "extrafanart" / f"fanart{n}.jpg").st_ino == os.stat(folder / f"{F}-fanart{n}.jpg").st_ino
    nfo = parse_nfo((folder / f"{F}.nfo").read_bytes()).doc
    fanart_urls = [f.url for f in nfo.fanart]
    assert [u.rsplit("/", 1)[1] for u in fanart_urls[:3]] == ["b10331.jpg", "b10331x2.jpg", "b10331x3.jpg"]
    # the keyart: a textless poster (TMDB's "xx" or Fanart.tv's lang "00"), never one with a title on it
    cands = (await (await api.get(f"/api/v1/movies/{m['id']}/candidates?slot=keyart")).json())["data"]
    assert {c["url"].rsplit("/", 1)[1] for c in cands} == {"p10331t.jpg", "p10331k.jpg"}
    assert all(c["language"] is None for c in cands)
    chosen = next(c for c in cands if c["selected"])
    keyart = folder / f"{F}-keyart.jpg"
    assert _sha(keyart) == CacheFile.get_by_id(ArtworkSlot.get((ArtworkSlot.entity_type == "movie")
                                                               & (ArtworkSlot.slot == "keyart")).cache_file_id).sha256
    # the textless poster stays a poster candidate too; the poster chosen is the one with the title
    posters = (await (await api.get(f"/api/v1/movies/{m['id']}/candidates?slot=poster")).json())["data"]
    assert any(c["url"].endswith("p10331t.jpg") for c in posters)
    assert next(c for c in posters if c["selected"])["language"] == "en"
    # the item's page shows the keyart slot and its candidates; the other one is chosen there
    page = await (await api.get(f"/movies/{m['id']}")).text()
    assert 'alt="fanart1"' in page and 'alt="fanart2"' in page     # the extra backdrops, shown with the main one
    card = page[page.index('data-slot="keyart"'):]
    assert card[:card.index("</details>")].count("<img") == 1 + 2   # what is used, then both candidates
    other = next(c for c in cands if not c["selected"])
    r = await api.post(f"/api/v1/movies/{m['id']}/candidates/{other['id']}/select")
    assert r.status == 200, await r.text()
    before = _sha(keyart)
    await drain(api, timeout=60)
    assert _sha(keyart) != before and chosen["id"] != other["id"]
    d = (await (await api.get(f"/api/v1/movies/{m['id']}")).json())["data"]
    assert d["locks"]["art:keyart"]["source"] == "user"
    assert len(d["assets"]["fanart_all"]) == 3          # choosing the keyart left the backdrops alone
    services.db.close()


async def test_a_user_chosen_backdrop_leads_and_the_best_others_follow(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    await api.patch("/api/v1/settings", json={"publish.fanart_count": 2})
    root = tmp_path / "Movies"
    make_clip(root / F / f"{F}.mkv")
    await _library(api, root, "movie", players=("kodi",))
    await drain(api, timeout=90)
    (m,) = (await (await api.get("/api/v1/movies")).json())["data"]
    cands = (await (await api.get(f"/api/v1/movies/{m['id']}/candidates?slot=fanart")).json())["data"]
    worst = min((c for c in cands if c["url"].rsplit("/", 1)[1].startswith("b10331")), key=lambda c: c["score"])
    r = await api.post(f"/api/v1/movies/{m['id']}/candidates/{worst['id']}/select")
    assert r.status == 200
    await drain(api, timeout=60)
    await api.post(f"/api/v1/movies/{m['id']}/enrich")   # enrichment fills the extra backdrop again
    await drain(api, timeout=60)
    folder = root / F
    d = (await (await api.get(f"/api/v1/movies/{m['id']}")).json())["data"]
    main, extra = d["assets"]["fanart_all"]
    assert main["source"] == "user" and _sha(folder / f"{F}-fanart.jpg") == main["sha256"]
    assert _sha(folder / f"{F}-fanart1.jpg") == extra["sha256"] != main["sha256"]
    assert not (folder / "extrafanart").exists()        # Kodi alone: no Jellyfin names
    # one backdrop again: the extra one is no longer published (it goes to the recycle bin)
    await api.patch("/api/v1/settings", json={"publish.fanart_count": 1})
    await api.post(f"/api/v1/movies/{m['id']}/publish")
    await drain(api, timeout=60)
    assert not (folder / f"{F}-fanart1.jpg").exists() and (folder / f"{F}-fanart.jpg").exists()
    services.db.close()


async def test_a_show_gets_character_art_keyart_and_extra_backdrops_for_kodi(aiohttp_client, emu_env, emulators,
                                                                               tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    await api.patch("/api/v1/settings", json={"publish.fanart_count": 2})
    show = tmp_path / "TV" / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    await _library(api, tmp_path / "TV", "tv", players=("kodi", "jellyfin"))
    assert (await drain(api, timeout=90))["dead"] == 0
    names = {str(p.relative_to(show)) for p in show.rglob("*") if p.is_file()}
    assert {"characterart.png", "keyart.jpg", "fanart.jpg", "fanart1.jpg", "extrafanart/fanart1.jpg"} <= names
    (s,) = (await (await api.get("/api/v1/series")).json())["data"]
    page = await (await api.get(f"/series/{s['id']}")).text()
    assert 'data-slot="characterart"' in page and 'data-slot="keyart"' in page
    services.db.close()
