"""Collections (TMDB movie sets) as items of their own, end to end through the actors and the emulated
TMDB and Fanart.tv: made from the movies' enrichment, with their name, overview and artwork, a page
and an API with locks and the artwork picker, their movies listed; published in the members' NFOs
(with the TMDB collection id only where Jellyfin or Emby read the library) and in Kodi's movie set
information folder."""
from __future__ import annotations

import hashlib
import shutil

from metarr.nfo.read import parse_nfo
from tests.conftest import drain
from tests.enrich.test_enrich_chain import make_api
from web.demo.media import make_clip

SET = "Universal Monsters Collection"
DRACULA, FRANKENSTEIN = "Dracula (1931)", "Frankenstein (1931)"


async def _library(api, name, root, players):
    r = await api.post("/api/v1/libraries", json={"name": name, "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_publish": True, "players": list(players)})
    assert r.status == 201, await r.text()
    lid = (await r.json())["data"]["id"]
    assert (await api.post(f"/api/v1/libraries/{lid}/scan")).status == 202
    return lid


async def _get(api, path):
    r = await api.get(path)
    assert r.status == 200, await r.text()
    return (await r.json())["data"]


def _nfo(folder, name):
    return (folder / name / f"{name}.nfo").read_bytes()


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _two_libraries(api, tmp_path):
    """Dracula in a library Kodi and Jellyfin read, Frankenstein in one only Kodi reads."""
    both, kodi = tmp_path / "Movies", tmp_path / "Kodi movies"
    make_clip(both / DRACULA / f"{DRACULA}.mkv")
    make_clip(kodi / FRANKENSTEIN / f"{FRANKENSTEIN}.mkv")
    await _library(api, "Movies", both, ("kodi", "jellyfin"))
    await _library(api, "Kodi movies", kodi, ("kodi",))
    assert (await drain(api, timeout=90))["dead"] == 0
    return both, kodi


