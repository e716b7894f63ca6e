"""Paths from outside never lead out of a library: webhook paths and mappings are normalised before
they are compared with a library root, library roots are never system directories, and the scan
does not follow symlinks that leave the library."""
import asyncio

from metarr.db.database import connection
from metarr.db.media import CacheFile, Movie
from tests.webhooks import payloads as P
from web.demo.media import make_clip, make_image


async def _drain(api):
    for _ in range(200):
        d = (await (await api.get("/api/v1/jobs/stats")).json())["data"]
        if d["due"] == d["running"] == d["retrying"] == 0:
            return d
        await asyncio.sleep(0.05)


async def _library(api, root):
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_enrich": False})
    assert r.status == 201, await r.text()
    return (await r.json())["data"]["id"]


async def test_a_webhook_path_with_dotdot_does_not_scan_outside_the_library(api, services, tmp_path):
    lib = tmp_path / "Movies"
    lib.mkdir()
    outside = tmp_path / "outside" / "X (2000)"
    make_clip(outside / "X (2000).mkv")
    make_image(outside / "poster.jpg", 100, 150)
    await _library(api, lib)
    body = P.radarr_download(f"{lib}/../outside/X (2000)", "X (2000).mkv")
    r = await api.post("/api/v1/webhooks/radarr", json=body)
    doc = (await r.json())["data"]
    assert doc["status"] == "no_library" and doc["job_ids"] == []
    await _drain(api)
    with connection(services.db):
        assert Movie.select().count() == 0 and CacheFile.select().count() == 0


async def test_a_mapping_into_etc_does_not_turn_a_webhook_into_a_scan_of_etc(api, services, tmp_path):
    lib = tmp_path / "Movies"
    lib.mkdir()
    await _library(api, lib)
    r = await api.post("/api/v1/path-mappings", json={"scope": "radarr", "from": "/movies",
                                                      "to": f"{lib}/" + "../" * 30 + "etc"})
    assert r.status == 201 and (await r.json())["data"]["to"] == "/etc"
    doc = (await (await api.post("/api/v1/webhooks/radarr", json=P.radarr_download("/movies/ssl", "x.mkv"))).json())
    assert doc["data"]["status"] == "no_library" and doc["data"]["job_ids"] == []


async def test_system_directories_and_folders_outside_the_browse_roots_are_no_library_roots(api, tmp_path):
    for path in ("/", "/etc", "/proc", "/root", "/usr/share", "/var/lib"):
        r = await api.post("/api/v1/libraries", json={"name": path, "kind": "movie", "path": path, "watch": False})
        assert r.status == 400, path
        assert "system directory" in (await r.json())["error"]["message"]
    allowed = tmp_path / "media"
    (allowed / "Movies").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    await api.patch("/api/v1/settings", json={"ui.browse_roots": [str(allowed)]})
    r = await api.post("/api/v1/libraries", json={"name": "x", "kind": "movie", "path": str(tmp_path / "elsewhere")})
    assert r.status == 400 and "ui.browse_roots" in (await r.json())["error"]["message"]
    r = await api.post("/api/v1/libraries", json={"name": "y", "kind": "movie", "path": str(allowed / "Movies"),
                                                  "watch": False})
    assert r.status == 201


async def test_symlinks_leading_out_of_the_library_are_reported_not_followed(api, services, tmp_path):
    lib = tmp_path / "Movies"
    secret = tmp_path / "secret"
    make_clip(secret / "Leak (1999)" / "Leak (1999).mkv")
    make_image(secret / "private.jpg", 100, 150)
    make_clip(lib / "Night (1968)" / "Night (1968).mkv")
    (lib / "Leak (1999)").symlink_to(secret / "Leak (1999)")
    (lib / "Night (1968)" / "Night (1968)-poster.jpg").symlink_to(secret / "private.jpg")
    lid = await _library(api, lib)
    await api.post(f"/api/v1/libraries/{lid}/scan")
    await _drain(api)
    movies = (await (await api.get("/api/v1/movies")).json())["data"]
    assert [m["title"] for m in movies] == ["Night"]
    assert "poster" not in (await (await api.get(f"/api/v1/movies/{movies[0]['id']}")).json())["data"]["assets"]
    with connection(services.db):
        assert CacheFile.select().count() == 0
    jobs = (await (await api.get("/api/v1/jobs?type=scan.library")).json())["data"]
    job = (await (await api.get(f"/api/v1/jobs/{jobs[0]['id']}")).json())["data"]
    problems = str(job["result"]["problems"])
    assert "symlink leads outside the library" in problems and "Leak (1999)" in problems
