"""The Plex item API as python-plexapi sends it, against the emulator (what it keeps, what it
refuses), and the pure decisions of the Plex sync."""
from __future__ import annotations

import pytest

from metarr.assets.ssrf import AllowList
from metarr.players.http import PlayerProtocolError
from metarr.players.plex import PlexClient
from metarr.players.plex_plan import (
    MAX_QUERY,
    ArtFile,
    SectionIndex,
    Want,
    art_action,
    edit_queries,
    field_edits,
    show_ordering,
)
from web.demo.media import make_image

LOOP = AllowList.parse("127.0.0.1")


@pytest.fixture
def px(emu):
    emu.plex.add_section("1", "movie", "Movies", "/media/movies")
    emu.plex.add_section("2", "show", "TV", "/media/tv")
    return PlexClient(emu.plex.url, emu.plex.token, allow=LOOP)


def test_listing_pages_and_full_items(emu, px, monkeypatch):
    from metarr.players import plex
    monkeypatch.setattr(plex, "PAGE", 2)
    keys = [emu.plex.library.add_movie(f"/media/movies/M{i}/M{i}.mkv") for i in range(5)]
    emu.plex.library.add_episode("/media/tv/Show/Season 01/Show - S01E02.mkv")
    got = px.items("1", 1)
    assert [m["ratingKey"] for m in got] == keys
    pages = [r.query for r in emu.plex.requests if r.path == "/library/sections/1/all"]
    assert [q["X-Plex-Container-Start"] for q in pages] == ["0", "2", "4"] and pages[0]["type"] == "1"
    (ep,) = px.items("2", 4)
    assert (ep["parentIndex"], ep["index"], ep["Media"][0]["Part"][0]["file"]) == (
        2 - 1, 2, "/media/tv/Show/Season 01/Show - S01E02.mkv")
    full = px.metadata(keys[:2])
    assert set(full) == set(keys[:2]) and full[keys[0]]["Field"] == []
    assert [c["index"] for c in px.children(ep["grandparentRatingKey"])] == [1]


def test_section_edit_values_locks_and_tags(emu, px):
    lib = emu.plex.library
    key = lib.add_movie("/media/movies/A/A.mkv", Genre=[{"tag": "Drama"}, {"tag": "Crime"}])
    want = Want("movie", 1, {"title": "A & B", "summary": "Line 1\nLine 2", "originallyAvailableAt": "2001-02-03"},
                genres=("Crime", "Thriller"), collections=("Box",))
    edits = field_edits(want, px.metadata([key])[key], lock_art=("thumb",))
    for q in edit_queries("1", 1, key, edits):
        px.edit(q)
    item = lib.items[key]
    assert (item["title"], item["summary"], item["originallyAvailableAt"]) == ("A & B", "Line 1\nLine 2", "2001-02-03")
    assert lib.tags(key, "genre") == ["Crime", "Thriller"] and lib.tags(key, "collection") == ["Box"]
    assert lib.locked(key) == {"title", "summary", "originallyAvailableAt", "genre", "collection", "thumb"}
    # as python-plexapi sends it: type, id, sorted keys, values quoted
    q = emu.plex.requests[-1].query
    assert q["type"] == "1" and q["id"] == key and q["title.value"] == "A & B" and q["genre[].tag.tag-"] == "Drama"
    # now it holds all of it: nothing to send
    assert field_edits(want, px.metadata([key])[key], lock_art=("thumb",)) == {}


def test_plex_refuses_what_it_refuses(emu, px):
    lib = emu.plex.library
    key = lib.add_movie("/media/movies/A/A.mkv")
    for path, status in ((f"/library/sections/1/all?id={key}&title.value=x", 400),          # no type
                         ("/library/sections/1/all?type=1&id=999&title.value=x", 404),      # unknown item
                         (f"/library/sections/2/all?type=1&id={key}&title.value=x", 404),    # not in that section
                         (f"/library/sections/1/all?type=2&id={key}&title.value=x", 400),    # not a show
                         (f"/library/sections/1/all?type=1&id={key}&originallyAvailableAt.value=May", 400),
                         (f"/library/metadata/{key}/prefs?showOrdering=dvd", 400)):          # a movie has none
        with pytest.raises(PlayerProtocolError) as e:
            px.edit(path)
        assert e.value.status == status, path
    with pytest.raises(PlayerProtocolError) as e:
        px.upload(key, "thumb", b"<html>not an image</html>")
    assert e.value.status == 400
    with pytest.raises(PlayerProtocolError) as e:
        px.select(key, "thumb", "upload://posters/nothing")
    assert e.value.status == 404
    assert lib.edits == [] and lib.items[key]["title"] == "A"


