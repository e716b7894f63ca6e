from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from metarr.assets.errors import ImageRejected
from metarr.assets.images import analyze, hamming, is_near_duplicate, sniff_format
from tests.assets.conftest import jpeg_bytes, png_bomb
from web.demo.media import make_image


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("fmt, ext", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif")])
def test_formats_detected_from_bytes_not_names(tmp_path: Path, fmt: str, ext: str):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buf, fmt)
    p = write(tmp_path, "misnamed.jpg", buf.getvalue())  # the name lies for 3 of 4
    info = analyze(p)
    assert (info.format, info.ext, info.width, info.height) == (fmt, ext, 40, 30)
    assert len(info.phash) == 16 and len(info.ahash) == 16


def test_info_from_make_image(tmp_path: Path):
    info = analyze(make_image(tmp_path / "p.png", 200, 300))
    assert info.format == "PNG" and info.has_alpha and info.mime == "image/png"
    info = analyze(make_image(tmp_path / "p.jpg", 320, 180))
    assert info.format == "JPEG" and not info.has_alpha and (info.width, info.height) == (320, 180)


def test_gif_transparency_is_alpha(tmp_path: Path):
    im = Image.new("P", (10, 10), 0)
    buf = io.BytesIO()
    im.save(buf, "GIF", transparency=0)
    assert analyze(write(tmp_path, "t.gif", buf.getvalue())).has_alpha


@pytest.mark.parametrize("body, what", [
    (b"<!DOCTYPE html><html><head><title>x</title></head></html>", "HTML"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
    (b'<?xml version="1.0"?>\n<svg/>', "SVG"),
    (b'{"status_code": 34}', "JSON"),
    (b"Not Found", "plain text"),
    (b"", "empty"),
    (b"BM" + b"\0" * 60, "unknown"),  # BMP: real image, but not accepted
])
def test_non_images_refused(tmp_path: Path, body: bytes, what: str):
    with pytest.raises(ImageRejected) as ei:
        analyze(write(tmp_path, "x.jpg", body))
    assert ei.value.reason == "not_image" and what in ei.value.detail


def test_truncated_jpeg_and_png(tmp_path: Path):
    data = jpeg_bytes(600, 900)
    for cut in (len(data) // 3, len(data) - 20):
        with pytest.raises(ImageRejected) as ei:
            analyze(write(tmp_path, "t.jpg", data[:cut]))
        assert ei.value.reason == "truncated"
    png = make_image(tmp_path / "p.png", 300, 300).read_bytes()
    with pytest.raises(ImageRejected) as ei:
        analyze(write(tmp_path, "t.png", png[: len(png) // 2]))
    assert ei.value.reason in ("truncated", "corrupt")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_corrupt_jpeg_header(tmp_path: Path):
    with pytest.raises(ImageRejected) as ei:
        analyze(write(tmp_path, "c.jpg", b"\xff\xd8\xff" + b"\x00" * 200))
    assert ei.value.reason in ("corrupt", "truncated")


def test_bombs_refused_by_per_call_limit(tmp_path: Path, monkeypatch):
    # a running service calls init_pillow() (a process global); this test is about the per-call check
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 89_478_485)
    # 30000x30000: above Pillow's own hard limit too
    with pytest.raises(ImageRejected) as ei:
        analyze(write(tmp_path, "b.png", png_bomb()))
    assert ei.value.reason == "too_many_pixels"
    # 9000x8000 = 72 MP: under Pillow's default 89 MP, over our 64 MP -> our per-call check decides
    with pytest.raises(ImageRejected) as ei:
        analyze(write(tmp_path, "b2.png", png_bomb(9000, 8000)))
    assert ei.value.reason == "too_many_pixels" and "9000x8000" in ei.value.detail
    # and a caller can be stricter without touching Pillow's global
    with pytest.raises(ImageRejected):
        analyze(make_image(tmp_path / "s.jpg", 200, 300), max_pixels=10_000)
    assert Image.MAX_IMAGE_PIXELS == 89_478_485


def test_max_bytes(tmp_path: Path):
    p = make_image(tmp_path / "s.jpg", 200, 300)
    with pytest.raises(ImageRejected) as ei:
        analyze(p, max_bytes=100)
    assert ei.value.reason == "too_large"


def test_formats_restriction(tmp_path: Path):
    p = make_image(tmp_path / "s.png", 20, 30)
    with pytest.raises(ImageRejected) as ei:
        analyze(p, formats=("JPEG",))
    assert ei.value.reason == "unsupported_format"


def test_sniff():
    assert sniff_format(b"\xff\xd8\xff\xe0") == "JPEG"
    assert sniff_format(b"RIFF\0\0\0\0WEBPVP8 ") == "WEBP"
    assert sniff_format(b"RIFF\0\0\0\0AVI ") is None
    assert sniff_format(b"GIF89a") == "GIF"


def artwork(w: int, h: int, seed: int) -> Image.Image:
    """Poster-like picture: gradient background with a few large shapes."""
    from PIL import ImageDraw
    im = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    d = ImageDraw.Draw(im)
    for i in range(4):
        x, y = (seed * 37 + i * 53) % 70 / 100 * w, (seed * 61 + i * 29) % 70 / 100 * h
        d.ellipse((x, y, x + w * 0.3, y + h * 0.2), fill=((seed * 80 + i * 60) % 256, 40 * i, 200 - 30 * i))
    return im


def save(im: Image.Image, path: Path, **kw) -> Path:
    im.save(path, "JPEG", **kw)
    return path


def test_perceptual_hash_near_duplicates(tmp_path: Path):
    base = artwork(600, 900, seed=1)
    a = analyze(save(base, tmp_path / "a.jpg", quality=95))
    b = analyze(save(base.resize((300, 450)), tmp_path / "b.jpg", quality=50))   # resized, re-encoded
    c = analyze(save(artwork(600, 900, seed=2), tmp_path / "c.jpg", quality=95))  # different artwork
    assert hamming(a.phash, b.phash) <= 4 and is_near_duplicate(a.phash, b.phash)
    assert hamming(a.ahash, b.ahash) <= 4
    assert hamming(a.phash, c.phash) > 10 and not is_near_duplicate(a.phash, c.phash)
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    with pytest.raises(ValueError):
        hamming("ff", "ffff")


def test_init_pillow_hardening(tmp_path: Path, monkeypatch):
    import warnings

    from metarr.assets.images import init_pillow
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after the test
    with warnings.catch_warnings():
        init_pillow(1_000_000)
        assert Image.MAX_IMAGE_PIXELS == 1_000_000
        # 1.5 MP: between Pillow's 1x and 2x, where it would normally only warn
        with pytest.raises(ImageRejected) as ei:
            analyze(write(tmp_path, "w.png", png_bomb(1500, 1000)), max_pixels=10_000_000)
        assert ei.value.reason == "too_many_pixels"
