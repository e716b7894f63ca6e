"""A whole library (movie, TV, music) enriched end to end through the actors against the
emulators: identification, merge, candidates with scores, auto-selection, cache, publish."""
from metarr.config import load_config
from metarr.nfo.read import parse_nfo
from tests.conftest import API_KEY, drain
from web.demo.media import make_clip, make_track


async def make_api(aiohttp_client, emu_env):
    from actors.system import open_services
    from web.app import create_app
    services = open_services(load_config(emu_env))
    app = create_app(services)
    return await aiohttp_client(app, headers={"X-Api-Key": API_KEY}), services


async def test_movie_library_enriched_cached_and_published(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Movies"
    make_clip(root / "Night of the Living Dead (1968)" / "Night of the Living Dead (1968).mkv")
    make_clip(root / "The General (1926)" / "The General (1926).mkv")
    make_clip(root / "Dracula" / "Dracula.mkv")   # two films of that name: needs the user
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_publish": True})
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    stats = await drain(api)
    assert stats["dead"] == 0
    movies = {m["title"]: m for m in (await (await api.get("/api/v1/movies")).json())["data"]}
    night = (await (await api.get(f"/api/v1/movies/{movies['Night of the Living Dead']['id']}")).json())["data"]
    assert night["state"] == "published" and night["tmdb_id"] == 10331 and night["imdb_id"] == "tt0063350"
    assert night["genres"] == ["Horror", "Thriller"] and night["cast"][0]["name"] == "Duane Jones"
    assert {r["source"] for r in night["ratings"]} >= {"themoviedb", "imdb", "rottentomatoes"}
    assert night["locks"]["plot"]["source"] == "provider:tmdb"
    assert {"poster", "fanart", "clearlogo", "discart"} <= set(night["assets"])
    folder = root / "Night of the Living Dead (1968)"
    assert (folder / "Night of the Living Dead (1968)-poster.jpg").exists()
    assert (folder / ".actors" / "Duane_Jones.jpg").exists()
    doc = parse_nfo((folder / "Night of the Living Dead (1968).nfo").read_bytes()).doc
    assert doc.title == "Night of the Living Dead" and doc.uniqueids["tmdb"] == "10331"
    assert doc.actors[0].thumb == ".actors/Duane_Jones.jpg"
    dracula = movies["Dracula"]
    assert dracula["state"] == "ambiguous"
    det = (await (await api.get(f"/api/v1/movies/{dracula['id']}")).json())["data"]
    assert {c["id"] for c in det["identify_candidates"]} == {"138", "11868"}
    # candidates with their score breakdown
    r = await api.get(f"/api/v1/movies/{night['id']}/candidates")
    cands = (await r.json())["data"]
    posters = [c for c in cands if c["slot"] == "poster"]
    assert posters and all(set(c["breakdown"]) == {"resolution", "aspect", "language", "votes", "provider"}
                           for c in posters)
    assert sum(c["selected"] for c in posters) == 1
    # the same poster bytes from TMDB and Fanart.tv are one cache file
    from metarr.db.media import CacheFile
    shas = [c.sha256 for c in CacheFile.select()]
    assert len(shas) == len(set(shas))
    # the gateway stayed under the emulators' limits
    assert emulators.stats["tmdb"].throttled == 0
    status = (await (await api.get("/api/v1/status")).json())["data"]["components"]["gateway"]["providers"]
    assert status["tmdb"]["state"] == "ok" and status["tmdb"]["requests_today"] > 0
    services.db.close()


async def test_tv_and_music_enriched(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    tv = tmp_path / "TV"
    show = tv / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E02E03.mkv")
    make_clip(show / "Specials" / "Sherlock Holmes (1954) - S00E01.mkv")
    music = tmp_path / "Music"
    make_track(music / "Scott Joplin" / "Ragtime (1902)" / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime",
               "The Entertainer", 1)
    for name, kind, path in (("TV", "tv", tv), ("Music", "music", music)):
        r = await api.post("/api/v1/libraries", json={"name": name, "kind": kind, "path": str(path), "watch": False,
                                                      "auto_publish": True})
        await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    stats = await drain(api, timeout=90)
    assert stats["dead"] == 0
    (s,) = (await (await api.get("/api/v1/series")).json())["data"]
    assert (s["title"], s["tvdb_id"], s["state"]) == ("Sherlock Holmes", 75597, "published")
    eps = (await (await api.get(f"/api/v1/series/{s['id']}/episodes")).json())["data"]
    assert [(e["season"], e["episode"], e["title"]) for e in eps] == [
        (0, 1, "The Unaired Pilot"), (1, 1, "The Case of the Cunningham Heritage"), (1, 2, "The Case of Lady Beryl"),
        (1, 3, "The Case of the Pennsylvania Gun")]
    assert (show / "tvshow.nfo").exists() and (show / "poster.jpg").exists()
    assert (show / "season01-poster.jpg").exists()
    multi = parse_nfo((show / "Season 01" / "Sherlock Holmes (1954) - S01E02E03.nfo").read_bytes()).doc
    assert [e.title for e in multi.episodes] == ["The Case of Lady Beryl", "The Case of the Pennsylvania Gun"]
    (a,) = (await (await api.get("/api/v1/artists")).json())["data"]
    assert a["musicbrainz_id"] == "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a"
    albums = (await (await api.get("/api/v1/albums")).json())["data"]
    assert albums[0]["musicbrainz_id"] == "6a2b5c1d-1111-2222-3333-444455556666"
    artist_dir = music / "Scott Joplin"
    assert (artist_dir / "artist.nfo").exists() and (artist_dir / "Ragtime (1902)" / "folder.jpg").exists()
    assert emulators.stats["musicbrainz"].throttled == 0
    services.db.close()


async def test_user_edits_survive_re_enrichment_and_providers_api(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Movies"
    make_clip(root / "Nosferatu (1922)" / "Nosferatu (1922).mkv")
    r = await api.post("/api/v1/libraries", json={"name": "M", "kind": "movie", "path": str(root), "watch": False})
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    await drain(api)
    (m,) = (await (await api.get("/api/v1/movies")).json())["data"]
    assert m["tmdb_id"] == 653
    r = await api.patch(f"/api/v1/movies/{m['id']}", json={"title": "Nosferatu (my cut)", "genres": ["Silent"]})
    assert r.status == 200
    r = await api.post(f"/api/v1/movies/{m['id']}/enrich")
    assert r.status == 202
    await drain(api)
    d = (await (await api.get(f"/api/v1/movies/{m['id']}")).json())["data"]
    assert (d["title"], d["genres"]) == ("Nosferatu (my cut)", ["Silent"])
    assert d["locks"]["title"] == {"source": "user", "locked": True}
    assert d["locks"]["list:genres"] == {"source": "user", "locked": True}
    assert d["runtime"] == 94   # unlocked fields still come from the provider
    # providers: state, connection test, disable
    rows = {p["name"]: p for p in (await (await api.get("/api/v1/providers")).json())["data"]}
    assert rows["tmdb"]["state"] == "ok" and rows["tmdb"]["enabled"]
    r = await api.post("/api/v1/providers/tmdb/test")
    assert (await r.json())["data"]["ok"] is True
    r = await api.patch("/api/v1/providers/fanart", json={"enabled": False})
    assert (await r.json())["data"]["enabled"] is False
    services.db.close()


async def test_an_album_is_enriched_and_published_on_its_own(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    music = tmp_path / "Music"
    artist_dir = music / "Scott Joplin"
    make_track(artist_dir / "Ragtime (1902)" / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime",
               "The Entertainer", 1)
    make_track(artist_dir / "The Entertainer (1902)" / "01 - Elite Syncopations.flac", "Scott Joplin",
               "The Entertainer", "Elite Syncopations", 1)
    r = await api.post("/api/v1/libraries", json={"name": "Music", "kind": "music", "path": str(music), "watch": False,
                                                  "auto_enrich": False, "auto_publish": True})
    await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    assert (await drain(api))["dead"] == 0
    albums = {a["title"]: a for a in (await (await api.get("/api/v1/albums")).json())["data"]}
    ragtime, other = albums["Ragtime"], albums["The Entertainer"]

    async def album(a):
        return (await (await api.get(f"/api/v1/albums/{a['id']}")).json())["data"]

    async def job(r):
        assert r.status == 202, await r.text()
        jid = (await r.json())["data"]["job_id"]
        assert (await drain(api))["dead"] == 0
        return (await (await api.get(f"/api/v1/jobs/{jid}")).json())["data"]

    j = await job(await api.post(f"/api/v1/albums/{ragtime['id']}/enrich"))
    assert (j["type"], j["status"]) == ("enrich.album", "succeeded")
    got = await album(ragtime)
    # identified, its cover cached and its folder published, by itself
    assert (got["musicbrainz_id"], got["state"]) == ("6a2b5c1d-1111-2222-3333-444455556666", "published")
    folder = artist_dir / "Ragtime (1902)"
    nfo = parse_nfo((folder / "album.nfo").read_bytes())
    assert nfo.ok and nfo.doc.title == "Ragtime" and (folder / "folder.jpg").exists()
    # nothing else: not the artist (still unidentified, no artist.nfo), not the other album
    (artist,) = (await (await api.get("/api/v1/artists")).json())["data"]
    assert artist["musicbrainz_id"] is None and not (artist_dir / "artist.nfo").exists()
    assert (await album(other))["musicbrainz_id"] is None
    assert sorted(p.name for p in (artist_dir / "The Entertainer (1902)").iterdir()) == ["01 - Elite Syncopations.flac"]

    # the user removes the album's NFO; publishing the album writes it back, and only it
    written = (folder / "album.nfo").read_bytes()
    (folder / "album.nfo").unlink()
    j = await job(await api.post(f"/api/v1/albums/{ragtime['id']}/publish"))
    assert (j["type"], j["status"], j["result"]["written"]) == ("publish.album", "succeeded", 1)
    assert (folder / "album.nfo").read_bytes() == written and not (artist_dir / "artist.nfo").exists()
    services.db.close()


async def test_an_actor_image_that_fails_for_now_gives_the_cache_job_its_real_error(aiohttp_client, emu_env,
                                                                                  emulators, tmp_path):
    """#28: the actor-image retry entry had no retry_after, so every such cache job ended in
    "KeyError: 'retry_after'" instead of saying which downloads it waits for."""
    api, services = await make_api(aiohttp_client, emu_env)
    await api.patch("/api/v1/settings", json={"publish.actors": True})
    emulators.image_trouble.status, emulators.image_trouble.failures = 503, 10_000
    emulators.image_trouble.match = "/a10331_"   # the cast photos of Night of the Living Dead only
    root = tmp_path / "Movies"
    make_clip(root / "Night of the Living Dead (1968)" / "Night of the Living Dead (1968).mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root), "watch": False})
    await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    import asyncio
    for _ in range(300):
        jobs = (await (await api.get("/api/v1/jobs?type=cache.movie")).json())["data"]
        if jobs and jobs[0]["last_error"]:
            break
        await asyncio.sleep(0.1)
    err = jobs[0]["last_error"]
    assert "KeyError" not in err and "download(s) to try again: http_503" in err, err
    assert jobs[0]["status"] == "pending"
    emulators.image_trouble.failures = 0
    services.db.close()
