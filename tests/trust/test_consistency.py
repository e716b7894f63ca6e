"""The API says the same thing wherever one asks, and what was written is called published."""
import asyncio

from metarr.nfo.read import parse_nfo
from web.demo.media import make_clip, make_track

from .conftest import add_library, data, drain


async def test_detail_poster_and_candidates_agree_with_list_and_candidates(chain, tmp_path):
    api, _ = chain
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    await drain(api)
    (listed,) = await data(api, "/api/v1/movies")
    detail = await data(api, f"/api/v1/movies/{listed['id']}")
    assert listed["poster"] and detail["poster"] == listed["poster"]
    cands = await data(api, f"/api/v1/movies/{listed['id']}/candidates")
    assert cands and [c["id"] for c in detail["candidates"]] == [c["id"] for c in cands]


async def test_an_album_whose_files_were_written_is_published_and_the_artist_grid_shows_its_thumb(chain, tmp_path):
    api, _ = chain
    music = tmp_path / "Music"
    make_track(music / "Scott Joplin" / "Ragtime (1902)" / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime",
               "The Entertainer", 1)
    await add_library(api, "Music", "music", music)
    assert (await drain(api, timeout=90))["dead"] == 0
    assert (music / "Scott Joplin" / "Ragtime (1902)" / "album.nfo").exists()
    (album,) = await data(api, "/api/v1/albums")
    assert album["state"] == "published"
    assert (await data(api, f"/api/v1/albums/{album['id']}"))["published_at"] is not None
    (artist,) = await data(api, "/api/v1/artists")
    assert "thumb" in (await data(api, f"/api/v1/artists/{artist['id']}"))["assets"]
    assert artist["poster"], "the grid shows 'no artwork' for an artist that has a thumb"


async def test_an_edit_reaches_the_nfo_when_the_library_publishes_by_itself(chain, tmp_path):
    api, _ = chain
    folder = tmp_path / "Movies" / "The General (1926)"
    make_clip(folder / "The General (1926).mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    await drain(api)
    (m,) = await data(api, "/api/v1/movies")
    r = await api.patch(f"/api/v1/movies/{m['id']}", json={"plot": "A train, a general, a girl."})
    assert r.status == 200
    await asyncio.sleep(0.3)
    await drain(api)
    doc = parse_nfo((folder / "The General (1926).nfo").read_bytes()).doc
    assert doc.plot == "A train, a general, a girl."
