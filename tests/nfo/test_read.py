"""Reading real-world and hostile NFOs: parse_nfo never raises and keeps every id it can."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest

from metarr.nfo import EpisodesNfo, MovieNfo, MovieSet, NfoError, Rating, TvShowNfo, parse_nfo

MATRIX = "<movie><title>The Matrix</title><uniqueid type=\"tmdb\">603</uniqueid></movie>"


# ------------------------------------------------------------------------------ hostile input

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<movie><title>&xxe;</title><uniqueid type="tmdb">603</uniqueid></movie>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<movie><title>&lol9;</title></movie>"""


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_and_entities_are_refused_without_expansion(data: bytes) -> None:
    started = time.perf_counter()
    result = parse_nfo(data)
    assert time.perf_counter() - started < 0.5
    assert result.doc is None
    assert isinstance(result.error, NfoError)
    assert result.error.code == "dtd_forbidden"
    assert "DTD" in result.error.reason
    assert "root:" not in repr(result)  # nothing from /etc/passwd
    assert "lollol" not in repr(result)


def test_xxe_still_salvages_ids_by_pattern() -> None:
    assert dict(parse_nfo(XXE).ids) == {"tmdb": "603"}


def test_doctype_in_utf16_is_refused_too() -> None:
    result = parse_nfo(XXE.decode().replace('<?xml version="1.0"?>', "").encode("utf-16"))
    assert result.error is not None and result.error.code == "dtd_forbidden"


def test_truncated_xml_reports_position_and_salvages_ids() -> None:
    data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<movie>\n  <title>The Matrix</title>\n'
            b'  <uniqueid type="imdb" default="true">tt0133093</uniqueid>\n  <tmdbid>603</tmdbid>\n  <plot>Neo is')
    result = parse_nfo(data)
    assert result.doc is None
    assert result.error is not None and result.error.code == "truncated"
    assert result.error.position is not None and result.error.position[0] >= 5
    assert dict(result.ids) == {"imdb": "tt0133093", "tmdb": "603"}
    assert any("salvaged" in w for w in result.warnings)


def test_malformed_middle_reports_malformed_with_position() -> None:
    data = b"<movie>\n<title>A</title>\n<year>1999</yaer>\n<imdbid>tt0133093</imdbid>\n</movie>"
    result = parse_nfo(data)
    assert result.error is not None and result.error.code == "malformed"
    assert result.error.position is not None and result.error.position[0] == 3
    assert dict(result.ids) == {"imdb": "tt0133093"}


@pytest.mark.parametrize("data", [b"", b"   \n\t ", "\ufeff".encode()], ids=["empty", "blank", "bom-only"])
def test_empty_files(data: bytes) -> None:
    result = parse_nfo(data)
    assert result.doc is None and result.error is not None and result.error.code == "empty"


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 8,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    b"\x00" * 100,
    b"\xff\xfe" + bytes([0xD8, 0x00]) * 3,  # UTF-16 BOM followed by a lone surrogate
])
def test_binary_garbage_is_an_error_not_an_exception(data: bytes) -> None:
    result = parse_nfo(data)
    assert result.doc is None
    assert result.error is not None and result.error.code in ("binary", "not_nfo", "empty")


def test_too_large_is_refused_before_parsing() -> None:
    result = parse_nfo(b"<movie>" + b" " * (2 << 20) + b"</movie>")
    assert result.error is not None and result.error.code == "too_large"


@pytest.mark.parametrize("data", [
    b"<movie><title>x</title></movie",
    b"<movie><title><![CDATA[x</title></movie>",
    b"<movie><<<>>></movie>",
    b"<movie>" + b"<a>" * 5000,
    b"<tvshow attr='unterminated></tvshow>",
    "<movie><title>\udcff</title></movie>",
    b"<movie><uniqueid type='tmdb'>abc</uniqueid><uniqueid type='imdb'>nope</uniqueid></movie>",
    b"<movie><year>MCMXCIX</year><runtime>long</runtime><userrating>great</userrating></movie>",
    b"<movie><ratings><rating name='x' max='ten'><value>n/a</value></rating></ratings></movie>",
    b"<musicvideo><title>x</title></musicvideo>",
    b"<episodedetails></episodedetails>",
    b"<movie/>",
    b"<movie>" + b"<x>" * 20000 + b"</x>" * 20000 + b"</movie>",
])
def test_odd_inputs_never_raise(data: bytes | str) -> None:
    result = parse_nfo(data)  # the contract: a result, never an exception
    assert result.error is None or result.error.code != "internal", result.error


