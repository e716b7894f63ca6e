"""Provider keys entered in the UI: write-only, the environment wins, and the items that waited for
the key are enriched at once."""
import pytest

from metarr.config import load_config
from tests.conftest import API_KEY, drain
from web.demo.emulation import TMDB_KEY
from web.demo.media import make_clip


@pytest.fixture
async def no_key_api(aiohttp_client, emu_env):
    from actors.system import open_services
    from web.app import create_app
    env = {k: v for k, v in emu_env.items() if k != "METARR_TMDB_API_KEY"}
    services = open_services(load_config(env))
    api = await aiohttp_client(create_app(services), headers={"X-Api-Key": API_KEY})
    yield api
    services.db.close()


async def data(r, status=200):
    assert r.status == status, await r.text()
    return (await r.json())["data"]


async def test_a_key_entered_in_settings_identifies_what_waited_for_it_and_is_never_shown(no_key_api, tmp_path):
    api = no_key_api
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    lib = await data(await api.post("/api/v1/libraries", json={
        "name": "Movies", "kind": "movie", "path": str(tmp_path / "Movies"), "watch": False}), 201)
    await api.post(f"/api/v1/libraries/{lib['id']}/scan")
    await drain(api)
    (m,) = await data(await api.get("/api/v1/movies"))
    assert (await data(await api.get(f"/api/v1/movies/{m['id']}")))["identify_reason"] == "no_key:tmdb"

    got = await data(await api.put("/api/v1/providers/tmdb/key", json={"key": TMDB_KEY}))
    assert got == {"name": "tmdb", "key_set": True, "key_source": "settings", "environment_wins": False,
                   "enrich_jobs": 1}
    await drain(api)
    d = await data(await api.get(f"/api/v1/movies/{m['id']}"))
    assert d["tmdb_id"] == 961 and d["identify_reason"] is None

    for path in ("/api/v1/providers", "/api/v1/settings"):
        r = await api.get(path)
        assert TMDB_KEY not in await r.text()
    tmdb = next(p for p in await data(await api.get("/api/v1/providers")) if p["name"] == "tmdb")
    assert tmdb["key_set"] is True and tmdb["key_source"] == "settings" and tmdb["state"] == "ok"

    got = await data(await api.delete("/api/v1/providers/tmdb/key"))
    assert got["key_set"] is False
    tmdb = next(p for p in await data(await api.get("/api/v1/providers")) if p["name"] == "tmdb")
    assert tmdb["state"] == "unconfigured"


async def test_keyless_providers_take_no_key_and_a_key_is_one_word(api):
    r = await api.put("/api/v1/providers/musicbrainz/key", json={"key": "x"})
    assert "takes no key" in (await r.json())["error"]["message"]
    r = await api.put("/api/v1/providers/nope/key", json={"key": "x"})
    assert r.status == 404
    r = await api.put("/api/v1/providers/tmdb/key", json={"key": "two words"})
    assert r.status == 400


async def test_a_stored_key_does_not_override_the_environment(aiohttp_client, emu_env):
    from actors.system import open_services
    from web.app import create_app
    services = open_services(load_config(emu_env))
    api = await aiohttp_client(create_app(services), headers={"X-Api-Key": API_KEY})
    got = await data(await api.put("/api/v1/providers/tmdb/key", json={"key": "something-else"}))
    assert got["key_source"] == "environment" and got["environment_wins"] is True
    from metarr.db.database import connection
    from metarr.sources import keys as provider_keys
    with connection(services.db):
        assert provider_keys.effective(services.config.provider_keys, services.db)["tmdb"] == TMDB_KEY
    services.db.close()
