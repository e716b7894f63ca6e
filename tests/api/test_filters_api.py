"""Every grid filter as API query parameters (metarr/library/filters.py), through the real app,
on rows as scan, enrichment and publish leave them; stream details read from real files."""
import subprocess
import time

import pytest

from metarr import metadata as md
from metarr.db.media import Album, Artist, ArtworkSlot, CacheFile, Movie, Series
from metarr.db.models import Library
from tests.conftest import drain
from web.demo.media import make_clip

DAY = 86400


def _lib(tmp_path, name, kind="movie"):
    now = time.time()
    root = tmp_path / name
    root.mkdir(exist_ok=True)
    return Library.create(name=name, kind=kind, path=str(root), created_at=now, updated_at=now, watch=False)


def _movie(lib, title, year, **kw):
    now = time.time()
    values = dict(library_id=lib.id, key=f"{title}/{title}.mkv", folder=title, title=title, year=year,
                  date_added=now, created_at=now, updated_at=now)
    values.update(kw)
    return Movie.create(**values)


def _poster(kind, eid, slot="poster"):
    cf = CacheFile.get_or_none(CacheFile.sha256 == "a" * 64) or CacheFile.create(
        sha256="a" * 64, path="cache/x.jpg", size=1, mime="image/jpeg", origin="local", created_at=time.time())
    ArtworkSlot.create(entity_type=kind, entity_id=eid, slot=slot, rank=0, cache_file_id=cf.id, source="local",
                       updated_at=time.time())


@pytest.fixture
def world(services, tmp_path):
    a, b = _lib(tmp_path, "A"), _lib(tmp_path, "B")
    now = time.time()
    m = {
        "alien": _movie(a, "Alien", 1979, state="published", published_at=now, tmdb_id=348, content_rating="R",
                        date_added=now - 100 * DAY),
        "aliens": _movie(a, "Aliens", 1986, state="enriched", tmdb_id=679, content_rating="Rated R"),
        "dup": _movie(b, "Alien (copy)", 1979, state="enriched", tmdb_id=348, content_rating="US:PG-13",
                      date_added=now - 40 * DAY),
        "dracula": _movie(b, "Dracula", 1931, state="ambiguous", date_added=now - 3 * DAY),
        "nobody": _movie(b, "Nobody", 2021, state="unidentified"),
        "gone": _movie(b, "Gone", 2000, state="enriched", deleted_at=now),
    }
    md.apply(services.db, "movie", m["alien"].id, md.Update("provider:tmdb", lists={"genres": ["Horror", "Sci-Fi"],
                                                                                     "tags": ["classic"]}))
    md.apply(services.db, "movie", m["aliens"].id, md.Update("provider:tmdb", lists={"genres": ["Action"]}))
    md.apply(services.db, "movie", m["dracula"].id, md.Update("user", {"title": "Dracula"}, lock=True))
    _poster("movie", m["alien"].id)
    _poster("movie", m["aliens"].id)
    _poster("movie", m["aliens"].id, "fanart")
    _poster("movie", m["dup"].id, "fanart")
    return {k: v.id for k, v in m.items()} | {"a": a.id, "b": b.id}


async def _ids(api, query, kind="movies"):
    r = await api.get(f"/api/v1/{kind}?{query}&limit=500")
    body = await r.json()
    assert r.status == 200, body
    assert body["meta"]["total"] == len(body["data"])
    return {row["id"] for row in body["data"]}


async def test_each_filter_finds_exactly_its_items(api, world):
    w = world
    cases = {
        f"library_id={w['a']}": {"alien", "aliens"},
        f"library_id={w['a']},{w['b']}": {"alien", "aliens", "dup", "dracula", "nobody"},
        "state=unidentified,ambiguous": {"dracula", "nobody"},
        "missing=poster": {"dup", "dracula", "nobody"},
        "missing=poster,fanart": {"dracula", "nobody"},
        "missing=fanart": {"alien", "dracula", "nobody"},
        "locked=true": {"dracula"},
        "locked=false": {"alien", "aliens", "dup", "nobody"},
        "published=false": {"aliens", "dup", "dracula", "nobody"},
        "published=true": {"alien"},
        "publish_pending=true": {"aliens", "dup"},
        "duplicates=true": {"alien", "dup"},
        "duplicates=false": {"aliens", "dracula", "nobody"},
        "added_days=7": {"aliens", "dracula", "nobody"},
        "added_days=60": {"aliens", "dup", "dracula", "nobody"},
        "genre=horror": {"alien"},
        "genre=Action&genre=Horror": {"alien", "aliens"},
        "tag=classic": {"alien"},
        "year=1979": {"alien", "dup"},
        "year_min=1980&year_max=2000": {"aliens"},
        "year_min=2000": {"nobody"},
        "certification=R": {"alien", "aliens"},
        "certification=PG-13": {"dup"},
        "deleted=true": {"gone"},
        "state=enriched&missing=poster": {"dup"},
    }
    for query, want in cases.items():
        assert await _ids(api, query) == {w[k] for k in want}, query


