"""Thumbnails decode inside the process's decode budget like uploads, render once when requested at
once, never make a full-size converted copy of an RGBA/LA image, charge a palette image what it
really holds, and work for 16-bit grey PNGs. (Peak RSS of a real service: scripts/bench_upload_memory.py.)"""
import threading

import numpy as np
import pytest
from PIL import Image

from metarr.assets import images, thumbs
from metarr.assets.store import AssetStore


@pytest.fixture
def store(tmp_path):
    return AssetStore(tmp_path / "cache")


def _png(path, mode, size=3000, **kw):
    if mode == "P":
        im = Image.new("P", (size, size), 3)
        im.putpalette([i % 256 for i in range(768)])
        im.save(path, transparency=0)
    else:
        Image.new(mode, (size, size), {"RGBA": (10, 20, 30, 255), "LA": (90, 200)}[mode]).save(path)
    return path


class Spy:
    """The decode budget, watched: how many decodes took a turn, their costs, the most held at once."""

    def __init__(self, capacity):
        self.budget = images.PixelBudget(capacity)
        self.costs, self.most = [], 0
        real = self.budget.take
        spy = self

        def take(cost):
            cm = real(cost)

            class Watch:
                def __enter__(self):
                    cm.__enter__()
                    spy.costs.append(cost)
                    spy.most = max(spy.most, spy.budget.in_use)

                def __exit__(self, *exc):
                    return cm.__exit__(*exc)
            return Watch()
        self.budget.take = take


def _run_all(fn, args_list):
    errors = []

    def run(*a):
        try:
            fn(*a)
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=run, args=a) for a in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_concurrent_thumbnails_take_turns_in_the_decode_budget(store, tmp_path, monkeypatch):
    stored = []
    for i in range(6):
        im = Image.new("RGBA", (3000, 3000), (10 * i, 20, 30, 255))   # 9 MP each, a few KB on disk
        im.save(tmp_path / f"{i}.png")
        stored.append(store.ingest_file(tmp_path / f"{i}.png").path)
    spy = Spy(10_000_000)                                              # room for one at a time
    monkeypatch.setattr(images, "DECODES", spy.budget)
    _run_all(thumbs.thumbnail, [(p, 300) for p in stored])
    assert len(spy.costs) == 6 and all(c >= 9_000_000 for c in spy.costs)
    assert spy.most <= 10_000_000 and spy.budget.in_use == 0


def test_one_thumbnail_asked_for_at_once_is_rendered_once(store, tmp_path, monkeypatch):
    path = store.ingest_file(_png(tmp_path / "big.png", "RGBA")).path
    monkeypatch.setattr(images, "DECODES", images.PixelBudget(10_000_000))
    writes = []
    real = thumbs.atomic_write
    monkeypatch.setattr(thumbs, "atomic_write", lambda dest, data: (writes.append(dest), real(dest, data)))
    _run_all(thumbs.thumbnail, [(path, 300)] * 6)
    assert len(writes) == 1


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_no_full_size_copy_is_made_unless_it_is_charged(tmp_path, monkeypatch, mode):
    """An RGBA or LA image is reduced before it is converted (one image's pixels, not two or three);
    a palette image must be expanded at full size, and its cost says so."""
    path = _png(tmp_path / f"{mode}.png", mode)
    px = 3000 * 3000
    converted = []
    real_convert = Image.Image.convert

    def convert(im, *a, **kw):
        converted.append(im.size[0] * im.size[1])
        return real_convert(im, *a, **kw)
    monkeypatch.setattr(Image.Image, "convert", convert)
    spy = Spy(64_000_000)
    monkeypatch.setattr(images, "DECODES", spy.budget)
    images.analyze(path)
    thumbs.render_thumbnail(path, 300)
    held = px * {"RGBA": 4, "LA": 4, "P": 1}[mode] + (px * 4 if max(converted) >= px else 0)   # bytes, at the peak
    assert len(spy.costs) == 2 and all(cost * 4 >= held for cost in spy.costs), (spy.costs, held)
    if mode != "P":
        assert max(converted) < px // 4


async def test_a_16_bit_grey_png_has_a_thumbnail(api, services, tmp_path):
    from metarr.assets import cache
    ramp = (np.linspace(0, 65535, 900 * 600).reshape(600, 900)).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "grey16.png")
    with Image.open(tmp_path / "grey16.png") as im:
        assert im.mode == "I;16"
    store = cache.open_store(services.config.data_dir)
    row = cache.ingest_local(services.db, store, services.config.data_dir, tmp_path / "grey16.png")
    r = await api.get(f"/api/v1/assets/{row.sha256}?size=300")
    assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    import io
    with Image.open(io.BytesIO(await r.read())) as im:
        lo, hi = im.convert("L").getextrema()
        assert im.size == (300, 200) and lo < 40 and hi > 215   # the ramp, not clipped to white