async def test_a_collection_is_an_item_with_its_page_api_locks_and_nfo_ids(aiohttp_client, emu_env, emulators,
                                                                           tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    both, kodi = await _two_libraries(api, tmp_path)
    (c,) = await _get(api, "/api/v1/collections")
    assert (c["name"], c["tmdb_id"], c["movies"]) == (SET, 1000, 2)   # one item, whatever library its movies are in
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    assert d["overview"] == "Classic monsters." and d["state"] == "published"
    assert {m["title"] for m in d["movies"]} == {"Dracula", "Frankenstein"}
    assert d["locks"]["name"]["source"] == "provider:tmdb" and not d["locks"]["name"]["locked"]
    # artwork from TMDB and Fanart.tv (by the collection id), scored and chosen like a movie's
    assert {"poster", "fanart", "keyart", "clearlogo", "clearart"} <= set(d["assets"])
    assert {x["provider"] for x in d["candidates"] if x["slot"] == "poster"} == {"tmdb", "fanart"}
    assert sum(x["selected"] for x in d["candidates"] if x["slot"] == "poster") == 1
    # a movie's page and detail name its collection
    drac = next(m for m in d["movies"] if m["title"] == "Dracula")
    assert (await _get(api, f"/api/v1/movies/{drac['id']}"))["collection"] == {"id": c["id"], "name": SET,
                                                                               "tmdb_id": 1000}
    page = await (await api.get(f"/movies/{drac['id']}")).text()
    assert f'href="/collections/{c["id"]}"' in page and SET in page

    # the NFOs: <set> everywhere, the collection id only where Jellyfin reads the library
    doc = parse_nfo(_nfo(both, DRACULA)).doc
    assert (doc.set.name, doc.set.overview, doc.set.tmdbcolid, doc.collectionnumber) == \
        (SET, "Classic monsters.", 1000, 1000)
    raw = _nfo(kodi, FRANKENSTEIN).decode()
    doc = parse_nfo(raw.encode()).doc
    assert (doc.set.name, doc.set.tmdbcolid, doc.collectionnumber) == (SET, None, None)
    assert "tmdbcolid" not in raw and "collectionnumber" not in raw

    # its page: fields with locks, the artwork picker, its movies
    page = await (await api.get(f"/collections/{c['id']}")).text()
    assert SET in page and 'data-slot="poster"' in page and 'data-slot="fanart"' in page
    assert f'href="/movies/{drac["id"]}"' in page and "Frankenstein" in page
    assert f'data-url="/api/v1/collections/{c["id"]}/locks/name"' in page
    assert "Collections" in await (await api.get("/collections")).text()

    # the user's name: locked, in every member's NFO, kept by the next enrichment
    r = await api.patch(f"/api/v1/collections/{c['id']}", json={"name": "Universal Classic Monsters"})
    assert r.status == 200, await r.text()
    assert (await r.json())["data"]["locks"]["name"] == {"source": "user", "locked": True}
    assert (await api.patch(f"/api/v1/collections/{c['id']}", json={"name": " "})).status == 400
    assert (await api.patch(f"/api/v1/collections/{c['id']}", json={"tmdb_id": 5})).status == 400
    await drain(api, timeout=60)
    for root, name in ((both, DRACULA), (kodi, FRANKENSTEIN)):
        assert parse_nfo(_nfo(root, name)).doc.set.name == "Universal Classic Monsters"
    r = await api.post(f"/api/v1/collections/{c['id']}/enrich")
    assert r.status == 202, await r.text()
    await drain(api, timeout=60)
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    assert d["name"] == "Universal Classic Monsters" and d["overview"] == "Classic monsters."
    r = await api.put(f"/api/v1/collections/{c['id']}/locks/name", json={"locked": False})
    assert r.status == 200, await r.text()
    assert (await _get(api, f"/api/v1/collections/{c['id']}"))["locks"]["name"]["locked"] is False

    # another poster picked in the collection's picker: chosen by the user, locked
    other = next(x for x in d["candidates"] if x["slot"] == "poster" and not x["selected"])
    r = await api.post(f"/api/v1/collections/{c['id']}/candidates/{other['id']}/select")
    assert r.status == 200, await r.text()
    await drain(api, timeout=60)
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    assert d["locks"]["art:poster"]["source"] == "user"
    assert next(x for x in d["candidates"] if x["id"] == other["id"])["selected"]
    assert (await api.get("/api/v1/collections/999999")).status == 404
    assert (await api.get("/collections/999999")).status == 404
    services.db.close()


async def test_the_movie_set_folder_holds_the_sets_art_under_kodis_legal_name(aiohttp_client, emu_env, emulators,
                                                                              tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    sets = tmp_path / "moviesets"
    for bad in ("relative/path", str(tmp_path / "not-there"), 5):
        r = await api.patch("/api/v1/settings", json={"publish.movieset_folder": bad})
        assert r.status == 400, (bad, await r.text())
    sets.mkdir()
    r = await api.patch("/api/v1/settings", json={"publish.movieset_folder": str(sets) + "/"})
    assert r.status == 200 and (await r.json())["data"]["publish.movieset_folder"] == str(sets)
    both, kodi = await _two_libraries(api, tmp_path)
    (c,) = await _get(api, "/api/v1/collections")
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    folder = sets / SET
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["clearart.png", "clearlogo.png", "fanart.jpg", "keyart.jpg", "poster.jpg"], names
    for slot, name in (("poster", "poster.jpg"), ("fanart", "fanart.jpg"), ("clearlogo", "clearlogo.png")):
        assert _sha(folder / name) == d["assets"][slot]["sha256"]
    assert sorted(f["path"] for f in d["set_files"]) == sorted(str(folder / n) for n in names)
    r = await api.post(f"/api/v1/collections/{c['id']}/publish?dry_run=true")   # nothing left to do
    assert r.status == 200 and (await r.json())["data"]["changes"] == 0, await r.text()

    # a name Kodi has to make legal: "/ \\ ? : * \" < > |" become "_", trailing dots and spaces go
    r = await api.patch(f"/api/v1/collections/{c['id']}", json={"name": 'Universal: Monsters? "Classic"...'})
    assert r.status == 200, await r.text()
    await drain(api, timeout=60)
    legal = sets / "Universal_ Monsters_ _Classic_"
    assert sorted(p.name for p in legal.iterdir()) == names
    assert not folder.exists()   # the old folder's files went to the recycle bin, then the folder
    binned = await _get(api, "/api/v1/recycle-bin?limit=100")
    assert {b["original_path"] for b in binned} >= {str(folder / n) for n in names}
    poster = next(b for b in binned if b["original_path"] == str(folder / "poster.jpg"))
    r = await api.post(f"/api/v1/recycle-bin/{poster['id']}/restore")   # it can come back from the bin
    assert r.status == 200, await r.text()
    assert (folder / "poster.jpg").is_file()

    # the movie set folder moved in the settings: the sets are written there, the old files binned
    moved = tmp_path / "moviesets2"
    moved.mkdir()
    r = await api.patch("/api/v1/settings", json={"publish.movieset_folder": str(moved)})
    assert r.status == 200, await r.text()
    assert (await drain(api, timeout=60))["dead"] == 0
    assert sorted(p.name for p in (moved / legal.name).iterdir()) == names and not legal.exists()
    legal = moved / legal.name

    # no movie left: the set folder goes to the recycle bin too
    shutil.rmtree(both / DRACULA)
    shutil.rmtree(kodi / FRANKENSTEIN)
    for lib in await _get(api, "/api/v1/libraries"):
        assert (await api.post(f"/api/v1/libraries/{lib['id']}/scan")).status == 202
    assert (await drain(api, timeout=60))["dead"] == 0
    assert not legal.exists()
    assert (await _get(api, f"/api/v1/collections/{c['id']}"))["set_files"] == []
    assert await _get(api, "/api/v1/collections") == []
    services.db.close()


async def test_a_collections_texts_follow_its_movies_library_languages(aiohttp_client, emu_env, emulators, tmp_path):
    """German first, English as the fallback: TMDB has the collection in German, so its name and
    overview are German (with that language as their provenance), in its page and the NFO's <set>."""
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Filme"
    make_clip(root / DRACULA / f"{DRACULA}.mkv")
    make_clip(root / FRANKENSTEIN / f"{FRANKENSTEIN}.mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Filme", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_publish": True, "language": "de", "fallback_languages": ["en"]})
    assert r.status == 201, await r.text()
    assert (await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")).status == 202
    assert (await drain(api, timeout=90))["dead"] == 0
    (c,) = await _get(api, "/api/v1/collections")
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    assert (d["name"], d["overview"]) == ("Universal-Monster-Filmreihe", "Die klassischen Monster.")
    assert d["locks"]["name"]["language"].startswith("de")
    doc = parse_nfo(_nfo(root, FRANKENSTEIN)).doc
    assert (doc.set.name, doc.set.overview) == ("Universal-Monster-Filmreihe", "Die klassischen Monster.")
    services.db.close()


async def test_verify_finds_and_repairs_the_movie_set_folders_files(aiohttp_client, emu_env, emulators, tmp_path):
    """A movie library's verification checks the set folder files of its movies' collections against
    the cache like its own: a deleted poster is found and put back, a changed one reported."""
    api, services = await make_api(aiohttp_client, emu_env)
    sets = tmp_path / "moviesets"
    sets.mkdir()
    r = await api.patch("/api/v1/settings", json={"publish.movieset_folder": str(sets)})
    assert r.status == 200, await r.text()
    await _two_libraries(api, tmp_path)
    (c,) = await _get(api, "/api/v1/collections")
    d = await _get(api, f"/api/v1/collections/{c['id']}")
    poster, fanart = sets / SET / "poster.jpg", sets / SET / "fanart.jpg"
    poster.unlink()
    fanart.write_bytes(b"not what Metarr wrote")
    libs = {lib["name"]: lib["id"] for lib in await _get(api, "/api/v1/libraries")}
    r = await api.post(f"/api/v1/libraries/{libs['Movies']}/verify")
    assert r.status == 202, await r.text()
    assert (await drain(api, timeout=60))["dead"] == 0
    found = await _get(api, f"/api/v1/libraries/{libs['Movies']}/verification")
    by_path = {f["path"]: f for f in found["findings"]}
    assert by_path[str(poster)]["problem"] == "missing" and by_path[str(poster)]["entity_type"] == "collection"
    assert by_path[str(fanart)]["problem"] == "modified"
    assert {by_path[str(poster)]["action"], by_path[str(fanart)]["action"]} == {"republishing"}
    # put back from the cache by the collection's publish; the changed file went to the recycle bin first
    assert _sha(poster) == d["assets"]["poster"]["sha256"] and _sha(fanart) == d["assets"]["fanart"]["sha256"]
    binned = await _get(api, "/api/v1/recycle-bin?limit=100")
    assert str(fanart) in {b["original_path"] for b in binned}
    # all agree now: the next verification finds nothing of the set folder
    r = await api.post(f"/api/v1/libraries/{libs['Kodi movies']}/verify")
    assert (await drain(api, timeout=60))["dead"] == 0
    found = await _get(api, f"/api/v1/libraries/{libs['Kodi movies']}/verification")
    assert [f for f in found["findings"] if f["entity_type"] == "collection"] == []
    services.db.close()
