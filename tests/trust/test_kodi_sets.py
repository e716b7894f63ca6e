"""A movie set in Kodi shows the collection's artwork Metarr chose. Kodi makes the set when it reads a
movie's <set> and fixes its art from the first movie it scans (from its movie set folder, when it
has one) and never again; Metarr's sync sets it over JSON-RPC after the movies, and again when the
user picks another image (Kodi's cached copy of the old file under the same name goes)."""
import asyncio

from metarr.players.kodi_check import image_hash
from web.demo.emulation.kodi import KodiEmulator
from web.demo.media import make_clip

from .conftest import add_library, data, synced

SET = "Universal Monsters Collection"


async def test_kodi_holds_the_sets_art_after_a_sync(chain, tmp_path):
    api, services = chain
    kodi = KodiEmulator(username=None)   # no movie set folder set in this Kodi: a scan gives a set no art
    kodi.loop = asyncio.get_running_loop()
    await kodi.start()
    try:
        root, sets = tmp_path / "Movies", tmp_path / "moviesets"
        sets.mkdir()
        videos = [root / n / f"{n}.mkv" for n in ("Dracula (1931)", "Frankenstein (1931)", "Nosferatu (1922)")]
        for v in videos:
            make_clip(v)
            kodi.put_on_disk("movie", str(v))
        r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.3,
                                                      "publish.movieset_folder": str(sets)})
        assert r.status == 200, await r.text()
        r = await api.post("/api/v1/players", json={"name": "Kodi", "kind": "kodi", "url": kodi.url + "/jsonrpc"})
        assert r.status == 201, await r.text()
        await add_library(api, "Movies", "movie", root)
        first = await synced(api)
        assert all(j["status"] == "succeeded" for j in first), first

        # the set Kodi made from the movies' <set>, with Metarr's images
        folder = sets / SET
        art = kodi.set_art(SET)
        assert art.get("poster") == str(folder / "poster.jpg") and art.get("fanart") == str(folder / "fanart.jpg"), art
        assert set(art) == {p.stem for p in folder.iterdir()}
        (kset,) = kodi._dispatch("VideoLibrary.GetMovieSets", {"properties": ["title"]})["sets"]
        assert kset["title"] == SET
        members = {kid for kid, setid in kodi.movie_sets.items() if setid == kset["setid"]}
        assert len(members) == 2    # Dracula and Frankenstein; Nosferatu is in no set
        assert kodi.rpc_calls("VideoLibrary.SetMovieSetDetails")
        assert sum(len(j["result"].get("sets_updated") or ()) for j in first) >= 1

        # another poster chosen for the collection: the same file name with other bytes; Kodi's
        # cached copy of the old one goes, so the set shows the new picture
        poster = folder / "poster.jpg"
        old = poster.stat()
        assert kodi.cached_hash(str(poster)) == image_hash(old.st_mtime_ns, old.st_size)
        (c,) = await data(api, "/api/v1/collections")
        d = await data(api, f"/api/v1/collections/{c['id']}")
        other = next(x for x in d["candidates"] if x["slot"] == "poster" and not x["selected"])
        await asyncio.sleep(1.0)   # Kodi's hash holds whole seconds
        kodi.rpc.clear()
        r = await api.post(f"/api/v1/collections/{c['id']}/candidates/{other['id']}/select")
        assert r.status == 200, await r.text()
        second = await synced(api, before=max(j["id"] for j in first))
        new = poster.stat()
        assert (new.st_size, new.st_mtime_ns) != (old.st_size, old.st_mtime_ns)
        assert kodi.set_art(SET)["poster"] == str(poster)
        assert kodi.cached_hash(str(poster)) in (None, image_hash(new.st_mtime_ns, new.st_size))
        assert sum(j["result"].get("set_textures_renewed", 0) for j in second) == 1, second
        assert not kodi.rpc_calls("VideoLibrary.Scan")   # a set's images need no scan of the library
    finally:
        await kodi.stop()


def test_the_first_movie_scanned_fixes_a_sets_art_in_kodi(tmp_path):
    """The emulator as the real Kodi (reference §2.2): set art from its movie set folder, taken only
    while the set has none."""
    sets = tmp_path / "sets"
    (sets / "Universal_ Monsters").mkdir(parents=True)
    (sets / "Universal_ Monsters" / "poster.jpg").write_bytes(b"first")
    kodi = KodiEmulator(username=None)
    kodi._dispatch("Settings.SetSettingValue", {"setting": "videolibrary.moviesetsfolder", "value": str(sets)})
    for name in ("A", "B"):
        video = tmp_path / name / f"{name}.mkv"
        video.parent.mkdir()
        video.write_bytes(b"")
        (video.parent / f"{name}.nfo").write_text(
            f"<movie><title>{name}</title><set><name>Universal: Monsters</name><overview>From {name}.</overview>"
            "</set></movie>")
        if name == "B":   # the folder's poster changes after the first movie was scanned
            (sets / "Universal_ Monsters" / "poster.jpg").unlink()
            (sets / "Universal_ Monsters" / "fanart.jpg").write_bytes(b"later")
        kodi.add("movie", str(video))
    (s,) = kodi._dispatch("VideoLibrary.GetMovieSets", {"properties": ["title", "plot", "art"]})["sets"]
    assert s["title"] == "Universal: Monsters" and s["plot"] == "From B."
    assert kodi.set_art("Universal: Monsters") == {"poster": str(sets / "Universal_ Monsters" / "poster.jpg")}
