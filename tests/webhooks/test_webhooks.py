"""*arr webhooks with real payload shapes driving real scans of real folders, through path
mappings; auth by query key, header or Basic; bad bodies 400; every event stored."""
import asyncio
import base64
import os
import shutil

import pytest

from tests.conftest import API_KEY
from tests.webhooks import payloads as P
from web.demo.media import make_clip, make_track

ARR_MOVIES = "/data/radarr/movies"     # how Radarr sees the library
ARR_TV = "/data/sonarr/tv"
ARR_MUSIC = "/data/lidarr/music"


async def setup(api, tmp_path, kind, arr_root, name):
    root = tmp_path / name
    root.mkdir()
    r = await api.post("/api/v1/libraries", json={"name": name, "kind": kind, "path": str(root), "watch": False,
                                                  "auto_enrich": False})
    assert r.status == 201
    scope = {"movie": "radarr", "tv": "sonarr", "music": "lidarr"}[kind]
    r = await api.post("/api/v1/path-mappings", json={"scope": scope, "from": arr_root, "to": str(root)})
    assert r.status == 201, await r.text()
    return root


async def hook(api, source, body, auth="query"):
    if auth == "query":
        return await api.post(f"/api/v1/webhooks/{source}?apikey={API_KEY}", json=body, headers={"X-Api-Key": ""})
    if auth == "basic":
        token = base64.b64encode(f"radarr:{API_KEY}".encode()).decode()
        return await api.post(f"/api/v1/webhooks/{source}", json=body,
                              headers={"X-Api-Key": "", "Authorization": f"Basic {token}"})
    return await api.post(f"/api/v1/webhooks/{source}", json=body)


async def drain(api, timeout=20):
    end = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < end:
        d = (await (await api.get("/api/v1/jobs/stats")).json())["data"]
        if d["due"] == d["running"] == d["retrying"] == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("jobs did not drain")


async def movies(api, deleted=False):
    body = await (await api.get("/api/v1/movies" + ("?deleted=1" if deleted else ""))).json()
    return body["data"]


async def test_radarr_download_rename_upgrade_and_deletes(api, tmp_path):
    root = await setup(api, tmp_path, "movie", ARR_MOVIES, "Movies")
    folder = "The General (1926)"
    make_clip(root / folder / "The General (1926) 720p.mkv")
    r = await hook(api, "radarr", P.radarr_download(f"{ARR_MOVIES}/{folder}", "The General (1926) 720p.mkv"))
    body = (await r.json())["data"]
    assert r.status == 200 and body["status"] == "queued" and body["job_ids"]
    job = (await (await api.get(f"/api/v1/jobs/{body['job_ids'][0]}")).json())["data"]
    assert job["priority"] == 2 and job["payload"]["path"] == folder
    await drain(api)
    (m,) = await movies(api)
    assert (m["title"], m["tmdb_id"], m["imdb_id"]) == ("The General", 961, "tt0017925")  # ids from the webhook
    detail = (await (await api.get(f"/api/v1/movies/{m['id']}")).json())["data"]
    added = detail["date_added"]
    # Rename: Radarr renamed the file on disk (same inode) and says so in renamedMovieFiles
    os.rename(root / folder / "The General (1926) 720p.mkv", root / folder / "The General (1926) Bluray-720p.mkv")
    r = await hook(api, "radarr", P.radarr_rename(f"{ARR_MOVIES}/{folder}", "The General (1926) 720p.mkv",
                                                   "The General (1926) Bluray-720p.mkv"))
    assert r.status == 200
    await drain(api)
    (m2,) = await movies(api)
    assert m2["id"] == m["id"]
    # Download with isUpgrade: a new file replaces the old one; metadata and date added stay
    (root / folder / "The General (1926) Bluray-720p.mkv").unlink()
    make_clip(root / folder / "The General (1926) Bluray-1080p.mkv")
    r = await hook(api, "radarr", P.radarr_download(f"{ARR_MOVIES}/{folder}", "The General (1926) Bluray-1080p.mkv",
                                                     upgrade=True), auth="basic")
    assert r.status == 200
    await drain(api)
    (m3,) = await movies(api)
    d3 = (await (await api.get(f"/api/v1/movies/{m3['id']}")).json())["data"]
    assert m3["id"] == m["id"] and d3["date_added"] == added
    assert [f["path"] for f in d3["files"] if f["kind"] == "video"] == [f"{folder}/The General (1926) Bluray-1080p.mkv"]
    # MovieFileDelete, then MovieDelete: the movie is soft-deleted, not lost
    (root / folder / "The General (1926) Bluray-1080p.mkv").unlink()
    r = await hook(api, "radarr", P.radarr_movie_file_delete(f"{ARR_MOVIES}/{folder}", "The General (1926) Bluray-1080p.mkv"))
    await drain(api)
    assert await movies(api) == [] and len(await movies(api, deleted=True)) == 1
    shutil.rmtree(root / folder)
    r = await hook(api, "radarr", P.radarr_movie_delete(f"{ARR_MOVIES}/{folder}"), auth="header")
    assert r.status == 200
    await drain(api)


