"""Emby, added through the player seam (metarr/players/kinds.py): one module, one emulator."""
from __future__ import annotations

import time

from metarr.db.database import connection
from metarr.db.integrations import Player
from metarr.jobs import chain

from .conftest import JF_MOVIES, MOVIES_ROOT


async def test_emby_is_a_player_kind_of_the_api_with_a_connection_test(api, emu):
    r = await api.post("/api/v1/players", json={"name": "Den", "kind": "emby", "url": emu.emby.url,
                                                "token": emu.emby.token})
    assert r.status == 201, await r.text()
    pid = (await r.json())["data"]["id"]
    res = (await (await api.post(f"/api/v1/players/{pid}/test")).json())["data"]
    assert res["ok"] and res["version"] == "4.8.10.0" and res["message"].startswith("Emby 4.8.10.0 'emby-emu'")
    # Emby's own header and base path, never Jellyfin's
    req = emu.emby.requests[-1]
    assert req.path == "/emby/System/Info" and req.headers["X-Emby-Token"] == emu.emby.token
    assert "Authorization" not in req.headers
    await api.patch(f"/api/v1/players/{pid}", json={"token": "wrong"})
    res = (await (await api.post(f"/api/v1/players/{pid}/test")).json())["data"]
    assert not res["ok"] and res["status"] == "auth_failed"
    spec = (await (await api.get("/api/v1/openapi.json")).json())
    assert "emby" in spec["components"]["schemas"]["PlayerCreate"]["properties"]["kind"]["enum"]


def test_a_published_movie_reaches_emby_through_sync(world, system):
    world.setting(sync__debounce_seconds=0.2)
    with connection(world.s.db):
        em = Player.create(name="Emby", kind="emby", url=world.emu.emby.url, token=world.emu.emby.token,
                           created_at=time.time())
    world.mapping(f"player:{em.id}", MOVIES_ROOT, JF_MOVIES)
    m = world.movie(1)
    world.enqueue(chain.entity_sync("movie", m.id, world.movies.id, [f"{m.folder}/movie.nfo"]))
    (job,) = world.wait_jobs("sync.player", 1)
    assert job["result"]["method"] == "media_updated"
    assert world.emu.emby.updates() == [{"Path": f"{JF_MOVIES}/{m.folder}", "UpdateType": "Modified"}]