def test_undefined_entities_and_bare_ampersands_are_repaired() -> None:
    result = parse_nfo(b"<movie><title>Fast & Furious&nbsp;6 &bogus; &lt;</title><tmdbid>82992</tmdbid></movie>")
    assert result.error is None
    assert isinstance(result.doc, MovieNfo)
    assert result.doc.title == "Fast & Furious\xa06 &bogus; <"
    assert any("&" in w for w in result.warnings)


def test_control_characters_are_dropped_with_a_warning() -> None:
    result = parse_nfo(b"<movie><title>Bad\x01Title</title></movie>")
    assert isinstance(result.doc, MovieNfo) and result.doc.title == "BadTitle"
    assert result.warnings


# ------------------------------------------------------------------------------ encodings


def test_utf8_with_and_without_bom() -> None:
    text = '<?xml version="1.0" encoding="UTF-8"?><movie><title>Amélie – 天使</title></movie>'
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        result = parse_nfo(data)
        assert result.doc is not None and result.doc.title == "Amélie – 天使"
        assert result.warnings == ()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32(codec: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<movie><title>Amélie</title></movie>'
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        data = ("\ufeff" + text).encode(codec)  # explicit BOM
    result = parse_nfo(data)
    assert result.doc is not None and result.doc.title == "Amélie", result


def test_utf16_without_bom_is_detected() -> None:
    result = parse_nfo("<movie><title>Amélie</title></movie>".encode("utf-16-le"))
    assert result.doc is not None and result.doc.title == "Amélie"


def test_declared_latin1() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<movie><title>Amélie</title></movie>'.encode("latin-1")
    result = parse_nfo(data)
    assert result.doc is not None and result.doc.title == "Amélie"
    assert result.warnings == ()


def test_declared_windows1252_with_smart_quotes() -> None:
    text = '<?xml version="1.0" encoding="windows-1252"?><movie><title>“Quoted” – €</title></movie>'
    result = parse_nfo(text.encode("cp1252"))
    assert result.doc is not None and result.doc.title == "“Quoted” – €"


def test_undeclared_cp1252_falls_back_with_warning() -> None:
    data = "<movie><title>Léon – “The Professional”</title></movie>".encode("cp1252")
    result = parse_nfo(data)
    assert result.doc is not None and result.doc.title == "Léon – “The Professional”"
    assert any("cp1252" in w for w in result.warnings)


def test_declared_utf8_that_is_really_cp1252() -> None:
    data = '<?xml version="1.0" encoding="UTF-8"?><movie><title>Amélie</title></movie>'.encode("cp1252")
    result = parse_nfo(data)
    assert result.doc is not None and result.doc.title == "Amélie"
    assert any("cp1252" in w for w in result.warnings)


def test_unknown_declared_encoding_is_guessed() -> None:
    data = b'<?xml version="1.0" encoding="x-klingon"?><movie><title>Qapla</title></movie>'
    result = parse_nfo(data)
    assert result.doc is not None and result.doc.title == "Qapla"
    assert any("x-klingon" in w for w in result.warnings)


def test_str_input_is_accepted() -> None:
    assert parse_nfo(MATRIX).doc is not None


# ------------------------------------------------------------------------------ URL NFOs


@pytest.mark.parametrize(("text", "expected"), [
    ("https://www.themoviedb.org/movie/603", {"tmdb": "603"}),
    ("https://www.themoviedb.org/movie/603-the-matrix?language=de\n", {"tmdb": "603"}),
    ("http://www.imdb.com/title/tt0133093/", {"imdb": "tt0133093"}),
    ("https://m.imdb.com/de/title/tt0133093/?ref_=x", {"imdb": "tt0133093"}),
    ("https://thetvdb.com/series/81189", {"tvdb": "81189"}),
    ("http://thetvdb.com/?tab=series&id=81189&lid=7", {"tvdb": "81189"}),
    ("https://thetvdb.com/index.php?tab=series&id=81189", {"tvdb": "81189"}),
    ("https://www.themoviedb.org/tv/1396\r\nhttps://www.imdb.com/title/tt0903747/",
     {"tmdb": "1396", "imdb": "tt0903747"}),
    ("https://musicbrainz.org/artist/5D02F264-E225-41FF-83F7-D9B1F0B1874A",
     {"musicbrainzartistid": "5d02f264-e225-41ff-83f7-d9b1f0b1874a"}),
])
def test_url_only_nfo_gives_ids_only(text: str, expected: dict[str, str]) -> None:
    result = parse_nfo(text.encode())
    assert result.doc is None
    assert result.error is None
    assert dict(result.ids) == expected


def test_tvdb_slug_url_is_not_an_id() -> None:
    result = parse_nfo(b"https://thetvdb.com/series/breaking-bad")
    assert result.error is not None and result.error.code == "not_nfo"
    assert dict(result.ids) == {}


def test_scene_nfo_text_with_imdb_link() -> None:
    data = "   ▄▄▄ RELEASE ▄▄▄\r\n  Movie....: The Matrix\r\n  IMDb.....: https://www.imdb.com/title/tt0133093/\r\n"
    result = parse_nfo(data.encode("cp437"))
    assert dict(result.ids) == {"imdb": "tt0133093"}


def test_plain_text_without_ids_is_not_an_nfo() -> None:
    result = parse_nfo(b"just some notes about this movie")
    assert result.error is not None and result.error.code == "not_nfo"


def test_tmdb_tv_url_for_movie_hint_warns() -> None:
    result = parse_nfo(b"https://www.themoviedb.org/tv/1396", kind_hint="movie")
    assert dict(result.ids) == {"tmdb": "1396"}
    assert any("TV" in w for w in result.warnings)


def test_trailing_url_after_root_is_an_id_source() -> None:
    data = (b"<movie>\n  <title>The Matrix</title>\n</movie>\n"
            b"https://www.imdb.com/title/tt0133093/?tab=x&ref=y\n")
    result = parse_nfo(data)
    assert isinstance(result.doc, MovieNfo)
    assert dict(result.ids) == {"imdb": "tt0133093"}
    assert dict(result.doc.uniqueids) == {"imdb": "tt0133093"}
    assert any("outside" in w for w in result.warnings)


def test_trailing_url_never_overrides_the_xml() -> None:
    data = MATRIX.encode() + b"\nhttps://www.themoviedb.org/movie/604"
    result = parse_nfo(data)
    assert dict(result.ids) == {"tmdb": "603"}
    assert any("604" in w for w in result.warnings)


def test_url_before_root() -> None:
    data = b"https://www.themoviedb.org/movie/603\n<movie><title>The Matrix</title></movie>"
    result = parse_nfo(data)
    assert isinstance(result.doc, MovieNfo) and dict(result.ids) == {"tmdb": "603"}


# ------------------------------------------------------------------------------ legacy forms


@pytest.mark.parametrize(("body", "expected"), [
    ("<id>tt0133093</id>", {"imdb": "tt0133093"}),
    ("<id>603</id>", {"tmdb": "603"}),
    ("<tmdbid>603</tmdbid><imdbid>tt0133093</imdbid>", {"tmdb": "603", "imdb": "tt0133093"}),
    ('<id source="tmdb">603</id>', {"tmdb": "603"}),
    ('<uniqueid type="TMDB" default="true">603</uniqueid>', {"tmdb": "603"}),
    ('<uniqueid type="Imdb">0133093</uniqueid>', {"imdb": "tt0133093"}),
    ('<uniqueid>tt0133093</uniqueid>', {"imdb": "tt0133093"}),
    ('<uniqueid type="trakt">481</uniqueid>', {"trakt": "481"}),
    ('<tmdbid>600</tmdbid><uniqueid type="tmdb">603</uniqueid>', {"tmdb": "603"}),
])
def test_legacy_movie_id_forms(body: str, expected: dict[str, str]) -> None:
    result = parse_nfo(f"<movie><title>X</title>{body}</movie>".encode())
    assert result.error is None
    assert dict(result.ids) == expected
    assert isinstance(result.doc, MovieNfo) and dict(result.doc.uniqueids) == expected


def test_tvshow_legacy_ids() -> None:
    result = parse_nfo(b"<tvshow><title>BB</title><id>81189</id><tvdbid>81189</tvdbid>"
                       b"<tmdbid>1396</tmdbid></tvshow>")
    assert isinstance(result.doc, TvShowNfo)
    assert dict(result.ids) == {"tvdb": "81189", "tmdb": "1396"}
    assert result.doc.default_id == "tvdb"


def test_default_attribute_is_kept() -> None:
    result = parse_nfo(b'<movie><uniqueid type="tmdb">603</uniqueid>'
                       b'<uniqueid type="imdb" default="true">tt0133093</uniqueid></movie>')
    assert isinstance(result.doc, MovieNfo) and result.doc.default_id == "imdb"


def test_decimal_ratings_stay_decimal() -> None:
    result = parse_nfo(b'<movie><ratings><rating name="imdb" max="10" default="true"><value>8.2</value>'
                       b'<votes>1,234,567</votes></rating><rating name="tmdb"><value>7,9</value></rating>'
                       b"</ratings><userrating>8.5</userrating></movie>")
    doc = result.doc
    assert isinstance(doc, MovieNfo)
    assert doc.ratings == (Rating(name="imdb", value=Decimal("8.2"), votes=1234567, default=True),
                           Rating(name="themoviedb", value=Decimal("7.9")))
    assert doc.userrating == Decimal("8.5")


def test_legacy_top_level_rating() -> None:
    result = parse_nfo(b"<movie><rating>7.3</rating><votes>1200</votes></movie>")
    assert isinstance(result.doc, MovieNfo)
    assert result.doc.ratings == (Rating(name="default", value=Decimal("7.3"), votes=1200, default=True),)


def test_legacy_rating_beside_ratings_is_kept_as_unknown() -> None:
    result = parse_nfo(b'<movie><rating>7.3</rating><ratings><rating name="imdb"><value>8</value>'
                       b"</rating></ratings></movie>")
    assert isinstance(result.doc, MovieNfo)
    assert [r.name for r in result.doc.ratings] == ["imdb"]
    assert result.doc.unknown == ("<rating>7.3</rating>",)


def test_legacy_plain_set() -> None:
    result = parse_nfo(b"<movie><set>The Matrix Collection</set></movie>")
    assert isinstance(result.doc, MovieNfo)
    assert result.doc.set == MovieSet(name="The Matrix Collection")


def test_unknown_elements_are_preserved_verbatim() -> None:
    result = parse_nfo(b'<movie><title>X</title><fanart url="http://a/"><thumb preview="p">f.jpg</thumb>'
                       b"</fanart><status>Released</status><resume><position>0</position></resume></movie>")
    assert isinstance(result.doc, MovieNfo)
    assert result.doc.unknown == (
        '<fanart url="http://a/"><thumb preview="p">f.jpg</thumb></fanart>',
        "<status>Released</status>",  # a TV field: not modelled for movies, so kept raw
        "<resume><position>0</position></resume>",
    )


def test_case_insensitive_tags_and_kodi_runtime_forms() -> None:
    result = parse_nfo(b"<movie><Title>X</Title><RUNTIME>136 min</RUNTIME><year>1999</year></movie>")
    assert isinstance(result.doc, MovieNfo)
    assert (result.doc.title, result.doc.runtime, result.doc.year) == ("X", 136, 1999)


def test_stacked_episodedetails() -> None:
    data = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b"<episodedetails><title>One</title><season>1</season><episode>2</episode>"
            b'<uniqueid type="tvdb">11</uniqueid></episodedetails>\n'
            b"<episodedetails><title>Two</title><season>1</season><episode>3</episode></episodedetails>\n")
    result = parse_nfo(data)
    assert result.error is None, result
    assert isinstance(result.doc, EpisodesNfo)
    assert [(e.title, e.season, e.episode) for e in result.doc.episodes] == [("One", 1, 2), ("Two", 1, 3)]
    assert dict(result.ids) == {"tvdb": "11"}


def test_kind_hint_mismatch_warns() -> None:
    result = parse_nfo(MATRIX.encode(), kind_hint="tvshow")
    assert isinstance(result.doc, MovieNfo)
    assert any("expected a tvshow" in w for w in result.warnings)


def test_music_ids() -> None:
    result = parse_nfo(b"<artist><name>X</name><musicBrainzArtistID>5D02F264-E225-41FF-83F7-D9B1F0B1874A"
                       b"</musicBrainzArtistID></artist>")
    assert dict(result.ids) == {"musicbrainzartistid": "5d02f264-e225-41ff-83f7-d9b1f0b1874a"}


def test_legacy_album_artist_elements() -> None:
    result = parse_nfo(b"<album><title>T</title><artist>A</artist><artist>B</artist></album>")
    assert result.doc is not None
    assert [a.name for a in result.doc.artists] == ["A", "B"]  # type: ignore[union-attr]


def test_unwrap() -> None:
    assert isinstance(parse_nfo(MATRIX).unwrap(), MovieNfo)
    with pytest.raises(NfoError):
        parse_nfo(XXE).unwrap()
    with pytest.raises(NfoError):
        parse_nfo(b"https://www.themoviedb.org/movie/603").unwrap()
