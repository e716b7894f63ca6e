"""A real Kodi 20 (Debian's package, headless) reads what Metarr published, and Metarr's own sync
gets every item into it, also when Kodi scanned the raw library first and skipped what it could
not identify. Judged by what Kodi answers over JSON-RPC, as a user's Kodi would show it."""
from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from metarr.players.kodi_check import image_hash, unwrap_image
from web.demo.media import make_clip

from .conftest import add_library, data, drain, synced
from .realkodi import RealKodi, unavailable

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(unavailable()), reason=f"no real Kodi: {unavailable()}")]

SCENE = "The.General.1926.1080p.BluRay.x264-GRP"
EXPECTED = {   # title -> (year, tmdb id, imdb id)
    "Night of the Living Dead": (1968, "10331", "tt0063350"),
    "The General": (1926, "961", "tt0017925"),
    "Nosferatu": (1922, "653", "tt0013442"),
    "Metropolis": (1927, "19", "tt0017136"),
    "Dracula": (1931, "138", "tt0021814"),
}
HAND_PLOT = "My own words about Count Dracula, written by hand."


def build_library(root: Path) -> tuple[Path, Path]:
    movies, tv = root / "Movies", root / "TV"
    nold = movies / "Night of the Living Dead (1968)"
    make_clip(nold / "Night of the Living Dead (1968).mkv")
    (nold / "movie.nfo").write_text("https://www.themoviedb.org/movie/10331-night-of-the-living-dead\n")
    make_clip(movies / SCENE / f"{SCENE}.mkv")                       # scene-named folder
    make_clip(movies / "Silent Classics" / "Nosferatu (1922).mkv")    # two films share one folder
    make_clip(movies / "Silent Classics" / "Metropolis (1927).mkv")
    drac = movies / "Dracula (1931)"                                   # stacked, with a hand-written NFO
    make_clip(drac / "Dracula (1931) cd1.mkv")
    make_clip(drac / "Dracula (1931) cd2.mkv")
    (drac / "Dracula (1931).nfo").write_text(
        "<movie><title>Dracula</title><year>1931</year>"
        f"<plot>{HAND_PLOT}</plot><tag>hand made</tag>"
        '<uniqueid type="tmdb" default="true">138</uniqueid></movie>')
    show = tv / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E02E03.mkv")   # two episodes, one file
    make_clip(show / "Specials" / "Sherlock Holmes (1954) - S00E01.mkv")
    return movies, tv


def jpeg_bytes(w: int = 1000, h: int = 1500) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (20, 30, 200)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_bytes(w: int = 1000, h: int = 1500) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def kodi(tmp_path):
    home = tmp_path / "kodi-home"
    home.mkdir()
    k = RealKodi(home)
    k.start()
    yield k
    k.stop()


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_stop_leaves_no_process_behind(tmp_path):
    home = tmp_path / "kodi-home"
    home.mkdir()
    k = RealKodi(home)
    k.start()
    try:
        cmdlines = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in k.processes()}
        forwarders = [pid for pid, c in cmdlines.items() if b"forward-inside" in c]
        assert forwarders and any(b"kodi.bin" in c for c in cmdlines.values()), cmdlines
    finally:
        k.stop()
    # the Unix-socket forwarder, Xvfb and Kodi are all gone
    assert [pid for pid in cmdlines if _alive(pid)] == [] and k.processes() == []


async def wait_kodi(predicate, timeout: float = 90.0):
    end = asyncio.get_running_loop().time() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value or asyncio.get_running_loop().time() > end:
            return value
        await asyncio.sleep(1.0)


def by_title(movies: list[dict]) -> dict[str, dict]:
    return {m["title"]: m for m in movies}


