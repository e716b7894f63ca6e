"""A recycle-bin restore is confined to a root it can name (the entry's library, another library
that holds the path, or the artwork cache); without one it is refused, so a deleted library's
folder that has since become a symlink to elsewhere leads nowhere."""
import asyncio

from metarr.library import recyclebin


async def _add_library(api, root):
    r = await api.post("/api/v1/libraries", json={"name": root.name, "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_enrich": False})
    assert r.status == 201, await r.text()
    return (await r.json())["data"]["id"]


async def test_restore_after_the_library_was_deleted_and_its_folder_became_a_symlink(api, services, tmp_path):
    lib, elsewhere = tmp_path / "Films", tmp_path / "elsewhere"
    (lib / "Movie (2000)").mkdir(parents=True)
    elsewhere.mkdir()
    lid = await _add_library(api, lib)
    nfo = lib / "Movie (2000)" / "movie.nfo"
    nfo.write_text("<movie><title>Movie</title></movie>")
    entry = await asyncio.to_thread(recyclebin.recycle_path, services.db, services.config.recycle_dir, nfo,
                                    "replaced by publish", lid)
    assert (await api.delete(f"/api/v1/libraries/{lid}")).status in (200, 202, 204)
    # the folder is gone and its name now points somewhere the user never made a library of
    (lib / "Movie (2000)").rmdir()
    lib.rmdir()
    lib.symlink_to(elsewhere, target_is_directory=True)
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")
    assert r.status == 409, await r.text()
    assert "library" in (await r.json())["error"]["message"]
    assert list(elsewhere.rglob("*")) == []          # nothing written outside
    rows = (await (await api.get("/api/v1/recycle-bin")).json())["data"]
    assert [x["id"] for x in rows] == [entry.id]     # and nothing lost: still in the bin


async def test_restore_into_another_library_that_holds_the_path_is_confined_to_it(api, services, tmp_path):
    media, elsewhere = tmp_path / "media", tmp_path / "elsewhere"
    (media / "Films" / "Movie (2000)").mkdir(parents=True)
    elsewhere.mkdir()
    lid = await _add_library(api, media / "Films")
    nfo = media / "Films" / "Movie (2000)" / "movie.nfo"
    nfo.write_text("<movie/>")
    entry = await asyncio.to_thread(recyclebin.recycle_path, services.db, services.config.recycle_dir, nfo,
                                    "test", lid)
    await api.delete(f"/api/v1/libraries/{lid}")
    await _add_library(api, media)                   # a library above it still names the path...
    (media / "Films" / "Movie (2000)").rmdir()
    (media / "Films").rmdir()
    (media / "Films").symlink_to(elsewhere, target_is_directory=True)   # ...but it now leads out
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")
    assert r.status == 400 and list(elsewhere.rglob("*")) == []
    (media / "Films").unlink()
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")   # a real folder again: restored
    assert r.status == 200 and nfo.read_text() == "<movie/>"