def test_upload_select_and_serve_images(emu, px, tmp_path):
    lib = emu.plex.library
    key = lib.add_movie("/media/movies/A/A.mkv")
    data = make_image(tmp_path / "p.jpg").read_bytes()
    import hashlib
    sha1 = hashlib.sha1(data).hexdigest()
    assert art_action("thumb", sha1, px.photos(key, "thumb")) == ("upload", None)
    px.upload(key, "thumb", data)
    assert lib.image(key, "thumb") == data and px.image(lib.items[key]["thumb"]) == data
    assert art_action("thumb", sha1, px.photos(key, "thumb")) == ("keep", None)
    px.select(key, "thumb", px.photos(key, "thumb")[0]["ratingKey"])        # the agent's one again
    assert art_action("thumb", sha1, px.photos(key, "thumb")) == ("select", f"upload://posters/{sha1}")
    assert art_action("art", sha1, [{"ratingKey": "upload://arts/other", "selected": True}]) == ("compare", None)


def test_show_ordering_is_kept_and_refused_when_unknown(emu, px):
    lib = emu.plex.library
    ep = lib.add_episode("/media/tv/Show/Season 01/Show - S01E01.mkv")
    show = lib.items[ep]["grandparentRatingKey"]
    px.set_ordering(show, "absolute")
    assert px.metadata([show])[show]["showOrdering"] == "absolute"
    with pytest.raises(PlayerProtocolError):
        px.set_ordering(show, "story-arc")
    assert show_ordering("aired", has_tvdb=True) == "aired" and show_ordering("aired", has_tvdb=False) == "tmdbAiring"
    assert show_ordering("tvdb:dvd", True) == "dvd" and show_ordering("tmdb-group:abc", True) is None
    assert show_ordering(None, True) is None


def test_long_edits_are_split_and_files_found_by_part():
    edits = {"summary.value": "é" * 500, "tagline.value": "t" * 1000, "title.value": "T",
             **{f"genre[{i}].tag.tag": f"G{i}" * 40 for i in range(30)}, "genre.locked": "1"}
    paths = edit_queries("1", 1, "7", edits)
    assert len(paths) > 1 and all(len(p) < MAX_QUERY + 100 for p in paths)
    assert sum("genre[" in p for p in paths) == 1          # a tag list is never split
    assert all("type=1" in p and "id=7" in p for p in paths)
    idx = SectionIndex("1")
    idx.add({"ratingKey": "5", "Media": [{"Part": [{"file": "/m/A/VIDEO_TS/VIDEO_TS.IFO"}]}]})
    assert idx.movie(None, "/m/A") == "5" and idx.movie("/m/A/other.mkv", "/m/A") is None
    assert ArtFile("/x", "y").path == "/x"
    # Plex split one show into two items: the one holding most of the folder's episodes is it
    for rk, show, n in (("8", "20", 1), ("9", "21", 2), ("10", "21", 3)):
        idx.add({"ratingKey": rk, "grandparentRatingKey": show, "parentIndex": 1, "index": n,
                 "Media": [{"Part": [{"file": f"/tv/S/Season 01/S - S01E0{n}.mkv"}]}]})
    assert idx.show("/tv/S") == "21" and idx.episode("/tv/S/Season 01/S - S01E01.mkv") == "8"


def test_a_shows_episode_ordering_is_set_once_then_the_show_refreshed(emu, px):
    from metarr.players import plex_sync
    from metarr.players.model import Change
    lib = emu.plex.library
    ep = lib.add_episode("/media/tv/Show/Season 01/Show - S01E01.mkv")
    show = lib.items[ep]["grandparentRatingKey"]
    c = Change(1, "tv", "/media/tv", "/media/tv/Show", "series", entity_id=1)
    want = Want("series", 1, ordering="dvd")
    for _ in range(2):    # the second time Plex holds it: nothing sent
        plex_sync._apply(px, [(c, "2", show, want)], stats := plex_sync.Stats())
    assert lib.items[show]["showOrdering"] == "dvd" and lib.item_refreshes == [show]
    assert stats.ordered == 0
    assert [r.query for r in emu.plex.requests if r.path.endswith("/prefs")] == [{"showOrdering": "dvd"}]