async def test_metarr_gets_every_item_into_a_kodi_that_scanned_the_raw_library(chain, kodi, tmp_path):
    api, services = chain
    movies_root, tv_root = build_library(tmp_path / "library")
    kodi.add_source(movies_root, "movies")
    kodi.add_source(tv_root, "tvshows")
    # the usual start: Kodi has scanned the raw library and taken only the hand-made NFO
    await asyncio.to_thread(kodi.scan)
    assert sorted(m["title"] for m in await asyncio.to_thread(kodi.movies)) == ["Dracula"]
    assert await asyncio.to_thread(kodi.shows) == []

    # two backdrops per item: Kodi reads the second as art type fanart1 (artwork level "Maximum"); a
    # movie set folder for the collections' art (this Kodi has none set: its sets get art only by JSON-RPC)
    moviesets = tmp_path / "moviesets"
    moviesets.mkdir()
    r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.5, "publish.fanart_count": 2,
                                                  "publish.movieset_folder": str(moviesets)})
    assert r.status == 200, await r.text()
    r = await api.post("/api/v1/players", json={"name": "Living room", "kind": "kodi", "url": kodi.url})
    assert r.status == 201, await r.text()
    await add_library(api, "Movies", "movie", movies_root)
    await add_library(api, "TV", "tv", tv_root)
    first = await synced(api, timeout=180)

    def all_there():
        return len(kodi.movies()) == len(EXPECTED) and kodi.shows()
    await wait_kodi(all_there)
    got = by_title(await asyncio.to_thread(kodi.movies))
    assert sorted(got) == sorted(EXPECTED), kodi.log_tail()
    for title, (year, tmdb, imdb) in EXPECTED.items():
        m = got[title]
        assert m["year"] == year, m
        assert m["uniqueid"].get("tmdb") == tmdb and m["uniqueid"].get("imdb") == imdb, m
        assert m["plot"], m
        for art in ("poster", "fanart", "fanart1", "keyart"):
            # Kodi shows the file Metarr published beside the video: the extra backdrop, the textless poster too
            shown = Path(unwrap_image(m["art"].get(art, "")))
            assert shown.is_file() and shown.name.endswith(f"-{art}.jpg"), (title, art, m["art"])
            assert shown.parent == Path(m["file"].removeprefix("stack://").split(" , ")[0]).parent
    assert got["Dracula"]["plot"] == HAND_PLOT                  # the hand edit is what Kodi shows
    assert got["Dracula"]["file"].startswith("stack://")       # both parts as one movie
    # Dracula's set (its TMDB collection), made by Kodi from the NFO's <set>, shows the collection's art
    sets = (await asyncio.to_thread(kodi.rpc, "VideoLibrary.GetMovieSets", {"properties": ["title", "art"]}))["sets"]
    (monsters,) = [x for x in sets if x["title"] == "Universal Monsters Collection"]
    for art in ("poster", "fanart"):
        shown = Path(unwrap_image(monsters["art"].get(art, "")))
        assert shown == moviesets / "Universal Monsters Collection" / f"{art}.jpg" and shown.is_file(), monsters

    (show,) = await asyncio.to_thread(kodi.shows)
    assert show["title"] == "Sherlock Holmes" and show["uniqueid"].get("tvdb") == "75597"
    for art, name in (("fanart1", "fanart1.jpg"), ("keyart", "keyart.jpg"), ("characterart", "characterart.png")):
        shown = Path(unwrap_image(show["art"].get(art, "")))
        assert shown.is_file() and shown.name == name and shown.parent.name == "Sherlock Holmes (1954)", \
            (art, show["art"])
    eps = sorted((e["season"], e["episode"]) for e in await asyncio.to_thread(kodi.episodes, show["tvshowid"]))
    assert eps == [(0, 1), (1, 1), (1, 2), (1, 3)]

    # Metarr's own account of the sync: every item confirmed, nothing the player did not take
    assert all(j["status"] == "succeeded" and not j["result"]["not_taken"] for j in first), first

    # a change published by Metarr reaches Kodi through Metarr's sync alone: a new plot, a new poster
    mid = next(m["id"] for m in await data(api, "/api/v1/movies") if m["title"] == "Nosferatu")
    r = await api.patch(f"/api/v1/movies/{mid}", json={"plot": "A new plot, set in Metarr."})
    assert r.status == 200, await r.text()
    r = await api.post(f"/api/v1/movies/{mid}/artwork/poster", data=png_bytes(),
                       headers={"Content-Type": "image/png"})
    assert r.status in (200, 201, 202), await r.text()
    await synced(api, before=max(j["id"] for j in first))
    png_poster = movies_root / "Silent Classics" / "Nosferatu (1922)-poster.png"
    assert png_poster.exists()

    def changed():
        m = by_title(kodi.movies()).get("Nosferatu") or {}
        poster = unwrap_image(m.get("art", {}).get("poster", ""))
        return m.get("plot") == "A new plot, set in Metarr." and poster == str(png_poster)
    if not await wait_kodi(changed, timeout=60):
        m = by_title(await asyncio.to_thread(kodi.movies)).get("Nosferatu") or {}
        raise AssertionError(f"Kodi shows plot {m.get('plot')!r}, poster {m.get('art', {}).get('poster')!r}")

    # a JPEG poster again: the same name as the first poster, which Kodi cached at the first sync.
    # Kodi would show that old copy for a day (it checks a cached file's hash daily); the sync
    # removes it, and Kodi's next copy is of the new file
    jpg_poster = png_poster.with_suffix(".jpg")
    copies = await asyncio.to_thread(kodi.textures_of, jpg_poster)
    assert copies, "Kodi cached the first poster when it read the item"
    old_hash = copies[0]["imagehash"]
    before = max(j["id"] for j in await data(api, "/api/v1/jobs?type=sync.player&limit=100"))
    await asyncio.sleep(1.0)   # Kodi's hash holds whole seconds
    r = await api.post(f"/api/v1/movies/{mid}/artwork/poster", data=jpeg_bytes(),
                       headers={"Content-Type": "image/jpeg"})
    assert r.status in (200, 201, 202), await r.text()
    jobs = await synced(api, before=before)
    st = jpg_poster.stat()
    assert image_hash(st.st_mtime_ns, st.st_size) != old_hash
    assert sum(j["result"].get("textures_renewed", 0) for j in jobs) >= 1, jobs
    await asyncio.to_thread(kodi.rpc, "VideoLibrary.RefreshMovie", {"movieid": by_title(
        await asyncio.to_thread(kodi.movies))["Nosferatu"]["movieid"]})
    await asyncio.to_thread(kodi.wait_idle)

    def fresh():
        return [c["imagehash"] for c in kodi.textures_of(jpg_poster)] == [image_hash(st.st_mtime_ns, st.st_size)]
    assert await wait_kodi(fresh, timeout=30), kodi.textures_of(jpg_poster)


