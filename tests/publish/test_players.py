"""A library read by several players: each image under the fewest names every listed player reads
(reference/players-and-orders.md §1.5, with Kodi's names working whatever its "separate folders"
option), one copy of the bytes (hard links), extra backdrops, keyart; names no listed player reads
any more go to the recycle bin."""
from __future__ import annotations

import os
import time
from pathlib import Path

from metarr.db.media import LibraryFile, RecycleEntry, Season
from metarr.db.models import Library
from metarr.nfo.read import parse_nfo
from metarr.service import settings
from tests.conftest import drain
from tests.publish.test_publish import run_publish
from tests.publish.test_verify import run_verify

OWN = "Night of the Living Dead (1968)"
SHARED = "Silent Classics"
SHOW = "Sherlock Holmes (1954)"


def _set_players(lib, players):
    Library.update(players=players).where(Library.id == lib.id).execute()


def build(world, services, players=("kodi", "jellyfin", "plex")):
    """A movie in its own folder, two sharing a folder, a show with a season, specials and episodes;
    three backdrops each where they can have them."""
    settings.put_many(services.db, {"publish.fanart_count": 3})
    _set_players(world.movies, list(players))
    _set_players(world.tv, list(players))
    own = world.movie()
    from metarr.db.media import Movie
    Movie.update(content_rating="US:R / US:Rated R").where(Movie.id == own.id).execute()   # as TMM writes it
    for slot, kw in (("poster", {}), ("clearlogo", {"w": 400, "h": 155, "fmt": ".png"}), ("keyart", {})):
        world.art("movie", own.id, slot, **kw)
    for rank in range(3):
        world.art("movie", own.id, "fanart", 960, 540, rank=rank)
    nos = world.movie("Nosferatu", 1922, folder=SHARED, video="Nosferatu (1922).mkv")
    met = world.movie("Metropolis", 1927, folder=SHARED, video="Metropolis (1927).mkv")
    for m in (nos, met):
        world.art("movie", m.id, "poster", pattern=m.id)
        world.art("movie", m.id, "fanart", 960, 540, pattern=m.id)
    world.art("movie", nos.id, "fanart", 960, 540, pattern=nos.id, rank=1)
    show, season1, eps = world.series()
    now = time.time()
    specials = Season.create(series_id=show.id, number=0, library_id=world.tv.id, date_added=now, created_at=now,
                             updated_at=now)
    for slot, kw in (("poster", {}), ("clearlogo", {"w": 400, "h": 155, "fmt": ".png"}),
                     ("characterart", {"fmt": ".png"})):
        world.art("series", show.id, slot, **kw)
    world.art("series", show.id, "fanart", 960, 540)
    world.art("series", show.id, "fanart", 960, 540, rank=1)
    world.art("season", season1.id, "poster")
    world.art("season", specials.id, "poster", pattern=3)
    world.art("episode", eps[0].id, "thumb", 480, 270)
    for m in (own, nos, met):
        run_publish(services, "movie", m.id)
    run_publish(services, "series", show.id)
    return own, nos, met, show


