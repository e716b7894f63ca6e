"""Every item its page (SPEC §10 UI routes): a season, an episode and an album have pages with
their fields, locks and artwork slots, linked from their parents; the UI shows cast photos from
Metarr's cache only."""
from tests.conftest import drain
from tests.trust.conftest import add_library, data
from web.demo.media import make_clip, make_track


async def _library(api, tmp_path):
    show = tmp_path / "TV" / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E02.mkv")
    make_track(tmp_path / "Music" / "Scott Joplin" / "Ragtime (1902)" / "01 - The Entertainer.flac",
               "Scott Joplin", "Ragtime", "The Entertainer", 1)
    await add_library(api, "TV", "tv", tmp_path / "TV")
    await add_library(api, "Music", "music", tmp_path / "Music")
    assert (await drain(api))["dead"] == 0
    (series,) = await data(api, "/api/v1/series")
    (artist,) = await data(api, "/api/v1/artists")
    return series, artist


async def test_season_and_episode_pages_with_fields_locks_and_artwork(chain, tmp_path):
    api, _ = chain
    series, _ = await _library(api, tmp_path)
    sid = series["id"]
    episodes = await data(api, f"/api/v1/series/{sid}/episodes")
    e1 = next(e for e in episodes if (e["season"], e["episode"]) == (1, 1))
    html = await (await api.get(f"/series/{sid}")).text()
    assert f'<a href="/series/{sid}/season/1">Season 1</a>' in html
    assert f'<a href="/episodes/{e1["id"]}">S01E01</a>' in html

    r = await api.get(f"/series/{sid}/season/1")
    assert r.status == 200
    html = await r.text()
    season = (await data(api, f"/api/v1/series/{sid}"))["seasons"]
    season_id = next(s["id"] for s in season if s["number"] == 1)
    assert f'<a href="/series/{sid}">Sherlock Holmes</a>' in html            # up to the show
    assert f'data-url="/api/v1/seasons/{season_id}/locks/plot"' in html       # its fields and locks
    assert all(f'data-slot="{slot}"' in html for slot in ("poster", "banner", "landscape", "fanart"))
    assert f'<a href="/episodes/{e1["id"]}">S01E01</a>' in html                 # down to its episodes
    assert html.count('data-episode="') == 2

    r = await api.get(f"/episodes/{e1['id']}")
    assert r.status == 200
    html = await r.text()
    assert "<h1>S01E01 · " in html
    assert f'<a href="/series/{sid}/season/1">Season 1</a>' in html
    assert f'data-api="PATCH /api/v1/episodes/{e1["id"]}"' in html
    assert f'data-url="/api/v1/episodes/{e1["id"]}/locks/aired"' in html and 'id="f-aired"' in html
    assert 'data-slot="thumb"' in html and "Sherlock Holmes (1954) - S01E01.mkv" in html
    assert f'href="/series/{sid}#ph"' in html                                   # published with the show

    # a lock set on the page's API holds and the page shows it
    r = await api.put(f"/api/v1/episodes/{e1['id']}/locks/title", json={"locked": True})
    assert r.status == 200
    html = await (await api.get(f"/episodes/{e1['id']}")).text()
    assert f'aria-pressed="true" data-url="/api/v1/episodes/{e1["id"]}/locks/title"' in html

    assert (await api.get(f"/series/{sid}/season/9")).status == 404
    assert (await api.get("/episodes/999999")).status == 404


async def test_album_page_linked_from_its_artist(chain, tmp_path):
    api, _ = chain
    _, artist = await _library(api, tmp_path)
    (album,) = await data(api, f"/api/v1/albums?artist_id={artist['id']}")
    html = await (await api.get(f"/artists/{artist['id']}")).text()
    assert f'<a href="/albums/{album["id"]}">Ragtime</a>' in html
    r = await api.get(f"/albums/{album['id']}")
    assert r.status == 200
    html = await r.text()
    assert f'<a href="/artists/{artist["id"]}">Scott Joplin</a>' in html
    assert f'data-url="/api/v1/albums/{album["id"]}/locks/label"' in html and 'id="f-label"' in html
    assert 'data-slot="thumb"' in html and 'data-slot="discart"' in html
    assert "The Entertainer" in html                                           # its tracks
    assert (await api.get("/albums/999999")).status == 404
    assert (await api.get("/albums/x1")).status == 404


async def test_cast_photos_come_from_the_cache_never_the_provider(chain, tmp_path):
    api, _ = chain
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    assert (await drain(api))["dead"] == 0
    (movie,) = await data(api, "/api/v1/movies")
    cast = (await data(api, f"/api/v1/movies/{movie['id']}"))["cast"]
    assert len(cast) == 2 and all(c["thumb"].startswith("http") for c in cast)     # the provider's address
    assert all(c["photo"].startswith("/api/v1/assets/") for c in cast)             # and the cached copy
    html = await (await api.get(f"/movies/{movie['id']}")).text()
    section = html.split('id="ch"')[1].split("</section>")[0]
    assert all(c["thumb"] not in section for c in cast)
    assert section.count('src="/api/v1/assets/') == 2
    for c in cast:
        r = await api.get(c["photo"] + "?size=150")
        assert r.status == 200 and r.content_type == "image/jpeg"


async def test_a_slot_and_its_picker_give_the_same_size(chain, tmp_path):
    """The poster slot said "400×600" while its picker said "size unknown": a cached candidate shows
    the cached file's size, and its preview comes from the cache."""
    import re
    api, _ = chain
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    assert (await drain(api))["dead"] == 0
    (movie,) = await data(api, "/api/v1/movies")
    html = await (await api.get(f"/movies/{movie['id']}")).text()
    slot = html.split('data-slot="poster"')[1].split('<div class="slot"')[0]
    shown = re.search(r"· (\d+)×(\d+)</span>", slot).groups()
    chosen = slot.split('class="cand selected"')[1].split("</button>")[0]
    assert f"{shown[0]}×{shown[1]}" in chosen and "size" not in chosen.split("<b>")[1].split("</div>")[0]
    assert 'src="/api/v1/assets/' in chosen
