from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from metarr.assets.store import AssetStore
from metarr.assets.thumbs import thumbnail
from web.demo.media import make_image


def test_thumbnail_generated_once_and_cached(store: AssetStore, tmp_path: Path):
    got = store.ingest_file(make_image(tmp_path / "poster.jpg", 1000, 1500))
    t = thumbnail(got.path, 300)
    sha = got.sha256
    assert t == store.cache_root / "thumbs" / "300" / sha[:2] / f"{sha}.jpg"
    with Image.open(t) as im:
        assert im.format == "JPEG" and im.size == (200, 300)
    mtime = t.stat().st_mtime_ns
    assert thumbnail(got.path, 300) == t and t.stat().st_mtime_ns == mtime
    assert not any(p.name.startswith(".metarr-tmp-") for p in t.parent.iterdir())


def test_thumbnail_of_alpha_png_and_small_image(store: AssetStore, tmp_path: Path):
    logo = store.ingest_file(make_image(tmp_path / "logo.png", 800, 310))
    with Image.open(thumbnail(logo.path, 150)) as im:
        assert im.mode == "RGB" and im.size == (150, 58)
    small = store.ingest_file(make_image(tmp_path / "s.jpg", 50, 80, pattern=4))
    with Image.open(thumbnail(small.path, 300)) as im:
        assert im.size == (50, 80)  # never upscaled


def test_thumbnail_argument_checks(store: AssetStore, tmp_path: Path):
    got = store.ingest_file(make_image(tmp_path / "p.jpg", 100, 100))
    with pytest.raises(ValueError):
        thumbnail(got.path, 100_000)
    with pytest.raises(ValueError):
        thumbnail(tmp_path / "p.jpg", 100)  # not a content-addressed store file
