"""A poster replaced under the same name reaches Kodi's screen now, not a day later: Kodi shows its
cached copy of an image until it checks the file's hash again, a day after the last check, Refresh
or not (seen with Kodi 20.1). The sync removes the copies of files Metarr replaced; Kodi caches
the new file."""
import asyncio
import io

from PIL import Image

from metarr.players.kodi_check import image_hash
from web.demo.emulation.kodi import KodiEmulator
from web.demo.media import make_clip

from .conftest import add_library, data, synced


def jpeg(color, w=1000, h=1500) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


async def test_a_poster_replaced_under_the_same_name_is_not_shown_from_kodis_old_copy(chain, tmp_path):
    api, services = chain
    kodi = KodiEmulator(username=None)
    kodi.loop = asyncio.get_running_loop()
    await kodi.start()
    try:
        root = tmp_path / "Movies"
        video = root / "Nosferatu (1922)" / "Nosferatu (1922).mkv"
        make_clip(video)
        kodi.put_on_disk("movie", str(video))
        r = await api.patch("/api/v1/settings", json={"sync.debounce_seconds": 0.3})
        assert r.status == 200, await r.text()
        r = await api.post("/api/v1/players", json={"name": "Kodi", "kind": "kodi", "url": kodi.url + "/jsonrpc"})
        assert r.status == 201, await r.text()
        await add_library(api, "Movies", "movie", root)
        first = await synced(api)
        poster = video.parent / "Nosferatu (1922)-poster.jpg"
        old = poster.stat()
        assert kodi.cached_hash(str(poster)) == image_hash(old.st_mtime_ns, old.st_size)   # Kodi shows it
        assert all(j["result"].get("textures_renewed", 0) == 0 for j in first)

        (m,) = await data(api, "/api/v1/movies")
        await asyncio.sleep(1.0)   # a later second: Kodi's hash holds whole seconds
        r = await api.post(f"/api/v1/movies/{m['id']}/artwork/poster", data=jpeg((20, 20, 200)),
                           headers={"Content-Type": "image/jpeg"})
        assert r.status in (200, 201, 202), await r.text()
        second = await synced(api, before=max(j["id"] for j in first))
        new = poster.stat()
        assert (new.st_size, new.st_mtime_ns) != (old.st_size, old.st_mtime_ns)   # the same name, other bytes
        # Kodi no longer holds the old picture: its copy went, the next look caches the new file
        assert kodi.cached_hash(str(poster)) in (None, image_hash(new.st_mtime_ns, new.st_size))
        assert sum(j["result"].get("textures_renewed", 0) for j in second) == 1
        kodi.rpc.clear()
        # nothing replaced since: the next sync removes nothing
        r = await api.post("/api/v1/players/sync", json={})
        assert r.status == 202, await r.text()
        third = await synced(api, before=max(j["id"] for j in second))
        assert sum(j["result"].get("textures_renewed", 0) for j in third) == 0
        assert not kodi.rpc_calls("Textures.RemoveTexture")
    finally:
        await kodi.stop()