async def test_kodi_reads_a_german_library_as_published(chain, kodi, tmp_path):
    """A German library (German, then English; German certifications): Kodi shows the German texts
    where TMDB has them, the English plot where it has none, and the FSK rating."""
    from web.demo.emulation import data as emulated
    api, services = chain
    movies = tmp_path / "library" / "Filme"
    for name in ("Der General (1926)", "Die Nacht der lebenden Toten (1968)"):
        make_clip(movies / name / f"{name}.mkv")
    kodi.add_source(movies, "movies")
    r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.5})
    assert r.status == 200, await r.text()
    r = await api.post("/api/v1/players", json={"name": "Wohnzimmer", "kind": "kodi", "url": kodi.url})
    assert r.status == 201, await r.text()
    await add_library(api, "Filme", "movie", movies, language="de", fallback_languages=["en"],
                      certification_country="DE")
    jobs = await synced(api, timeout=180)
    assert all(j["status"] == "succeeded" and not j["result"]["not_taken"] for j in jobs), jobs
    got = by_title(await asyncio.to_thread(kodi.movies))
    assert sorted(got) == ["Der General", "Die Nacht der lebenden Toten"], kodi.log_tail()
    general, night = got["Der General"], got["Die Nacht der lebenden Toten"]
    assert general["plot"] == emulated.MOVIE_TRANSLATIONS[961]["de-DE"][1] and general["mpaa"] == "FSK 0"
    # no German plot or tagline at TMDB: the English ones; the original title kept apart
    assert night["plot"] == emulated.MOVIES[10331]["overview"] and night["tagline"] == "They won't stay dead!"
    assert night["originaltitle"] == "Night of the Living Dead" and night["mpaa"] == "FSK 16"


async def test_a_folder_kodi_remembers_is_read_again_and_sync_now_checks_every_item(chain, kodi, tmp_path):
    """Kodi skips a movie folder whose modification time (whole seconds) is the one it saw last time
    (its "fast hash"): NFOs written into it in that same second, or on a share whose folder times do
    not change, are never read by a Scan. Metarr's sync finds the item missing, gives the folder a
    later time, scans it again and checks that Kodi took it."""
    api, services = chain
    movies = tmp_path / "library" / "Movies"
    shared = movies / "Silent Classics"
    make_clip(shared / "Metropolis (1927).mkv")
    make_clip(shared / "Nosferatu (1922).mkv")
    (shared / "Metropolis (1927).nfo").write_text(
        '<movie><title>Metropolis</title><year>1927</year><uniqueid type="tmdb" default="true">19</uniqueid></movie>')
    # several films in one folder: "movies are in separate folders" off, or Kodi would take the one
    # NFO there for both films
    kodi.add_source(movies, "movies", use_folder_names=False)
    await asyncio.to_thread(kodi.scan)
    assert [m["title"] for m in await asyncio.to_thread(kodi.movies)] == ["Metropolis"]
    seen = shared.stat()

    await add_library(api, "Movies", "movie", movies)
    assert (await drain(api, timeout=120))["dead"] == 0
    assert (shared / "Nosferatu (1922).nfo").exists()
    os.utime(shared, ns=(seen.st_atime_ns, seen.st_mtime_ns))   # the folder time Kodi remembers
    # Kodi's own scan of that folder does not read it again: this is what Metarr must get past
    await asyncio.to_thread(kodi.scan, str(shared) + "/")
    assert [m["title"] for m in await asyncio.to_thread(kodi.movies)] == ["Metropolis"]

    r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.5})
    assert r.status == 200, await r.text()
    r = await api.post("/api/v1/players", json={"name": "Living room", "kind": "kodi", "url": kodi.url})
    assert r.status == 201, await r.text()
    r = await api.post("/api/v1/players/sync", json={})
    assert r.status == 202, await r.text()
    (job,) = await synced(api)
    got = by_title(await asyncio.to_thread(kodi.movies))
    assert sorted(got) == ["Metropolis", "Nosferatu"]
    assert got["Nosferatu"]["uniqueid"].get("tmdb") == "653"
    # Metropolis was in Kodi from the user's own NFO; Metarr's publish changed its art: Kodi shows it
    assert unwrap_image(got["Metropolis"]["art"].get("poster", "")) == str(shared / "Metropolis (1927)-poster.jpg")
    res = job["result"]
    assert res["confirmed"] == 2 and res["not_taken"] == [] and res["recovered"] >= 1, res


