"""Recycle bin through the API (byte-identical restore, conflicts) and cached image serving."""
import hashlib

from metarr.assets import cache
from metarr.library import recyclebin
from web.demo.media import make_image


async def _library(api, root):
    """A restore goes back into a library it can name: the files of these tests live in one."""
    root.mkdir(parents=True, exist_ok=True)
    r = await api.post("/api/v1/libraries", json={"name": "L", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_enrich": False})
    assert r.status == 201, await r.text()
    return (await r.json())["data"]["id"]


async def test_recycle_then_restore_is_byte_identical(api, services, tmp_path):
    lib = tmp_path / "lib"
    await _library(api, lib)
    f = make_image(lib / "Movie (2000)" / "Movie (2000)-poster.jpg", 200, 300)
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    s = services
    entry = recyclebin.recycle_path(s.db, s.config.recycle_dir, f, "replaced by publish")
    assert not f.exists()
    r = await api.get("/api/v1/recycle-bin")
    rows = (await r.json())["data"]
    assert rows[0]["original_path"] == str(f) and rows[0]["reason"] == "replaced by publish"
    assert set(rows[0]) >= {"id", "original_path", "reason", "size", "deleted_at"}
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")
    assert r.status == 200
    assert hashlib.sha256(f.read_bytes()).hexdigest() == digest
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")
    assert r.status == 410
    r = await api.get("/api/v1/recycle-bin")
    assert (await r.json())["meta"]["total"] == 0


async def test_restore_refuses_to_overwrite_without_confirmation(api, services, tmp_path):
    await _library(api, tmp_path / "lib")
    f = make_image(tmp_path / "lib" / "a-poster.jpg", 100, 150)
    old = f.read_bytes()
    entry = recyclebin.recycle_path(services.db, services.config.recycle_dir, f, "test")
    make_image(f, 100, 150, pattern=3)  # a newer, different file appears at the same path
    newer = f.read_bytes()
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore")
    assert r.status == 409 and "overwrite" in (await r.json())["error"]["message"]
    assert f.read_bytes() == newer
    r = await api.post(f"/api/v1/recycle-bin/{entry.id}/restore", json={"overwrite": True})
    assert r.status == 200 and f.read_bytes() == old
    rows = (await (await api.get("/api/v1/recycle-bin")).json())["data"]
    assert [x["reason"] for x in rows] == ["replaced by restore"]  # the newer file was kept, not lost


async def test_cached_images_are_served_with_caching_headers(api, services, tmp_path):
    img = make_image(tmp_path / "p.jpg", 400, 600)
    store = cache.open_store(services.config.data_dir)
    row = cache.ingest_local(services.db, store, services.config.data_dir, img)
    again = cache.ingest_local(services.db, store, services.config.data_dir, img)
    assert again.id == row.id
    r = await api.get(f"/api/v1/assets/{row.sha256}")
    assert r.status == 200 and r.headers["ETag"] == f'"{row.sha256}"' and "immutable" in r.headers["Cache-Control"]
    assert hashlib.sha256(await r.read()).hexdigest() == row.sha256
    r = await api.get(f"/api/v1/assets/{row.sha256}", headers={"If-None-Match": f'"{row.sha256}"'})
    assert r.status == 304
    r = await api.get(f"/api/v1/assets/{row.sha256}?size=150")
    assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert (await api.get(f"/api/v1/assets/{'0' * 64}")).status == 404
    assert (await api.get("/api/v1/assets/../../etc/passwd")).status == 404


def test_orphans_go_to_the_recycle_bin_after_grace(services, tmp_path):
    img = make_image(tmp_path / "o.jpg", 100, 100)
    store = cache.open_store(services.config.data_dir)
    row = cache.ingest_local(services.db, store, services.config.data_dir, img)
    path = cache.absolute(services.config.data_dir, row)
    assert cache.orphan_sweep(services.db, services.config.data_dir, services.config.recycle_dir, 3600, now=1000) \
        == {"marked": 1, "recycled": 0}
    assert path.exists()
    res = cache.orphan_sweep(services.db, services.config.data_dir, services.config.recycle_dir, 3600, now=5000)
    assert res["recycled"] == 1 and not path.exists()
    rows, total = recyclebin.list_entries(10, 0)
    assert total == 1 and rows[0]["reason"] == "orphaned cache file"
