"""Kodi names for every artwork type per entity kind (reference/kodi-behaviour.md)."""
from __future__ import annotations

import pytest

from metarr.library import naming

VIDEO = "The Matrix (1999).mkv"


@pytest.mark.parametrize(("art", "expected"), [
    ("poster", "The Matrix (1999)-poster.jpg"),
    ("fanart", "The Matrix (1999)-fanart.jpg"),
    ("banner", "The Matrix (1999)-banner.jpg"),
    ("clearlogo", "The Matrix (1999)-clearlogo.png"),
    ("clearart", "The Matrix (1999)-clearart.png"),
    ("discart", "The Matrix (1999)-discart.png"),
    ("landscape", "The Matrix (1999)-landscape.jpg"),
    ("keyart", "The Matrix (1999)-keyart.jpg"),
])
def test_movie_art(art: str, expected: str) -> None:
    assert naming.movie_art(VIDEO, art) == expected


def test_movie_nfo() -> None:
    assert naming.movie_nfo(VIDEO) == "The Matrix (1999).nfo"
    assert naming.movie_nfo("Movie.With.Dots.2010.1080p.mkv") == "Movie.With.Dots.2010.1080p.nfo"


@pytest.mark.parametrize(("fmt", "expected"), [
    ("PNG", "The Matrix (1999)-poster.png"), ("png", "The Matrix (1999)-poster.png"),
    ("JPEG", "The Matrix (1999)-poster.jpg"), ("jpg", "The Matrix (1999)-poster.jpg"),
    ("webp", "The Matrix (1999)-poster.webp"), (None, "The Matrix (1999)-poster.jpg"),
])
def test_extension_follows_format(fmt: str | None, expected: str) -> None:
    assert naming.movie_art(VIDEO, "poster", fmt) == expected


def test_jpeg_clearlogo_keeps_its_real_format() -> None:
    assert naming.movie_art(VIDEO, "clearlogo", "JPEG") == "The Matrix (1999)-clearlogo.jpg"


def test_unsupported_format_and_slot() -> None:
    with pytest.raises(ValueError):
        naming.movie_art(VIDEO, "poster", "TIFF")
    with pytest.raises(ValueError):
        naming.movie_art(VIDEO, "characterart")
    with pytest.raises(ValueError):
        naming.tvshow_art("discart")


@pytest.mark.parametrize(("video", "nfo"), [
    ("BDMV/index.bdmv", "BDMV/index.nfo"),
    ("VIDEO_TS/VIDEO_TS.IFO", "VIDEO_TS/VIDEO_TS.nfo"),
    ("video_ts/video_ts.ifo", "video_ts/video_ts.nfo"),
    ("VIDEO_TS.IFO", "VIDEO_TS.nfo"),
])
def test_disc_structures(video: str, nfo: str) -> None:
    assert naming.movie_nfo(video) == nfo
    assert naming.movie_art(video, "poster") == "poster.jpg"
    assert naming.movie_art(video, "clearlogo") == "clearlogo.png"
    assert naming.movie_art(video, "fanart", "png") == "fanart.png"


def test_odd_disc_layout_is_refused() -> None:
    with pytest.raises(ValueError):
        naming.movie_nfo("extras/BDMV/index.bdmv")


@pytest.mark.parametrize(("video", "base"), [
    ("The Matrix (1999) cd1.avi", "The Matrix (1999)"),
    ("The Matrix (1999) - CD2.avi", "The Matrix (1999)"),
    ("The.Matrix.1999.part1.mkv", "The.Matrix.1999"),
    ("The.Matrix.1999-pt2.mkv", "The.Matrix.1999"),
    ("The Matrix (1999) disc 1.mkv", "The Matrix (1999)"),
    ("The Matrix (1999)-cd1-xvid.avi", "The Matrix (1999)-xvid"),
    ("Movie dvdA.vob", "Movie"),
])
def test_stacked_movies_drop_the_part_token(video: str, base: str) -> None:
    assert naming.movie_nfo(video, stacked=True) == f"{base}.nfo"
    assert naming.movie_art(video, "poster", stacked=True) == f"{base}-poster.jpg"


def test_unstacked_names_are_left_alone() -> None:
    # Kodi stacks only when several files match; "Adaptation" must never lose letters.
    assert naming.movie_nfo("Adaptation (2002).mkv") == "Adaptation (2002).nfo"
    assert naming.movie_nfo("Apollo 13 cd1.mkv") == "Apollo 13 cd1.nfo"
    assert naming.movie_nfo("cd1.avi", stacked=True) == "cd1.nfo"


@pytest.mark.parametrize(("art", "expected"), [
    ("poster", "poster.jpg"), ("fanart", "fanart.jpg"), ("banner", "banner.jpg"),
    ("clearlogo", "clearlogo.png"), ("clearart", "clearart.png"), ("landscape", "landscape.jpg"),
    ("characterart", "characterart.png"), ("keyart", "keyart.jpg"),
])
def test_tvshow_art(art: str, expected: str) -> None:
    assert naming.tvshow_art(art) == expected


