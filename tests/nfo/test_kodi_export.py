"""An NFO as Kodi 20 exports it: every field we model is read, the rest survives a rewrite."""
from __future__ import annotations

from decimal import Decimal

from metarr.nfo import Actor, MovieNfo, MovieSet, Rating, parse_nfo, render_nfo

KODI_EXPORT = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<!-- created on 2024-05-01 12:00:00 - Kodi 20.1 -->
<movie>
    <title>The Matrix</title>
    <originaltitle>The Matrix</originaltitle>
    <sorttitle />
    <ratings>
        <rating name="imdb" max="10" default="true">
            <value>8.700000</value>
            <votes>2012345</votes>
        </rating>
        <rating name="themoviedb" max="10">
            <value>8.200000</value>
            <votes>25123</votes>
        </rating>
    </ratings>
    <userrating>0</userrating>
    <top250>0</top250>
    <outline />
    <plot>Set in the 22nd century, The Matrix tells the story of a computer hacker.</plot>
    <tagline>Welcome to the Real World.</tagline>
    <runtime>136</runtime>
    <thumb spoof="" cache="" aspect="poster" preview="https://image.tmdb.org/t/p/w500/p.jpg">https://image.tmdb.org/t/p/original/p.jpg</thumb>
    <fanart>
        <thumb colors="" preview="https://image.tmdb.org/t/p/w780/f.jpg">https://image.tmdb.org/t/p/original/f.jpg</thumb>
    </fanart>
    <mpaa>Rated R</mpaa>
    <playcount>0</playcount>
    <lastplayed />
    <id>tt0133093</id>
    <uniqueid type="imdb" default="true">tt0133093</uniqueid>
    <uniqueid type="tmdb">603</uniqueid>
    <genre>Action</genre>
    <genre>Science Fiction</genre>
    <country>United States of America</country>
    <set>
        <name>The Matrix Collection</name>
        <overview>The Matrix trilogy.</overview>
    </set>
    <credits>Lilly Wachowski</credits>
    <director>Lilly Wachowski</director>
    <premiered>1999-03-30</premiered>
    <year>1999</year>
    <status />
    <code />
    <aired />
    <studio>Warner Bros. Pictures</studio>
    <trailer>plugin://plugin.video.youtube/?action=play_video&amp;videoid=vKQi3bBA1y8</trailer>
    <fileinfo>
        <streamdetails>
            <video>
                <codec>h264</codec>
                <aspect>2.400000</aspect>
                <width>1920</width>
                <height>800</height>
                <durationinseconds>8164</durationinseconds>
                <stereomode></stereomode>
                <hdrtype></hdrtype>
            </video>
            <audio>
                <codec>dts</codec>
                <language>eng</language>
                <channels>6</channels>
            </audio>
        </streamdetails>
    </fileinfo>
    <actor>
        <name>Keanu Reeves</name>
        <role>Neo</role>
        <order>0</order>
        <thumb>https://image.tmdb.org/t/p/original/k.jpg</thumb>
    </actor>
    <resume>
        <position>0.000000</position>
        <total>0.000000</total>
    </resume>
    <dateadded>2024-05-01 11:59:00</dateadded>
</movie>
"""


def test_kodi_export_is_read() -> None:
    result = parse_nfo(KODI_EXPORT)
    assert result.error is None and result.warnings == ()
    doc = result.doc
    assert isinstance(doc, MovieNfo)
    assert dict(doc.uniqueids) == {"imdb": "tt0133093", "tmdb": "603"}
    assert doc.default_id == "imdb"  # the file's choice is respected
    assert doc.ratings == (Rating(name="imdb", value=Decimal("8.7"), votes=2012345, default=True),
                           Rating(name="themoviedb", value=Decimal("8.2"), votes=25123))
    assert doc.userrating == Decimal("0")
    assert doc.set == MovieSet(name="The Matrix Collection", overview="The Matrix trilogy.")
    assert doc.actors == (Actor(name="Keanu Reeves", role="Neo", order=0,
                                thumb="https://image.tmdb.org/t/p/original/k.jpg"),)
    assert doc.streamdetails.video[0].aspect == Decimal("2.4")
    assert doc.trailer == "plugin://plugin.video.youtube/?action=play_video&videoid=vKQi3bBA1y8"
    assert doc.sorttitle is None and doc.outline is None
    assert [u.split(">")[0] for u in doc.unknown] == [
        "<top250", '<thumb spoof="" cache="" aspect="poster" preview="https://image.tmdb.org/t/p/w500/p.jpg"',
        "<fanart", "<playcount", "<lastplayed /", "<status /", "<code /", "<aired /", "<resume",
    ]


def test_kodi_export_rewrite_is_a_fixed_point() -> None:
    first = parse_nfo(KODI_EXPORT).unwrap()
    rendered = render_nfo(first)
    second = parse_nfo(rendered).unwrap()
    assert second == first
    assert render_nfo(second) == rendered