async def test_radarr_test_health_grab_unknown_and_bad_bodies(api, tmp_path):
    await setup(api, tmp_path, "movie", ARR_MOVIES, "Movies")
    r = await hook(api, "radarr", P.RADARR_TEST)
    assert r.status == 200 and (await r.json())["data"]["status"] == "ok"
    r = await hook(api, "radarr", P.RADARR_HEALTH)
    assert (await r.json())["data"]["status"] == "logged"
    r = await hook(api, "radarr", P.radarr_grab(f"{ARR_MOVIES}/The General (1926)"))
    assert (await r.json())["data"]["status"] == "logged"
    r = await hook(api, "radarr", {"eventType": "SomethingNew", "instanceName": "Radarr"})
    assert r.status == 200 and (await r.json())["data"]["status"] == "ignored"
    for raw in (b"{not json", b"[]", b'{"instanceName": "Radarr"}'):
        r = await api.post(f"/api/v1/webhooks/radarr?apikey={API_KEY}", data=raw, headers={"X-Api-Key": ""})
        assert r.status == 400 and (await r.json())["success"] is False
    r = await api.post("/api/v1/webhooks/radarr?apikey=wrong", json=P.RADARR_TEST, headers={"X-Api-Key": ""})
    assert r.status == 401
    r = await api.post(f"/api/v1/webhooks/plex?apikey={API_KEY}", json=P.RADARR_TEST, headers={"X-Api-Key": ""})
    assert r.status == 404
    events = (await (await api.get("/api/v1/webhook-events?limit=50")).json())["data"]
    assert [(e["event_type"], e["status"]) for e in reversed(events)] == [
        ("Test", "ok"), ("Health", "logged"), ("Grab", "logged"), ("SomethingNew", "ignored"),
        ("invalid", "rejected"), ("invalid", "rejected"), ("invalid", "rejected")]
    activity = (await (await api.get("/api/v1/activity?kind=webhook")).json())["data"]
    assert any(a["level"] == "warning" and "Indexers unavailable" in a["message"] for a in activity)


async def test_download_outside_any_library_is_reported(api, tmp_path):
    await setup(api, tmp_path, "movie", ARR_MOVIES, "Movies")
    r = await hook(api, "radarr", P.radarr_download("/somewhere/else/X (2000)", "X (2000).mkv"))
    body = (await r.json())["data"]
    assert r.status == 200 and body["status"] == "no_library" and "path mapping" in body["message"]


