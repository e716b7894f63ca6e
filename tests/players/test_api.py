"""REST: players and groups CRUD (secrets never returned), connection test, path-mapping test."""
from __future__ import annotations


async def create(api, path, body, status=201):
    r = await api.post(path, json=body)
    doc = await r.json()
    assert r.status == status, doc
    return doc["data"] if doc["success"] else doc["error"]


async def test_player_crud_never_returns_secrets(api, emu):
    p = await create(api, "/api/v1/players", {"name": "Lounge", "kind": "kodi", "url": emu.kodi.url + "/",
                                              "username": "kodi", "password": "secret",
                                              "options": {"skip_when_playing": True, "when_playing": "defer"}})
    assert p["password_set"] and not p["token_set"] and "password" not in p and p["url"] == emu.kodi.url
    jf = await create(api, "/api/v1/players", {"name": "JF", "kind": "jellyfin", "url": emu.jellyfin.url,
                                               "token": emu.jellyfin.token})
    for path in ("/api/v1/players", f"/api/v1/players/{jf['id']}"):
        text = await (await api.get(path)).text()
        assert emu.jellyfin.token not in text and "secret" not in text
    r = await api.get("/api/v1/players")
    doc = await r.json()
    assert doc["meta"]["total"] == 2 and [x["name"] for x in doc["data"]] == ["Lounge", "JF"]
    r = await api.patch(f"/api/v1/players/{p['id']}", json={"enabled": False, "password": ""})
    upd = (await r.json())["data"]
    assert upd["enabled"] is False and upd["password_set"] is False
    r = await api.delete(f"/api/v1/players/{p['id']}")
    assert r.status == 200
    assert (await api.get(f"/api/v1/players/{p['id']}")).status == 404


async def test_player_validation_is_400_with_a_message(api):
    base = {"name": "X", "kind": "kodi", "url": "http://kodi:8080"}
    for bad, word in ((dict(base, kind="vlc"), "kind"), (dict(base, url="kodi:8080"), "url"),
                      (dict(base, options={"colour": 1}), "unknown option"),
                      (dict(base, options={"timeout": 500}), "timeout"),
                      (dict(base, group_id=999), "group"), ({"kind": "kodi"}, "name"),
                      (dict(base, enabled="yes"), "enabled")):
        err = await create(api, "/api/v1/players", bad, status=400)
        assert word in err["message"], (bad, err)
    assert (await api.patch("/api/v1/players/999", json={"name": "y"})).status == 404
    assert (await api.post("/api/v1/players/abc/test")).status == 404


async def test_groups_crud_and_delete_ungroups_members(api, emu):
    g = await create(api, "/api/v1/player-groups", {"name": "Shared MySQL"})
    a = await create(api, "/api/v1/players", {"name": "A", "kind": "kodi", "url": emu.kodi.url, "group_id": g["id"]})
    await create(api, "/api/v1/players", {"name": "B", "kind": "kodi", "url": emu.kodi2.url, "group_id": g["id"]})
    got = (await (await api.get(f"/api/v1/player-groups/{g['id']}")).json())["data"]
    assert got["name"] == "Shared MySQL" and len(got["player_ids"]) == 2
    r = await api.patch(f"/api/v1/player-groups/{g['id']}", json={"name": "Renamed"})
    assert (await r.json())["data"]["name"] == "Renamed"
    await create(api, "/api/v1/path-mappings", {"scope": f"group:{g['id']}", "from": "/data", "to": "smb://nas"})
    assert (await api.delete(f"/api/v1/player-groups/{g['id']}")).status == 200
    p = (await (await api.get(f"/api/v1/players/{a['id']}")).json())["data"]
    assert p["group_id"] is None
    maps = (await (await api.get("/api/v1/path-mappings")).json())["data"]
    assert maps == []
    assert (await create(api, "/api/v1/player-groups", {"name": " "}, status=400))["code"] == "bad_request"


async def test_connection_test_endpoint(api, emu):
    ok = await create(api, "/api/v1/players", {"name": "K", "kind": "kodi", "url": emu.kodi.url,
                                               "username": "kodi", "password": "secret"})
    r = await api.post(f"/api/v1/players/{ok['id']}/test")
    res = (await r.json())["data"]
    assert r.status == 200 and res["ok"] and "Kodi answered" in res["message"]
    await api.patch(f"/api/v1/players/{ok['id']}", json={"password": "wrong"})
    res = (await (await api.post(f"/api/v1/players/{ok['id']}/test")).json())["data"]
    assert not res["ok"] and res["status"] == "auth_failed"
    assert (await (await api.get(f"/api/v1/players/{ok['id']}")).json())["data"]["last_status"] == "auth_failed"
    px = await create(api, "/api/v1/players", {"name": "P", "kind": "plex", "url": emu.plex.url, "token": emu.plex.token})
    emu.plex.add_section("1", "movie", "Movies", "/media/movies")
    res = (await (await api.post(f"/api/v1/players/{px['id']}/test")).json())["data"]
    assert res["ok"] and res["sections"] == ["Movies"]
    emu.plex.go_down()
    res = (await (await api.post(f"/api/v1/players/{px['id']}/test")).json())["data"]
    assert not res["ok"] and res["status"] == "down" and "cannot connect" in res["message"]


async def test_path_mapping_test_endpoint_player_scope_beats_group(api, emu):
    g = await create(api, "/api/v1/player-groups", {"name": "G"})
    p = await create(api, "/api/v1/players", {"name": "K", "kind": "kodi", "url": emu.kodi.url, "group_id": g["id"]})
    await create(api, "/api/v1/path-mappings", {"scope": f"group:{g['id']}", "from": "/data/movies",
                                                "to": "smb://nas/movies"})
    url = f"/api/v1/players/{p['id']}/test-path"
    res = (await (await api.post(url, json={"path": "/data/movies/A (2001)/A.mkv"})).json())["data"]
    assert res == {"id": p["id"], "path": "/data/movies/A (2001)/A.mkv", "mapped": "smb://nas/movies/A (2001)/A.mkv",
                   "scope": f"group:{g['id']}", "changed": True}
    await create(api, "/api/v1/path-mappings", {"scope": f"player:{p['id']}", "from": "/data", "to": "D:\\Media"})
    res = (await (await api.post(url, json={"path": "/data/movies/A (2001)/A.mkv"})).json())["data"]
    assert res["mapped"] == "D:\\Media\\movies\\A (2001)\\A.mkv" and res["scope"] == f"player:{p['id']}"
    res = (await (await api.post(url, json={"path": "/elsewhere/x"})).json())["data"]
    assert res["mapped"] == "/elsewhere/x" and not res["changed"]
    assert (await api.post(url, json={})).status == 400
    assert (await api.post("/api/v1/players/999/test-path", json={"path": "/x"})).status == 404


async def test_sync_now_enqueues_library_syncs(api, tmp_path):
    (tmp_path / "movies").mkdir()
    r = await api.post("/api/v1/libraries", json={"name": "M", "kind": "movie", "path": str(tmp_path / "movies"),
                                                  "watch": False})
    assert r.status == 201, await r.text()
    lib = (await r.json())["data"]["id"]
    r = await api.post("/api/v1/players/sync", json={"library_id": lib})
    data = (await r.json())["data"]
    assert r.status == 202 and data["libraries"] == [lib] and len(data["job_ids"]) == 1
    job = (await (await api.get(f"/api/v1/jobs/{data['job_ids'][0]}")).json())["data"]
    assert job["type"] == "sync.library"
    assert (await api.post("/api/v1/players/sync", json={"library_id": 999})).status == 404
