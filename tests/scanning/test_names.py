"""Name parsing and classification tables."""
import pytest

from metarr.scanning.classify import classify
from metarr.scanning.names import (
    ids_in_name,
    parse_episode,
    parse_season_dir,
    parse_title,
    parse_track,
    stack_part,
)


@pytest.mark.parametrize("name,title,year,source", [
    ("The Matrix (1999)", "The Matrix", 1999, "fast"),
    ("Night of the Living Dead (1968) {tmdb-10331}", "Night of the Living Dead", 1968, "fast"),
    ("Metropolis", "Metropolis", None, "fast"),
    ("Blade Runner 2049 (2017)", "Blade Runner 2049", 2017, "fast"),
    ("2001 A Space Odyssey (1968)", "2001 A Space Odyssey", 1968, "fast"),
    ("The.General.1926", "The General", 1926, "fast"),
    ("Amélie (2001)", "Amélie", 2001, "fast"),
    ("The.Matrix.1999.1080p.BluRay.x264-GRP", "The Matrix", 1999, "guessit"),
])
def test_titles(name, title, year, source):
    p = parse_title(name)
    assert (p.title, p.year, p.source) == (title, year, source)


@pytest.mark.parametrize("name,ids", [
    ("Movie (1999) {tmdb-603}", {"tmdb": "603"}),
    ("Movie (1999) [tmdbid-603]", {"tmdb": "603"}),
    ("Movie (1999) [imdbid-tt0133093]", {"imdb": "tt0133093"}),
    ("Movie (1999) {imdb-tt0133093}", {"imdb": "tt0133093"}),
    ("Movie.1999.tt0133093.mkv", {"imdb": "tt0133093"}),
    ("Show (2005) {tvdb-81189}", {"tvdb": "81189"}),
    ("Show [tvdbid-81189]", {"tvdb": "81189"}),
    ("Plain (2000)", {}),
])
def test_ids_in_names(name, ids):
    assert ids_in_name(name) == ids


@pytest.mark.parametrize("name,season,episodes,absolute,aired", [
    ("Show - S01E02 - Title.mkv", 1, (2,), None, None),
    ("show.s1e2.mkv", 1, (2,), None, None),
    ("Show 1x02.mkv", 1, (2,), None, None),
    ("Show - S01E02E03.mkv", 1, (2, 3), None, None),
    ("Show - S01E02-E03.mkv", 1, (2, 3), None, None),
    ("Show S01E02-03.mkv", 1, (2, 3), None, None),
    ("Show - S00E01 - Special.mkv", 0, (1,), None, None),
    ("Show 2024-03-01.mkv", 2024, (301,), None, "2024-03-01"),
    ("Show.2024.03.01.mkv", 2024, (301,), None, "2024-03-01"),
    ("[Group] Show - 07 [1080p].mkv", None, (7,), 7, None),
    ("One Piece - 1071 (1080p).mkv", None, (1071,), 1071, None),
])
def test_episodes(name, season, episodes, absolute, aired):
    r = parse_episode(name)
    assert (r.season, r.episodes, r.absolute, r.air_date) == (season, episodes, absolute, aired)


def test_seasons_stacks_tracks():
    assert [parse_season_dir(n) for n in ("Season 01", "Season 1", "S02", "Specials", "Season 00", "Extras")] == \
        [1, 1, 2, 0, 0, None]
    assert stack_part("Movie cd1") == ("Movie", 1) and stack_part("Movie-part2") == ("Movie", 2)
    assert stack_part("Adaptation") is None
    assert parse_track("01 - The Entertainer") == (None, 1, "The Entertainer")
    assert parse_track("1-02 Maple Leaf Rag") == (1, 2, "Maple Leaf Rag")


@pytest.mark.parametrize("path,kind,role", [
    ("M (2000)/M (2000).mkv", "video", None),
    ("M (2000)/M (2000)-poster.jpg", "image", "poster"),
    ("M (2000)/poster.jpg", "image", "poster"),
    ("M (2000)/folder.jpg", "image", "poster"),
    ("M (2000)/M (2000)-fanart.jpg", "image", "fanart"),
    ("M (2000)/fanart.jpg", "image", "fanart"),
    ("M (2000)/backdrop.jpg", "image", "fanart"),
    ("M (2000)/M (2000)-banner.jpg", "image", "banner"),
    ("M (2000)/M (2000)-clearlogo.png", "image", "clearlogo"),
    ("M (2000)/logo.png", "image", "clearlogo"),
    ("M (2000)/M (2000)-clearart.png", "image", "clearart"),
    ("M (2000)/M (2000)-discart.png", "image", "discart"),
    ("M (2000)/M (2000)-disc.png", "image", "discart"),
    ("M (2000)/M (2000)-landscape.jpg", "image", "landscape"),
    ("M (2000)/M (2000)-thumb.jpg", "image", "thumb"),
    ("M (2000)/M (2000)-keyart.jpg", "image", "keyart"),
    ("M (2000)/M (2000)-characterart.png", "image", "characterart"),
    ("S/season01-poster.jpg", "image", "season:1:poster"),
    ("S/season-specials-poster.jpg", "image", "season:0:poster"),
    ("S/season-all-poster.jpg", "image", "season:all:poster"),
    ("M (2000)/.actors/Duane_Jones.jpg", "image", "actor"),
    ("M (2000)/M (2000).nfo", "nfo", None),
    ("M (2000)/M (2000).en.srt", "subtitle", "eng"),
    ("M (2000)/M (2000).eng.forced.srt", "subtitle", "eng"),
    ("M (2000)/M (2000).pt-BR.sdh.ass", "subtitle", "por-BR"),
    ("M (2000)/M (2000)-trailer.mkv", "trailer", None),
    ("M (2000)/trailers/t.mp4", "trailer", None),
    ("M (2000)/extras/making of.mkv", "extra", None),
    ("M (2000)/featurettes/x.mkv", "extra", None),
    ("M (2000)/sample.mkv", "sample", None),
    ("M (2000)/M-sample.mkv", "sample", None),
    ("M (2000)/theme.mp3", "theme", None),
    ("M (2000)/BDMV/index.bdmv", "video", "disc-index"),
    ("M (2000)/BDMV/STREAM/00000.m2ts", "disc", None),
    ("M (2000)/VIDEO_TS/VIDEO_TS.IFO", "video", "disc-index"),
    ("M (2000)/notes.txt", "unknown", None),
])
def test_classification(path, kind, role):
    c = classify(path, "movie")
    assert (c.kind, c.role) == (kind, role)