async def until(predicate, timeout: float = 30.0) -> None:
    import asyncio
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < end, "condition not met"
        await asyncio.sleep(0.1)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_kodi_jellyfin_and_plex_get_exactly_the_names_they_read_each_image_once(system, services, world):
    build(world, services)
    movies, tv = Path(world.movies.path), Path(world.tv.path)
    f = OWN
    assert files_under(movies / OWN) == {
        f"{f}.mkv", f"{f}.nfo",
        "poster.jpg", f"{f}-poster.jpg",          # Plex reads poster.jpg; Kodi <f>-poster (either folder mode)
        f"{f}-fanart.jpg",                        # all three read <f>-fanart
        f"{f}-fanart1.jpg", "extrafanart/fanart1.jpg", f"{f}-fanart2.jpg", "extrafanart/fanart2.jpg",
        f"{f}-clearlogo.png",                     # no Emby: no logo.png
        f"{f}-keyart.jpg"}                        # Kodi's alone
    assert files_under(movies / SHARED) == {
        "Nosferatu (1922).mkv", "Nosferatu (1922).nfo", "Nosferatu (1922)-poster.jpg", "Nosferatu (1922).jpg",
        "Nosferatu (1922)-fanart.jpg", "Nosferatu (1922)-fanart1.jpg", "Nosferatu (1922)-fanart-1.jpg",
        "Metropolis (1927).mkv", "Metropolis (1927).nfo", "Metropolis (1927)-poster.jpg", "Metropolis (1927).jpg",
        "Metropolis (1927)-fanart.jpg"}
    ep = "Season 01/Sherlock Holmes - S01E01"
    assert files_under(tv / SHOW) == {
        "tvshow.nfo", "poster.jpg", "fanart.jpg", "fanart1.jpg", "extrafanart/fanart1.jpg", "clearlogo.png",
        "characterart.png", "season01-poster.jpg", "season-specials-poster.jpg",
        f"{ep}.mkv", f"{ep}.nfo", f"{ep}-thumb.jpg",
        "Season 01/Sherlock Holmes - S01E02E03.mkv", "Season 01/Sherlock Holmes - S01E02E03.nfo"}
    # nothing twice: the names of one image are one file (one inode), however many there are
    by_image: dict[tuple, set[tuple[int, int]]] = {}
    for r in LibraryFile.select().where(LibraryFile.kind == "artwork"):
        root = movies if r.library_id == world.movies.id else tv
        st = os.stat(root / r.path)
        by_image.setdefault((r.entity_type, r.entity_id, r.slot), set()).add((st.st_dev, st.st_ino))
    assert len(by_image) == 19 and all(len(inodes) == 1 for inodes in by_image.values()), by_image
    assert os.stat(movies / OWN / "poster.jpg").st_nlink == 2
    assert os.stat(movies / SHARED / "Nosferatu (1922).jpg").st_ino == \
        os.stat(movies / SHARED / "Nosferatu (1922)-poster.jpg").st_ino
    # the certification in a form Jellyfin parses before 12.0 too (Kodi takes any text)
    assert parse_nfo((movies / OWN / f"{f}.nfo").read_bytes()).doc.mpaa == "US:R"


def test_publishing_twice_writes_and_links_nothing(system, services, world):
    own, *_ = build(world, services)
    folder = Path(world.movies.path) / OWN
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    res = run_publish(services, "movie", own.id)
    assert res["written"] == res["replaced"] == res["linked"] == res["recycled"] == 0
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()} == before


def test_dropping_plex_recycles_its_names_and_keeps_the_rest(system, services, world):
    own, nos, met, show = build(world, services)
    movies = Path(world.movies.path)
    kodi_poster = movies / OWN / f"{OWN}-poster.jpg"
    inode = kodi_poster.stat().st_ino
    _set_players(world.movies, ["kodi", "jellyfin"])
    for m in (own, nos, met):
        run_publish(services, "movie", m.id)
    gone = {movies / OWN / "poster.jpg", movies / SHARED / "Nosferatu (1922).jpg", movies / SHARED / "Metropolis (1927).jpg"}
    assert not any(p.exists() for p in gone)
    entries = {Path(e.original_path): e for e in RecycleEntry.select()}
    assert gone <= set(entries)
    # the bin keeps bytes of its own, not another name of the poster still published
    kept = entries[movies / OWN / "poster.jpg"]
    assert Path(kept.stored_path).read_bytes() == kodi_poster.read_bytes()
    assert os.stat(kept.stored_path).st_ino != inode and kodi_poster.stat().st_ino == inode
    assert kodi_poster.stat().st_nlink == 1
    # Jellyfin still reads <f>-fanart-1 in the shared folder, Kodi <f>-fanart1
    assert (movies / SHARED / "Nosferatu (1922)-fanart-1.jpg").exists()
    assert (movies / SHARED / "Nosferatu (1922)-fanart1.jpg").exists()


