"""A German library end to end (scan → enrich → publish through the actors against the emulators):
every text along German → English, the German certification in the chosen style, German posters
where they exist and the configured fallback where not, each field's language shown in words; a
TV library's episodes, seasons and OMDb ratings."""
from metarr.nfo.read import parse_nfo
from tests.conftest import drain
from tests.enrich.test_enrich_chain import make_api
from web.demo.emulation import data
from web.demo.media import make_clip

GERMAN = {"language": "de", "fallback_languages": ["en"], "certification_country": "DE"}
MOVIES = ("Night of the Living Dead (1968)", "The General (1926)", "Nosferatu (1922)", "Metropolis (1927)")


async def _get(api, path):
    r = await api.get(path)
    assert r.status == 200, await r.text()
    return (await r.json())["data"]


async def _library(api, root, kind, **opts) -> int:
    r = await api.post("/api/v1/libraries", json={"name": root.name, "kind": kind, "path": str(root), "watch": False,
                                                  "auto_publish": True, **opts})
    assert r.status == 201, await r.text()
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    assert (await drain(api, timeout=120))["dead"] == 0
    return lid


async def _movies(api) -> dict[int, dict]:
    """TMDB id -> the movie's details."""
    out = {}
    for m in await _get(api, "/api/v1/movies"):
        d = await _get(api, f"/api/v1/movies/{m['id']}")
        out[d["tmdb_id"]] = d
    return out


async def _poster(api, movie_id) -> dict:
    (chosen,) = [c for c in await _get(api, f"/api/v1/movies/{movie_id}/candidates") if c["slot"] == "poster"
                 and c["selected"]]
    return chosen


async def _reenrich(api, movie_id):
    r = await api.post(f"/api/v1/movies/{movie_id}/enrich")
    assert r.status == 202, await r.text()
    assert (await drain(api, timeout=60))["dead"] == 0


