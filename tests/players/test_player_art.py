"""The Jellyfin, Emby and Plex emulators find an item's artwork by their players' documented rules
(reference/players-and-orders.md §1 as test data), whoever wrote the files."""
from __future__ import annotations

from pathlib import Path

import pytest

from web.demo.emulation.players import EmbyEmulator, JellyfinEmulator, PlexEmulator
from web.demo.media import make_clip

JF, EMBY, PLEX = JellyfinEmulator(), EmbyEmulator(), PlexEmulator()


def touch(folder: Path, *names: str) -> None:
    for n in names:
        p = folder / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"\xff\xd8 " + n.encode())


def shown(images: dict, key: str) -> str | None:
    return images[key][0].name if images[key] else None


@pytest.fixture
def own(tmp_path):
    folder = tmp_path / "Alien (1979)"
    make_clip(folder / "Alien (1979).mkv")
    return folder / "Alien (1979).mkv"


@pytest.fixture
def shared(tmp_path):
    folder = tmp_path / "Classics"
    make_clip(folder / "Nosferatu (1922).mkv")
    make_clip(folder / "Metropolis (1927).mkv")
    return folder / "Nosferatu (1922).mkv"


def test_jellyfin_primary_image_in_an_own_folder(own):
    touch(own.parent, "folder.jpg", "poster.jpg")
    assert shown(JF.images(own), "Primary") == "poster.jpg"      # poster before folder
    assert shown(EMBY.images(own), "Primary") == "folder.jpg"    # old Emby: folder first
    touch(own.parent, "poster.png")
    assert shown(JF.images(own), "Primary") == "poster.png"      # a PNG wins over a JPEG of the same name
    touch(own.parent, "Alien (1979).jpg")
    assert shown(JF.images(own), "Primary") == "Alien (1979).jpg"   # <file> comes first for a video
    (own.parent / "Alien (1979).jpg").write_bytes(b"")
    assert shown(JF.images(own), "Primary") == "poster.png"      # empty files are skipped


def test_a_mixed_folder_reads_only_the_file_names(shared):
    touch(shared.parent, "poster.jpg", "fanart.jpg", "extrafanart/fanart1.jpg", "Nosferatu (1922)-fanart.jpg")
    jf = JF.images(shared)
    assert jf["Primary"] == [] and [p.name for p in jf["Backdrop"]] == ["Nosferatu (1922)-fanart.jpg"]
    assert PLEX.assets(shared)["posters"] == []                   # bare names: single movie only
    touch(shared.parent, "Nosferatu (1922).jpg", "Nosferatu (1922)-poster.jpg")
    assert shown(JF.images(shared), "Primary") == "Nosferatu (1922).jpg"
    assert [p.name for p in PLEX.assets(shared)["posters"]] == ["Nosferatu (1922).jpg"]   # never <file>-poster


def test_extra_backdrops_by_player(own):
    touch(own.parent, "fanart.jpg", "fanart1.jpg", "fanart2.jpg", "fanart-1.jpg", "extrafanart/a.jpg",
          "fanart10.jpg")
    assert [p.name for p in JF.images(own)["Backdrop"]] == ["fanart.jpg", "fanart-1.jpg", "a.jpg"]   # not fanartN
    assert [p.name for p in PLEX.assets(own)["art"]] == ["fanart-1.jpg", "fanart.jpg", "fanart1.jpg", "fanart2.jpg"]


def test_logos_discs_and_thumbs(own):
    touch(own.parent, "clearlogo.png", "discart.png", "landscape.jpg", "thumb.jpg")
    jf, em = JF.images(own), EMBY.images(own)
    assert (shown(jf, "Logo"), shown(jf, "Disc"), shown(jf, "Thumb")) == ("clearlogo.png", "discart.png", "landscape.jpg")
    assert (shown(em, "Logo"), shown(em, "Disc"), shown(em, "Thumb")) == (None, None, "thumb.jpg")
    touch(own.parent, "logo.png")
    assert shown(JF.images(own), "Logo") == shown(EMBY.images(own), "Logo") == "logo.png"
    assert set(PLEX.assets(own)) == {"posters", "art", "banners"}   # Plex reads no logo, disc or landscape


def test_seasons_and_episodes(tmp_path):
    show = tmp_path / "Sherlock Holmes (1954)"
    ep = show / "Season 01" / "Sherlock Holmes - S01E01.mkv"
    make_clip(ep)
    touch(show, "season01-poster.jpg", "season-specials-poster.jpg", "season01-banner.jpg", "Season02.jpg")
    touch(show / "Season 01", "Sherlock Holmes - S01E01-thumb.jpg")
    assert shown(JF.images(show, "season", 1), "Primary") == "season01-poster.jpg"
    assert shown(JF.images(show, "season", 0), "Primary") == "season-specials-poster.jpg"
    assert shown(JF.images(show, "season", 2), "Primary") is None           # Plex's name, not Jellyfin's
    assert [p.name for p in PLEX.assets(show, "season", 2)["posters"]] == ["Season02.jpg"]
    assert [p.name for p in PLEX.assets(show, "season", 0)["posters"]] == ["season-specials-poster.jpg"]
    assert shown(JF.images(ep, "episode"), "Primary") == "Sherlock Holmes - S01E01-thumb.jpg"
    assert [p.name for p in PLEX.assets(ep, "episode")["posters"]] == ["Sherlock Holmes - S01E01-thumb.jpg"]
    touch(show / "Season 02", "poster.jpg")
    assert shown(JF.images(show, "season", 2), "Primary") == "poster.jpg"    # the season folder's own