async def test_kodi_reads_the_anime_and_the_daily_show_as_published(chain, kodi, tmp_path):
    """An anime released by absolute number and a daily show released by date: Metarr matched their
    files to episodes, and Kodi shows the episodes its NFOs name (numbers, titles, air dates)."""
    api, services = chain
    tv = tmp_path / "library" / "TV"
    make_clip(tv / "Tidebound Corsairs" / "Tidebound Corsairs - 1071.mkv")
    make_clip(tv / "Tidebound Corsairs" / "[Corsair Subs] Tidebound Corsairs - 057 [1080p].mkv")
    make_clip(tv / "The Evening Desk" / "Season 2024" / "The.Evening.Desk.2024.03.14.mkv")
    kodi.add_source(tv, "tvshows")
    r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.5})
    assert r.status == 200, await r.text()
    r = await api.post("/api/v1/players", json={"name": "Living room", "kind": "kodi", "url": kodi.url})
    assert r.status == 201, await r.text()
    await add_library(api, "TV", "tv", tv)
    jobs = await synced(api, timeout=240)
    assert all(j["status"] == "succeeded" and not j["result"]["not_taken"] for j in jobs), jobs

    def both():
        return len(kodi.shows()) == 2
    await wait_kodi(both)
    shows = {s["title"]: s for s in await asyncio.to_thread(kodi.shows)}
    assert sorted(shows) == ["The Evening Desk", "Tidebound Corsairs"], kodi.log_tail()

    async def episodes(title):
        got = await asyncio.to_thread(kodi.rpc, "VideoLibrary.GetEpisodes", {
            "tvshowid": shows[title]["tvshowid"], "properties": ["title", "season", "episode", "firstaired", "file"]})
        return sorted((e["season"], e["episode"], e["title"], e["firstaired"], Path(e["file"]).name)
                      for e in got.get("episodes") or [])
    # Kodi shows what Metarr published: each file's matched episode (title, air date). Its numbers
    # are the NFO's where the name is a date; where the name has numbers Kodi numbers the file from
    # them, and Metarr says so beforehand (`kodi_numbers`, here the anime's absolute-numbered names)
    sids = {s["title"]: s["id"] for s in await data(api, "/api/v1/series")}
    for title, published in (("Tidebound Corsairs", [(1, 57, "Voyage 57", "2000-11-15"),
                                                     (11, 71, "Voyage 1071", "2020-04-22")]),
                             ("The Evening Desk", [(2024, 54, "Evening Desk March 14", "2024-03-14")])):
        ours = sorted(await data(api, f"/api/v1/series/{sids[title]}/episodes"), key=lambda e: e["file"])
        assert [(e["season"], e["episode"], e["title"], e["aired"]) for e in
                sorted(ours, key=lambda e: (e["season"], e["episode"]))] == published
        expected = sorted((*(e["kodi_numbers"] or (e["season"], e["episode"])), e["title"], e["aired"],
                           Path(e["file"]).name) for e in ours)
        assert await episodes(title) == expected, kodi.log_tail()
    kodi_says = {Path(e["file"]).name: e["kodi_numbers"] for e in
                 await data(api, f"/api/v1/series/{sids['Tidebound Corsairs']}/episodes")}
    assert kodi_says == {"Tidebound Corsairs - 1071.mkv": [10, 71],
                         "[Corsair Subs] Tidebound Corsairs - 057 [1080p].mkv": [0, 57]}
    assert (await episodes("The Evening Desk"))[0][:2] == (2024, 54)   # the NFO's numbers, as published