async def test_german_movie_library(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Filme"
    for name in MOVIES:
        make_clip(root / name / f"{name}.mkv")
    await _library(api, root, "movie", **GERMAN)
    movies = await _movies(api)
    night, general, nosferatu, metropolis = movies[10331], movies[961], movies[653], movies[19]
    english = data.MOVIES[10331]
    # German where TMDB has it, English where it has not; the original title kept apart
    assert night["title"] == "Die Nacht der lebenden Toten" and night["original_title"] == english["title"]
    assert night["plot"] == english["overview"] and night["tagline"] == "They won't stay dead!"
    assert (night["locks"]["title"]["language"], night["locks"]["plot"]["language"]) == ("de-DE", "en-US")
    assert general["title"] == "Der General" and general["plot"].startswith("Während des Amerikanischen")
    assert nosferatu["tagline"] == "Eine Symphonie des Grauens"
    assert metropolis["plot"].startswith("In einer futuristischen Stadt")
    # the German certification as Kodi's scrapers write it (FSK 16 is the DVD's: the cinema's is
    # empty); Metropolis has none in Germany and takes the American one
    assert (night["content_rating"], general["content_rating"], nosferatu["content_rating"]) == (
        "FSK 16", "FSK 0", "FSK 12")
    assert metropolis["content_rating"] == "Rated NR" and metropolis["locks"]["content_rating"]["country"] == "US"
    # what Kodi and Jellyfin read
    folder = root / MOVIES[0]
    doc = parse_nfo((folder / f"{MOVIES[0]}.nfo").read_bytes()).doc
    assert (doc.title, doc.originaltitle, doc.plot, doc.tagline, doc.mpaa) == (
        "Die Nacht der lebenden Toten", english["title"], english["overview"], "They won't stay dead!", "FSK 16")
    # posters: German where TMDB has one, else textless (library language, textless, fallbacks)
    assert (await _poster(api, night["id"]))["language"] == "de"
    assert (await _poster(api, nosferatu["id"]))["language"] == "de"
    assert (await _poster(api, general["id"]))["language"] is None
    assert (folder / f"{MOVIES[0]}-poster.jpg").exists()
    # the item page says where a text came from, in words
    page = await (await api.get(f"/movies/{night['id']}")).text()
    assert "from English: no German text at TMDB" in page and "from US: no DE certification" not in page
    assert "from US: no DE certification at TMDB" in await (await api.get(f"/movies/{metropolis['id']}")).text()

    # another order of artwork languages, and another certification style
    r = await api.patch("/api/v1/settings", json={"enrich.image_languages": ["library", "fallbacks", None],
                                                  "enrich.certification_style": "country"})
    assert r.status == 200, await r.text()
    await _reenrich(api, general["id"])
    await _reenrich(api, night["id"])
    assert (await _poster(api, general["id"]))["language"] == "en"
    assert (await _get(api, f"/api/v1/movies/{night['id']}"))["content_rating"] == "DE:16"
    assert parse_nfo((folder / f"{MOVIES[0]}.nfo").read_bytes()).doc.mpaa == "DE:16"
    services.db.close()


async def test_original_language_fallback_and_french(aiohttp_client, emu_env, emulators, tmp_path):
    """French, then the film's own language, then English: Nosferatu's French plot is missing at
    TMDB, its German one is there; The General is American, so its plot is English."""
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Films"
    for name in ("Nosferatu (1922)", "The General (1926)"):
        make_clip(root / name / f"{name}.mkv")
    await _library(api, root, "movie", language="fr", fallback_languages=["original", "en"])
    movies = await _movies(api)
    assert movies[653]["title"] == "Nosferatu le vampire" and movies[653]["locks"]["title"]["language"] == "fr-FR"
    assert movies[653]["plot"].startswith("Der geheimnisvolle Graf Orlok")
    assert movies[961]["title"] == "Le Mécano de la « General »"
    assert movies[961]["plot"] == data.MOVIES[961]["overview"]
    # no French certification either: the US one (the fallback country), the library has none of its own
    assert movies[653]["content_rating"] == "Rated NR"
    services.db.close()


async def test_german_tv_library(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    root = tmp_path / "Serien"
    show = root / "Sherlock Holmes (1954)"
    for n, e in ((1, 1), (1, 2), (1, 3), (0, 1)):
        make_clip(show / ("Specials" if n == 0 else "Season 01") / f"Sherlock Holmes (1954) - S{n:02d}E{e:02d}.mkv")
    await _library(api, root, "tv", **GERMAN)
    (s,) = await _get(api, "/api/v1/series")
    s = await _get(api, f"/api/v1/series/{s['id']}")
    assert s["plot"].startswith("Die Abenteuer des Detektivs") and s["content_rating"] == "FSK 12"
    eps = {(e["season"], e["episode"]): e for e in await _get(api, f"/api/v1/series/{s['id']}/episodes")}
    english = data.SHOWS[75597]["episodes"]
    # German titles where TMDB has them; "Folge 3" is TMDB's placeholder, not a title: English instead
    assert eps[(1, 1)]["title"] == "Das Erbe der Cunninghams"
    assert eps[(1, 2)]["title"] == "Der Fall Lady Beryl"
    assert eps[(1, 3)]["title"] == english[(1, 3)][0]
    assert eps[(0, 1)]["title"] == english[(0, 1)][0]
    e2 = await _get(api, f"/api/v1/episodes/{eps[(1, 2)]['id']}")
    assert e2["plot"] == f"{english[(1, 2)][0]}." and e2["locks"]["plot"]["language"].startswith("en")
    seasons = {x["number"]: x["title"] for x in s["seasons"]}
    assert seasons[1] == "Staffel 1"
    # what the players read
    nfo = parse_nfo((show / "tvshow.nfo").read_bytes()).doc
    assert nfo.mpaa == "FSK 12" and nfo.plot.startswith("Die Abenteuer des Detektivs")
    services.db.close()


async def test_tv_ratings_from_omdb(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    show = tmp_path / "TV" / "Sherlock Holmes (1954)"
    for e in (1, 3):
        make_clip(show / "Season 01" / f"Sherlock Holmes (1954) - S01E{e:02d}.mkv")
    await _library(api, tmp_path / "TV", "tv")
    (s,) = await _get(api, "/api/v1/series")
    s = await _get(api, f"/api/v1/series/{s['id']}")
    eps = {(e["season"], e["episode"]): e for e in await _get(api, f"/api/v1/series/{s['id']}/episodes")}
    # OMDb: the show's IMDb, Rotten Tomatoes and Metacritic ratings, the episodes' IMDb ones
    assert {(r["source"], r["value"]) for r in s["ratings"]} >= {("imdb", 7.1), ("rottentomatoes", 83.0),
                                                                 ("metacritic", 71.0)}
    e1 = await _get(api, f"/api/v1/episodes/{eps[(1, 1)]['id']}")
    assert [(r["source"], r["value"]) for r in e1["ratings"] if r["source"] == "imdb"] == [("imdb", 7.4)]
    e3 = await _get(api, f"/api/v1/episodes/{eps[(1, 3)]['id']}")
    assert not [r for r in e3["ratings"] if r["source"] == "imdb"]   # "N/A" at OMDb
    # what the players read: the show's ratings beside TMDB's, the episode's IMDb rating
    nfo = parse_nfo((show / "tvshow.nfo").read_bytes()).doc
    assert {r.name for r in nfo.ratings} >= {"themoviedb", "imdb", "rottentomatoes", "metacritic"}
    (ep_nfo,) = parse_nfo(next(show.glob("Season 01/*S01E01.nfo")).read_bytes()).doc.episodes
    assert [(r.name, float(r.value)) for r in ep_nfo.ratings] == [("imdb", 7.4)]
    services.db.close()