async def test_bad_values_are_400_in_words(api, world):
    for query, words in (("state=lost", "'lost' is not a state"), ("missing=cover", "not an artwork slot"),
                         ("locked=maybe", "true or false"), ("resolution=1000", "not a resolution"),
                         ("hdr=hdr11", "not an HDR type"), ("audio_channels=x", "whole number"),
                         ("audio_channels=99", "between 1 and 32"), ("added_days=0", "between 1"),
                         ("year_min=2000&year_max=1990", "after year_max"), ("subtitle=english!", "language code"),
                         ("library_id=-1", "whole number"), ("video_codec=h%3B264", "codec names")):
        r = await api.get(f"/api/v1/movies?{query}")
        body = await r.json()
        assert r.status == 400, query
        assert words in body["error"]["message"], (query, body)
    r = await api.get("/api/v1/artists?year=1990")
    assert r.status == 400 and "artists have no year" in (await r.json())["error"]["message"]
    r = await api.get("/api/v1/albums?certification=R")
    assert r.status == 400


async def test_series_artists_and_albums_take_their_filters(api, services, tmp_path):
    tv, music = _lib(tmp_path, "TV", "tv"), _lib(tmp_path, "Music", "music")
    now = time.time()
    s1 = Series.create(library_id=tv.id, key="A", title="A", year=2001, tvdb_id=1, date_added=now, created_at=now,
                       updated_at=now, state="enriched")
    s2 = Series.create(library_id=tv.id, key="B", title="B", year=2011, tvdb_id=1, date_added=now, created_at=now,
                       updated_at=now, state="enriched")
    _poster("series", s1.id)
    ar = Artist.create(library_id=music.id, key="X", name="X", musicbrainz_id="m1", date_added=now, created_at=now,
                       updated_at=now, state="unidentified")
    al = Album.create(library_id=music.id, artist_id=ar.id, key="X/Y", title="Y", year=1999, date_added=now,
                      created_at=now, updated_at=now)
    _poster("artist", ar.id, "thumb")
    assert await _ids(api, "missing=poster", "series") == {s2.id}
    assert await _ids(api, "duplicates=true", "series") == {s1.id, s2.id}
    assert await _ids(api, "year_min=2010", "series") == {s2.id}
    assert await _ids(api, "missing=thumb", "artists") == set()
    assert await _ids(api, "state=unidentified", "artists") == {ar.id}
    assert await _ids(api, f"artist_id={ar.id}&year=1999", "albums") == {al.id}
    assert await _ids(api, "missing=thumb", "albums") == {al.id}


def _clip_720p_51_subs(path, tmp_path):
    """A real 1280×720 MPEG-4 video with a 5.1 audio track and a German subtitle track."""
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nHallo\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=1280x720:rate=5",
                    "-f", "lavfi", "-i", "sine=duration=1", "-i", str(srt), "-map", "0", "-map", "1", "-map", "2",
                    "-c:v", "mpeg4", "-c:a", "aac", "-ac", "6", "-c:s", "srt", "-metadata:s:s:0", "language=ger",
                    "-shortest", str(path)], check=True)


async def test_stream_filters_read_what_the_probe_found_in_real_files(api, services, tmp_path):
    root = tmp_path / "Movies"
    _clip_720p_51_subs(root / "Big (2000)" / "Big (2000).mkv", tmp_path)
    make_clip(root / "Small (2001)" / "Small (2001).mkv", "hdr")
    make_clip(root / "Plain (2002)" / "Plain (2002).mkv")
    (root / "Plain (2002)" / "Plain (2002).en.srt").write_text("1\n00:00:00,000 --> 00:00:00,500\nHi\n")
    r = await api.post("/api/v1/libraries", json={"name": "M", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_enrich": False})
    lib = (await r.json())["data"]["id"]
    assert (await api.post(f"/api/v1/libraries/{lib}/scan")).status == 202
    await drain(api)
    by_title = {m["title"]: m["id"] for m in (await (await api.get("/api/v1/movies")).json())["data"]}
    assert set(by_title) == {"Big", "Small", "Plain"}
    big, small, plain = by_title["Big"], by_title["Small"], by_title["Plain"]
    cases = {"resolution=720": {big}, "resolution=480": {small, plain}, "resolution=1080p,720p": {big},
             "hdr=true": {small}, "hdr=hdr10": {small}, "hdr=false": {big, plain}, "video_codec=h264": {small, plain},
             "video_codec=mpeg4": {big}, "audio_channels=6": {big}, "audio_channels_min=2": {big},
             "audio_channels=1": {plain}, "subtitle=de": {big}, "subtitle=deu": {big}, "subtitle=en": {plain},
             "subtitle=fr": set(), "resolution=720&subtitle=de&audio_channels_min=6": {big}}
    for query, want in cases.items():
        assert await _ids(api, query) == want, query


async def test_the_grid_page_takes_several_genres_in_its_box(api, world):
    """The grid's Genres box: "Action, Horror" is either genre, as the API's repeated parameter."""
    html = await (await api.get("/movies?genre=Action,%20Horror")).text()
    assert "2 item(s)" in html and 'value="Action, Horror"' in html
    html = await (await api.get("/movies?genre=horror")).text()
    assert "1 item(s)" in html