def test_a_deleted_first_name_is_put_back_and_the_second_linked_to_it_again(system, services, world):
    own, *_ = build(world, services)
    folder = Path(world.movies.path) / OWN
    (folder / "poster.jpg").unlink()
    (folder / "extrafanart" / "fanart2.jpg").unlink()
    res = run_verify(services, world.movies.id)
    assert sorted(f["path"] for f in res["findings"]) == [f"{OWN}/extrafanart/fanart2.jpg", f"{OWN}/poster.jpg"]
    from tests.conftest import wait_for
    wait_for(lambda: (folder / "poster.jpg").exists() and (folder / "extrafanart" / "fanart2.jpg").exists())
    wait_for(lambda: os.stat(folder / "poster.jpg").st_ino == os.stat(folder / f"{OWN}-poster.jpg").st_ino)
    assert os.stat(folder / "extrafanart" / "fanart2.jpg").st_ino == os.stat(folder / f"{OWN}-fanart2.jpg").st_ino
    assert run_verify(services, world.movies.id)["problems"] == 0


def test_emby_gets_logo_png_beside_clearlogo_png(system, services, world):
    own, *_ = build(world, services, players=("kodi", "emby"))
    folder = Path(world.movies.path) / OWN
    assert (folder / "logo.png").stat().st_ino == (folder / f"{OWN}-clearlogo.png").stat().st_ino
    assert (Path(world.tv.path) / SHOW / "logo.png").exists() and (Path(world.tv.path) / SHOW / "clearlogo.png").exists()


def test_without_kodi_no_kodi_only_names(system, services, world):
    build(world, services, players=("jellyfin", "plex"))
    movies, tv = Path(world.movies.path), Path(world.tv.path)
    names = files_under(movies / OWN)
    assert {"poster.jpg", "fanart.jpg", "clearlogo.png", "fanart-1.jpg", "fanart-2.jpg"} <= names
    assert not any("keyart" in n or n.startswith(OWN + "-") for n in names), names
    assert "characterart.png" not in files_under(tv / SHOW)


async def test_changing_the_players_of_a_library_republishes_it(api, services, world):
    from metarr.jobs import chain
    from metarr.jobs.model import PRIORITY
    settings.put_many(services.db, {"publish.fanart_count": 1})
    own = world.movie()
    world.art("movie", own.id, "poster")
    world.movie("Dracula", 1931)   # never published: the players' change writes nothing for it
    r = await api.patch(f"/api/v1/libraries/{world.movies.id}", json={"players": ["kodi"]})
    assert r.status == 200 and "publish_job_id" not in (await r.json())["data"]
    services.actor("ledger").enqueue(chain.entity_job("publish", "movie", own.id, world.movies.id,
                                                      PRIORITY["user"])).get(timeout=5)
    folder = Path(world.movies.path) / OWN
    await until(lambda: (folder / f"{OWN}-poster.jpg").exists())
    await drain(api)
    assert not (folder / "poster.jpg").exists()
    r = await api.patch(f"/api/v1/libraries/{world.movies.id}", json={"players": ["plex", "kodi"]})
    body = await r.json()
    assert r.status == 200 and body["data"]["players"] == ["kodi", "plex"] and body["data"]["publish_job_id"]
    await drain(api)
    # (drain may look a moment before the fanned-out jobs are due: wait for the file itself)
    await until(lambda: (folder / "poster.jpg").exists())
    await drain(api)
    assert not any((Path(world.movies.path) / "Dracula (1931)").glob("*.nfo"))
    for bad in ([], ["kodi", "kodi"], ["vlc"], "kodi"):
        r = await api.patch(f"/api/v1/libraries/{world.movies.id}", json={"players": bad})
        assert r.status == 400, bad
    assert (await (await api.get(f"/api/v1/libraries/{world.movies.id}")).json())["data"]["players"] == ["kodi", "plex"]


