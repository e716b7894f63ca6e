"""A collection reaches Jellyfin and Emby as a box set of its own: found by its name, made when
missing, holding its movies and showing the poster and backdrop Metarr chose for it (uploaded over
the API: the servers take a set's images from no file). An existing box set of the same name is
used, never a second one made; a second sync changes nothing. Plex makes the collection from its
movies' tags; the sync gives it Metarr's summary, poster and background, locked."""
import asyncio
import hashlib

from web.demo.emulation.players import EmbyEmulator, JellyfinEmulator, PlexEmulator
from web.demo.media import make_clip

from .conftest import add_library, data, synced

SET = "Universal Monsters Collection"
NAMES = ("Dracula (1931)", "Frankenstein (1931)", "Nosferatu (1922)")


def _sha(b: bytes | None) -> str | None:
    return hashlib.sha256(b).hexdigest() if b is not None else None


async def _servers(*servers):
    for s in servers:
        s.loop = asyncio.get_running_loop()
        await s.start()


def _writes(server, prefix: str) -> list:
    return [r for r in server.requests if r.method in ("POST", "DELETE") and r.path.startswith(prefix)]


async def test_a_collection_reaches_jellyfin_and_emby_with_its_movies_and_art(chain, tmp_path):
    api, services = chain
    jf, emby = JellyfinEmulator(), EmbyEmulator()
    await _servers(jf, emby)
    try:
        root = tmp_path / "Movies"
        videos = [root / n / f"{n}.mkv" for n in NAMES]
        for v in videos:
            make_clip(v)
        r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.3})
        assert r.status == 200, await r.text()
        for kind, server in (("jellyfin", jf), ("emby", emby)):
            r = await api.post("/api/v1/players", json={"name": kind, "kind": kind, "url": server.url,
                                                        "token": server.token})
            assert r.status == 201, await r.text()
        await add_library(api, "Movies", "movie", root, players=["kodi", "jellyfin", "emby"])
        first = await synced(api)
        assert all(j["status"] == "succeeded" for j in first), first
        (c,) = await data(api, "/api/v1/collections")
        d = await data(api, f"/api/v1/collections/{c['id']}")
        for server, prefix in ((jf, ""), (emby, "/emby")):
            (box,) = server.library.boxsets(SET)
            assert sorted(server.library.members(box)) == sorted(str(v) for v in videos[:2])
            # what the server shows for the set: the collection's chosen poster and backdrop
            assert _sha(server.library.image(box, "Primary")) == d["assets"]["poster"]["sha256"]
            assert _sha(server.library.image(box, "Backdrop")) == d["assets"]["fanart"]["sha256"]
            made = [r for r in server.requests if r.method == "POST" and r.path == prefix + "/Collections"]
            assert len(made) == 1 and made[0].query["Name"] == SET
            uploads = _writes(server, f"{prefix}/Items/{box}/Images/")
            assert {u.path.rsplit("/", 1)[1] for u in uploads} == {"Primary", "Backdrop"}
            assert all(u.headers["Content-Type"].startswith("image/") for u in uploads)
        assert "Authorization" not in emby.requests[-1].headers   # Emby's own header
        assert any(set(j["result"].get("sets_created") or ()) == {SET} for j in first), first

        # a second sync: reads only, no collection made, no movie added, no image uploaded
        before = max(j["id"] for j in first)
        n_jf, n_emby = len(jf.requests), len(emby.requests)
        r = await api.post("/api/v1/players/sync")
        assert r.status in (200, 202), await r.text()
        again = await synced(api, before=before)
        assert all(j["status"] == "succeeded" for j in again), again
        assert not [r for r in jf.requests[n_jf:] if r.method == "POST" and not r.path.startswith("/Library/")]
        assert not [r for r in emby.requests[n_emby:] if r.method == "POST" and not r.path.startswith("/emby/Library/")]
        assert len(jf.library.boxsets(SET)) == len(emby.library.boxsets(SET)) == 1

        # another poster chosen for the collection: uploaded, the set's members untouched
        other = next(x for x in d["candidates"] if x["slot"] == "poster" and not x["selected"])
        before = max(j["id"] for j in again)
        r = await api.post(f"/api/v1/collections/{c['id']}/candidates/{other['id']}/select")
        assert r.status == 200, await r.text()
        third = await synced(api, before=before)
        assert all(j["status"] == "succeeded" for j in third), third
        old = d["assets"]["poster"]["sha256"]
        d = await data(api, f"/api/v1/collections/{c['id']}")
        assert d["assets"]["poster"]["sha256"] != old
        for server in (jf, emby):
            (box,) = server.library.boxsets(SET)
            assert _sha(server.library.image(box, "Primary")) == d["assets"]["poster"]["sha256"]
            assert len(server.library.members(box)) == 2
    finally:
        await jf.stop()
        await emby.stop()