async def test_sonarr_download_episode_delete_series_delete(api, tmp_path):
    root = await setup(api, tmp_path, "tv", ARR_TV, "TV")
    show = "Sherlock Holmes (1954)"
    make_clip(root / show / "Season 01" / "Sherlock Holmes - S01E01.mkv")
    make_clip(root / show / "Season 01" / "Sherlock Holmes - S01E02E03.mkv")
    await hook(api, "sonarr", P.sonarr_download(f"{ARR_TV}/{show}", "Season 01/Sherlock Holmes - S01E02E03.mkv", [2, 3]))
    await hook(api, "sonarr", P.sonarr_download(f"{ARR_TV}/{show}", "Season 01/Sherlock Holmes - S01E01.mkv", [1]))
    await drain(api)
    series = (await (await api.get("/api/v1/series")).json())["data"]
    assert [(s["title"], s["tvdb_id"]) for s in series] == [("Sherlock Holmes", 75597)]
    eps = (await (await api.get(f"/api/v1/series/{series[0]['id']}/episodes")).json())["data"]
    assert [(e["season"], e["episode"]) for e in eps] == [(1, 1), (1, 2), (1, 3)]
    (root / show / "Season 01" / "Sherlock Holmes - S01E01.mkv").unlink()
    await hook(api, "sonarr", P.sonarr_episode_file_delete(f"{ARR_TV}/{show}", "Season 01/Sherlock Holmes - S01E01.mkv"))
    await drain(api)
    eps = (await (await api.get(f"/api/v1/series/{series[0]['id']}/episodes")).json())["data"]
    assert [(e["season"], e["episode"]) for e in eps] == [(1, 2), (1, 3)]
    shutil.rmtree(root / show)
    await hook(api, "sonarr", P.sonarr_series_delete(f"{ARR_TV}/{show}"))
    await drain(api)
    assert (await (await api.get("/api/v1/series")).json())["data"] == []


async def test_lidarr_download(api, tmp_path):
    root = await setup(api, tmp_path, "music", ARR_MUSIC, "Music")
    album = root / "Scott Joplin" / "Ragtime (1902)"
    make_track(album / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime", "The Entertainer", 1)
    r = await hook(api, "lidarr", P.lidarr_download(f"{ARR_MUSIC}/Scott Joplin", "Ragtime (1902)",
                                                     ["01 - The Entertainer.flac"]))
    assert r.status == 200
    await drain(api)
    artists = (await (await api.get("/api/v1/artists")).json())["data"]
    assert [(a["name"], a["musicbrainz_id"]) for a in artists] == [("Scott Joplin", "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a")]


@pytest.mark.parametrize("method", ["PUT", "GET"])
async def test_methods(api, method):
    r = await api.request(method, f"/api/v1/webhooks/radarr?apikey={API_KEY}", json=P.RADARR_TEST,
                          headers={"X-Api-Key": ""})
    assert r.status == (200 if method == "PUT" else 405)


async def test_a_radarr_rename_into_a_new_folder_keeps_the_item_and_its_locked_plot(api, tmp_path):
    """#28: Radarr renamed the movie's folder and file on a share without stable inodes (the file is
    a new inode there); its Rename says previous and new path. The item, its locked plot and its
    date added follow; no second item is made."""
    root = await setup(api, tmp_path, "movie", ARR_MOVIES, "Movies")
    old_dir, new_dir = "The General (1926)", "The General (1926) {tmdb-961}"
    make_clip(root / old_dir / "The General (1926).mkv")
    await hook(api, "radarr", P.radarr_download(f"{ARR_MOVIES}/{old_dir}", "The General (1926).mkv"))
    await drain(api)
    (m,) = await movies(api)
    r = await api.patch(f"/api/v1/movies/{m['id']}", json={"plot": "Buster Keaton and his locomotive."})
    assert r.status == 200, await r.text()
    (root / new_dir).mkdir()
    (root / new_dir / "The General (1926) Bluray.mkv").write_bytes((root / old_dir / "The General (1926).mkv").read_bytes())
    shutil.rmtree(root / old_dir)
    body = P.radarr_rename(f"{ARR_MOVIES}/{new_dir}", "The General (1926).mkv", "The General (1926) Bluray.mkv")
    body["renamedMovieFiles"][0]["previousPath"] = f"{ARR_MOVIES}/{old_dir}/The General (1926).mkv"
    r = await hook(api, "radarr", body)
    assert r.status == 200
    await drain(api)
    (m2,) = await movies(api)
    d = (await (await api.get(f"/api/v1/movies/{m2['id']}")).json())["data"]
    assert m2["id"] == m["id"] and d["plot"] == "Buster Keaton and his locomotive." and d["locks"]["plot"]["locked"]
    assert [f["path"] for f in d["files"] if f["kind"] == "video"] == [f"{new_dir}/The General (1926) Bluray.mkv"]