def test_tvshow_nfo() -> None:
    assert naming.tvshow_nfo() == "tvshow.nfo"


@pytest.mark.parametrize(("season", "art", "expected"), [
    (1, "poster", "season01-poster.jpg"),
    (12, "fanart", "season12-fanart.jpg"),
    (123, "banner", "season123-banner.jpg"),
    (0, "poster", "season-specials-poster.jpg"),
    (0, "landscape", "season-specials-landscape.jpg"),
    ("all", "poster", "season-all-poster.jpg"),
    ("all", "fanart", "season-all-fanart.jpg"),
    (3, "landscape", "season03-landscape.jpg"),
    (2, "banner", "season02-banner.jpg"),
])
def test_season_art(season: int | str, art: str, expected: str) -> None:
    assert naming.season_art(season, art) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("season", [-1, True, "1", None, 1.0])
def test_bad_season_refused(season: object) -> None:
    with pytest.raises(ValueError):
        naming.season_art(season, "poster")  # type: ignore[arg-type]


def test_episode_names() -> None:
    video = "Breaking Bad - S01E01 - Pilot.mkv"
    assert naming.episode_nfo(video) == "Breaking Bad - S01E01 - Pilot.nfo"
    assert naming.episode_art(video) == "Breaking Bad - S01E01 - Pilot-thumb.jpg"
    assert naming.episode_art(video, "thumb", "PNG") == "Breaking Bad - S01E01 - Pilot-thumb.png"
    assert naming.episode_nfo("Show.S01E01E02.mkv") == "Show.S01E01E02.nfo"


@pytest.mark.parametrize(("art", "expected"), [
    ("thumb", "folder.jpg"), ("fanart", "fanart.jpg"), ("clearlogo", "clearlogo.png"),
    ("banner", "banner.jpg"),
])
def test_artist_art(art: str, expected: str) -> None:
    assert naming.artist_art(art) == expected


@pytest.mark.parametrize(("art", "expected"), [
    ("thumb", "folder.jpg"), ("discart", "discart.png"), ("cdart", "cdart.png"),
])
def test_album_art(art: str, expected: str) -> None:
    assert naming.album_art(art) == expected


def test_music_nfos() -> None:
    assert (naming.artist_nfo(), naming.album_nfo()) == ("artist.nfo", "album.nfo")
    assert naming.artist_art("thumb", "png") == "folder.png"


@pytest.mark.parametrize(("name", "expected"), [
    ("Keanu Reeves", ".actors/Keanu_Reeves.jpg"),
    ("Carrie-Anne Moss", ".actors/Carrie-Anne_Moss.jpg"),
    ("  Hugo   Weaving ", ".actors/Hugo_Weaving.jpg"),
    ("AC/DC", ".actors/ACDC.jpg"),
    ('Who? "Me": <x>|*\\', ".actors/Who_Me_x.jpg"),
    ("../../etc/passwd", ".actors/etcpasswd.jpg"),
    ("..", ".actors/actor_" + __import__("hashlib").sha1(b"..").hexdigest()[:10] + ".jpg"),
    ("Zoë Saldaña", ".actors/Zoë_Saldaña.jpg"),
    ("Robert Downey Jr.", ".actors/Robert_Downey_Jr..jpg"),
])
def test_actor_thumb(name: str, expected: str) -> None:
    assert naming.actor_thumb(name) == expected


def test_actor_thumb_is_stable_and_safe() -> None:
    assert naming.actor_thumb("Zoe\u0308 X") == naming.actor_thumb("Zoë X")  # NFC
    # the sha1 of the name itself, the same in every process (not Python's per-process hash())
    assert naming.actor_thumb("???") == ".actors/actor_2d86c2a659.jpg"
    assert naming.actor_thumb("???") != naming.actor_thumb("***")
    long = naming.actor_thumb("é" * 500)
    assert len(long.split("/")[1].encode()) <= 210
    assert naming.actor_thumb("Keanu Reeves", "png") == ".actors/Keanu_Reeves.png"


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b.mkv", "a\\b.mkv", "x\x00.mkv"])
def test_video_names_must_be_plain_file_names(bad: str) -> None:
    with pytest.raises(ValueError):
        naming.movie_nfo(bad)
    with pytest.raises(ValueError):
        naming.episode_nfo(bad)


def test_no_name_has_dot_dot_components() -> None:
    names = [naming.movie_art(VIDEO, a) for a in naming.MOVIE_ART]
    names += [naming.tvshow_art(a) for a in naming.TVSHOW_ART]
    names += [naming.season_art(s, a) for s in (0, 1, "all") for a in naming.SEASON_ART]
    names += [naming.actor_thumb(n) for n in ("..", "../x", "./.", "a/../b")]
    for name in names:
        assert all(part not in ("", ".", "..") for part in name.split("/")), name