async def test_an_existing_jellyfin_collection_of_that_name_is_used_not_duplicated(chain, tmp_path):
    api, services = chain
    jf = JellyfinEmulator()
    await _servers(jf)
    try:
        root = tmp_path / "Movies"
        videos = [root / n / f"{n}.mkv" for n in NAMES[:2]]
        for v in videos:
            make_clip(v)
        # the user made the box set by hand with Dracula, and has another whose name contains the same words
        dracula = jf.library.add_movie(str(videos[0]))
        mine = jf.library.add_boxset(SET, dracula)
        extended = jf.library.add_boxset(SET + " (Extended)")
        r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.3})
        assert r.status == 200, await r.text()
        r = await api.post("/api/v1/players", json={"name": "JF", "kind": "jellyfin", "url": jf.url,
                                                    "token": jf.token})
        assert r.status == 201, await r.text()
        await add_library(api, "Movies", "movie", root, players=["jellyfin"])
        first = await synced(api)
        assert all(j["status"] == "succeeded" for j in first), first
        assert jf.library.boxsets(SET) == [mine]
        assert not [r for r in jf.requests if r.method == "POST" and r.path == "/Collections"]
        assert sorted(jf.library.members(mine)) == sorted(str(v) for v in videos)
        assert jf.library.members(extended) == [] and jf.library.image(extended) is None
        assert jf.library.image(mine, "Primary") is not None
        assert any(SET in (j["result"].get("sets_updated") or ()) for j in first), first
    finally:
        await jf.stop()


async def test_plex_collection_shows_the_collections_summary_poster_and_background(chain, tmp_path):
    api, services = chain
    plex = PlexEmulator()
    await _servers(plex)
    try:
        root = tmp_path / "Movies"
        videos = [root / n / f"{n}.mkv" for n in NAMES]
        for v in videos:
            make_clip(v)
            plex.library.put_on_disk(str(v))
        plex.add_section("1", "movie", "Movies", str(root))
        r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.3})
        assert r.status == 200, await r.text()
        r = await api.post("/api/v1/players", json={"name": "Plex", "kind": "plex", "url": plex.url,
                                                    "token": plex.token})
        assert r.status == 201, await r.text()
        await add_library(api, "Movies", "movie", root, players=["plex"])
        first = await synced(api)
        assert all(j["status"] == "succeeded" for j in first), first
        lib = plex.library
        key = lib.collection(SET)
        assert key is not None
        assert sorted(lib.tags(lib.find(str(v)), "collection") for v in videos) == [[], [SET], [SET]]
        (c,) = await data(api, "/api/v1/collections")
        d = await data(api, f"/api/v1/collections/{c['id']}")
        assert _sha(lib.image(key, "thumb")) == d["assets"]["poster"]["sha256"]
        assert _sha(lib.image(key, "art")) == d["assets"]["fanart"]["sha256"]
        assert d["overview"] and lib.items[key]["summary"] == d["overview"]
        assert {"summary", "thumb", "art"} <= lib.locked(key)

        # a second sync sends no edit or upload
        n = len(plex.requests)
        r = await api.post("/api/v1/players/sync")
        assert r.status in (200, 202), await r.text()
        again = await synced(api, before=max(j["id"] for j in first))
        assert all(j["status"] == "succeeded" for j in again), again
        assert [(r.method, r.path) for r in plex.requests[n:] if r.method in ("PUT", "POST")] == []
        assert any(r.query.get("type") == "18" for r in plex.requests[n:])   # the collection was looked at
    finally:
        await plex.stop()
