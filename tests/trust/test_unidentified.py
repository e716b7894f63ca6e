"""Unidentified items are not published as if they were done: no NFO (Kodi would take a bare one as
the item's metadata and never scrape it), a state that says so, and the reason in words."""
import pytest

from web.demo.media import make_clip

from .conftest import add_library, data, drain


@pytest.fixture
def no_tmdb_key(emu_env):
    emu_env.pop("METARR_TMDB_API_KEY")


async def test_without_a_tmdb_key_nothing_is_written_and_the_item_says_why(no_tmdb_key, chain, tmp_path):
    api, services = chain
    folder = tmp_path / "Movies" / "The General (1926)"
    make_clip(folder / "The General (1926).mkv")
    lid = await add_library(api, "Movies", "movie", tmp_path / "Movies")
    assert (await drain(api))["dead"] == 0
    await api.post(f"/api/v1/libraries/{lid}/publish")     # even asked for explicitly
    assert (await drain(api))["dead"] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["The General (1926).mkv"]
    (m,) = await data(api, "/api/v1/movies")
    assert m["state"] == "unidentified" and m["identify_reason"] == "no_key:tmdb"
    detail = await data(api, f"/api/v1/movies/{m['id']}")
    assert detail["identify_reason"] == "no_key:tmdb" and detail["published_at"] is None
    r = await api.post(f"/api/v1/movies/{m['id']}/publish?dry_run=true")
    assert r.status == 409 and "no TMDB API key set" in (await r.json())["error"]["message"]
    # the publish itself answers the same, at once: no job that "succeeds" writing nothing
    jobs_before = len(await data(api, "/api/v1/jobs?type=publish.movie&limit=500"))
    r = await api.post(f"/api/v1/movies/{m['id']}/publish")
    assert r.status == 409
    assert (await r.json())["error"]["message"] == (
        f"movie {m['id']} is not identified (no TMDB API key set): nothing published")
    assert len(await data(api, "/api/v1/jobs?type=publish.movie&limit=500")) == jobs_before
    # the item page says it in words
    page = await (await api.get(f"/movies/{m['id']}")).text()
    assert "no TMDB API key set" in page
    # a user who wants bare NFOs anyway can have them
    await api.patch("/api/v1/settings", json={"publish.unidentified": True})
    await api.post(f"/api/v1/movies/{m['id']}/publish")
    await drain(api)
    assert (folder / "The General (1926).nfo").exists()


async def test_an_ambiguous_item_gets_no_nfo_from_a_library_publish(chain, tmp_path):
    api, services = chain
    folder = tmp_path / "Movies" / "Dracula"
    make_clip(folder / "Dracula.mkv")
    lid = await add_library(api, "Movies", "movie", tmp_path / "Movies")
    await drain(api)
    await api.post(f"/api/v1/libraries/{lid}/publish")
    assert (await drain(api))["dead"] == 0
    assert not list(folder.glob("*.nfo"))
    (m,) = await data(api, "/api/v1/movies?state=ambiguous")
    assert m["identify_reason"] == "ambiguous"