def _bytes_of(world, entity_type, entity_id, slot, rank=0) -> bytes:
    from metarr.db.media import ArtworkSlot, CacheFile
    s = ArtworkSlot.get((ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
                        & (ArtworkSlot.slot == slot) & (ArtworkSlot.rank == rank))
    cf = CacheFile.get_by_id(s.cache_file_id)
    p = Path(cf.path)
    return (p if p.is_absolute() else Path(world.s.config.data_dir) / p).read_bytes()


def test_what_each_player_would_show_is_what_metarr_chose(system, services, world):
    """Asked of the emulators, which find images by each player's own rules (reference §1)."""
    from web.demo.emulation.players import EmbyEmulator, JellyfinEmulator, PlexEmulator
    jf, emby, plex = JellyfinEmulator(), EmbyEmulator(), PlexEmulator()
    own, nos, met, show = build(world, services, players=("kodi", "jellyfin", "emby", "plex"))
    movies, tv = Path(world.movies.path), Path(world.tv.path)
    for m, video in ((own, movies / OWN / f"{OWN}.mkv"), (nos, movies / SHARED / "Nosferatu (1922).mkv"),
                     (met, movies / SHARED / "Metropolis (1927).mkv")):
        poster = _bytes_of(world, "movie", m.id, "poster")
        for images in (jf.images(video), emby.images(video)):
            assert images["Primary"][0].read_bytes() == poster, (m.title, images)
            assert images["Backdrop"][0].read_bytes() == _bytes_of(world, "movie", m.id, "fanart")
        assert plex.assets(video)["posters"][0].read_bytes() == poster
        assert _bytes_of(world, "movie", m.id, "fanart") in [p.read_bytes() for p in plex.assets(video)["art"]]
    video = movies / OWN / f"{OWN}.mkv"
    three = [_bytes_of(world, "movie", own.id, "fanart", r) for r in range(3)]
    assert [p.read_bytes() for p in jf.images(video)["Backdrop"]] == three
    assert [p.read_bytes() for p in emby.images(video)["Backdrop"]] == three
    assert {p.read_bytes() for p in plex.assets(video)["art"]} == set(three)
    logo = _bytes_of(world, "movie", own.id, "clearlogo")
    assert jf.images(video)["Logo"][0].read_bytes() == emby.images(video)["Logo"][0].read_bytes() == logo
    # the show, its seasons and an episode
    folder = tv / SHOW
    assert jf.images(folder, "series")["Primary"][0].read_bytes() == _bytes_of(world, "series", show.id, "poster")
    assert plex.assets(folder, "series")["posters"][0].read_bytes() == _bytes_of(world, "series", show.id, "poster")
    assert emby.images(folder, "series")["Logo"][0].read_bytes() == _bytes_of(world, "series", show.id, "clearlogo")
    for number in (1, 0):
        season = Season.get((Season.series_id == show.id) & (Season.number == number))
        want = _bytes_of(world, "season", season.id, "poster")
        assert jf.images(folder, "season", number)["Primary"][0].read_bytes() == want
        assert plex.assets(folder, "season", number)["posters"][0].read_bytes() == want
    ep = folder / "Season 01" / "Sherlock Holmes - S01E01.mkv"
    from metarr.db.media import Episode
    e1 = Episode.get((Episode.series_id == show.id) & (Episode.episode == 1))
    assert jf.images(ep, "episode")["Primary"][0].read_bytes() == _bytes_of(world, "episode", e1.id, "thumb")
    assert plex.assets(ep, "episode")["posters"][0].read_bytes() == _bytes_of(world, "episode", e1.id, "thumb")


def test_kodi_names_alone_leave_plex_without_posters(system, services, world):
    """What a library published for Kodi only looks like to Plex: why the players are listed."""
    from web.demo.emulation.players import PlexEmulator
    build(world, services, players=("kodi",))
    movies = Path(world.movies.path)
    assert PlexEmulator().assets(movies / SHARED / "Nosferatu (1922).mkv")["posters"] == []
    assert PlexEmulator().assets(movies / OWN / f"{OWN}.mkv")["posters"] == []


async def test_the_add_library_form_proposes_the_kinds_of_the_players_set_up(api, services):
    import re
    page = await (await api.get("/libraries")).text()
    checked = set(re.findall(r'name="players" value="(\w+)" data-multi checked', page))
    assert checked == {"kodi"}                      # no player yet: Kodi, as the API's default
    r = await api.post("/api/v1/players", json={"name": "Phones", "kind": "jellyfin", "url": "http://127.0.0.1:8096",
                                                "token": "t0ken"})
    assert r.status == 201, await r.text()
    page = await (await api.get("/libraries")).text()
    assert set(re.findall(r'name="players" value="(\w+)" data-multi checked', page)) == {"jellyfin"}
