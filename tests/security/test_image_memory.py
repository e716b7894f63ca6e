"""Decoding memory is bounded process-wide: concurrent decodes of large images take turns within a
pixel budget, whatever thread (upload, download, scan) asks; the per-image limit is a setting."""
import threading

import pytest
from PIL import Image

from metarr.assets import images
from metarr.assets.errors import ImageRejected


@pytest.fixture
def big_png(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGBA", (3000, 3000), (10, 20, 30, 255)).save(path)   # 9 MP, a few KB on disk
    return path


def test_concurrent_decodes_stay_within_the_budget(big_png, monkeypatch):
    budget = images.PixelBudget(10_000_000)   # room for one 9 MP image at a time
    monkeypatch.setattr(images, "DECODES", budget)
    most = [0]
    real_take = budget.take

    def watching(pixels):
        cm = real_take(pixels)

        class Watch:
            def __enter__(self):
                cm.__enter__()
                most[0] = max(most[0], budget.in_use)

            def __exit__(self, *exc):
                return cm.__exit__(*exc)
        return Watch()
    monkeypatch.setattr(budget, "take", watching)
    threads = [threading.Thread(target=images.analyze, args=(big_png,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert 0 < most[0] <= 10_000_000 and budget.in_use == 0


def test_one_image_larger_than_the_budget_still_decodes_alone(big_png, monkeypatch):
    monkeypatch.setattr(images, "DECODES", images.PixelBudget(1_000_000))
    assert images.analyze(big_png).width == 3000


async def test_the_pixel_limit_is_a_setting_that_uploads_obey(api, services, tmp_path, big_png):
    from metarr.db.database import connection
    from metarr.db.media import Movie
    with connection(services.db):
        m = Movie.create(library_id=1, key="a/a.mkv", folder="a", title="A", date_added=0, created_at=0, updated_at=0)
    r = await api.patch("/api/v1/settings", json={"images.max_pixels": 5_000_000})
    assert r.status == 200
    r = await api.post(f"/api/v1/movies/{m.id}/artwork/poster", data=big_png.read_bytes(),
                       headers={"Content-Type": "image/png"})
    assert r.status == 422 and (await r.json())["error"]["code"] == "too_many_pixels"
    assert (await api.patch("/api/v1/settings", json={"images.max_pixels": 10})).status == 400
    with pytest.raises(ImageRejected):
        images.analyze(big_png, max_pixels=5_000_000)
