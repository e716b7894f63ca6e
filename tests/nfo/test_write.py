"""Writer rules beyond the golden files: safety checks, escaping, defaults, stacking."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from metarr.nfo import (
    Actor,
    EpisodeNfo,
    EpisodesNfo,
    MovieNfo,
    NfoError,
    Rating,
    TvShowNfo,
    check_reference,
    parse_nfo,
    render_nfo,
)


@pytest.mark.parametrize("value", [
    "https://image.tmdb.org/t/p/original/a.jpg", "http://host/a.jpg",
    "plugin://plugin.video.youtube/play/?video_id=x", ".actors/Keanu_Reeves.jpg", "Keanu_Reeves.jpg",
])
def test_check_reference_accepts_urls_and_relative_paths(value: str) -> None:
    assert check_reference(value) == value


@pytest.mark.parametrize("value", [
    "/srv/media/movies/.actors/Keanu_Reeves.jpg", "C:\\Media\\a.jpg", "c:/media/a.jpg",
    "\\\\nas\\share\\a.jpg", "file:///srv/a.jpg", "smb://nas/share/a.jpg", "~/a.jpg",
])
def test_check_reference_refuses_absolute_local_paths(value: str) -> None:
    with pytest.raises(NfoError) as info:
        check_reference(value)
    assert info.value.code == "unsafe_reference"


def test_render_refuses_absolute_actor_thumb_and_trailer() -> None:
    with pytest.raises(NfoError):
        render_nfo(MovieNfo(title="X", actors=(Actor(name="A", thumb="/data/cache/a.jpg"),)))
    with pytest.raises(NfoError):
        render_nfo(MovieNfo(title="X", trailer="/srv/trailers/x.mkv"))


def test_escaping_and_control_characters() -> None:
    title = 'A & B <C> "D" \'E\'\x00\x07\x1b end'
    data = render_nfo(MovieNfo(title=title, unknown=()))
    root = ET.fromstring(data)
    assert root.findtext("title") == "A & B <C> \"D\" 'E' end"
    assert b"\x00" not in data and b"\x07" not in data


def test_attribute_escaping_round_trips() -> None:
    doc = TvShowNfo(title="S", namedseasons=(), unknown=('<thumb aspect="a&amp;b">x</thumb>',))
    assert parse_nfo(render_nfo(doc)).doc == doc


def test_invalid_unknown_is_refused() -> None:
    with pytest.raises(NfoError) as info:
        render_nfo(MovieNfo(title="X", unknown=("<open>",)))
    assert info.value.code == "invalid"
    with pytest.raises(NfoError):
        render_nfo(MovieNfo(title="X", unknown=("<a/><b/>",)))


def test_default_uniqueid_policy() -> None:
    assert MovieNfo(uniqueids={"imdb": "tt0133093", "tmdb": "603"}).default_id == "tmdb"
    assert MovieNfo(uniqueids={"imdb": "tt0133093"}).default_id == "imdb"
    assert TvShowNfo(uniqueids={"tmdb": "1396", "tvdb": "81189"}).default_id == "tvdb"
    assert TvShowNfo(uniqueids={"tmdb": "1396", "imdb": "tt0903747"}).default_id == "tmdb"
    assert MovieNfo(uniqueids={"tmdb": "603"}, default_id="imdb").default_id == "tmdb"
    assert MovieNfo().default_id is None


def test_uniqueid_elements() -> None:
    root = ET.fromstring(render_nfo(MovieNfo(uniqueids={"tmdb": "603", "imdb": "tt0133093"})))
    ids = {(e.get("type"), e.get("default")): e.text for e in root.iter("uniqueid")}
    assert ids == {("tmdb", "true"): "603", ("imdb", "false"): "tt0133093"}


def test_ratings_name_themoviedb_with_max() -> None:
    doc = MovieNfo(ratings=(Rating(name="tmdb", value=7.91, votes=None, default=True),))
    rating = ET.fromstring(render_nfo(doc)).find("ratings/rating")
    assert rating is not None
    assert rating.attrib == {"name": "themoviedb", "max": "10", "default": "true"}
    assert rating.findtext("value") == "7.91"
    assert rating.find("votes") is None


def test_numbers_render_plainly() -> None:
    doc = MovieNfo(userrating=Decimal("1E+1"), ratings=(Rating(name="imdb", value=Decimal("8.20")),))
    data = render_nfo(doc)
    assert b"<userrating>10</userrating>" in data and b"<value>8.2</value>" in data


def test_lone_episode_is_written_as_one_episode_file() -> None:
    episode = EpisodeNfo(title="Pilot", season=1, episode=1)
    assert render_nfo(episode) == render_nfo(EpisodesNfo(episodes=(episode,)))


def test_multi_episode_file_has_one_header_and_several_roots() -> None:
    data = render_nfo(EpisodesNfo(episodes=(EpisodeNfo(title="A"), EpisodeNfo(title="B"))))
    assert data.count(b"<?xml") == 1
    assert data.count(b"<episodedetails>") == 2


def test_empty_values_are_omitted() -> None:
    data = render_nfo(MovieNfo(title="X", plot="", genres=("", "  "), tagline="   "))
    assert data == (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    b"<movie>\n  <title>X</title>\n</movie>\n")


def test_model_normalises_inputs() -> None:
    a = MovieNfo(title=" X ", genres=["Drama"], userrating=8.2, ratings=[Rating(name="TMDB", value=8)])
    b = MovieNfo(title="X", genres=("Drama",), userrating=Decimal("8.2"),
                 ratings=(Rating(name="themoviedb", value=Decimal("8")),))
    assert a == b
    assert hash(a) == hash(b)


def test_only_one_default_rating() -> None:
    doc = MovieNfo(ratings=(Rating(name="a", value=1, default=True), Rating(name="b", value=2, default=True)))
    assert [r.default for r in doc.ratings] == [True, False]
