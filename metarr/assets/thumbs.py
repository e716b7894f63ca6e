"""UI thumbnails, generated on demand from a stored asset and cached.

`cache/thumbs/<size>/<h[0:2]>/<sha256>.jpg`. The cache key is the content hash, so a thumbnail
never goes stale; deleting the folder is always safe. A JPEG is decoded at a reduced scale (`draft`,
DCT-domain: ~16-20 ms vs ~77-124 ms for load()+resize, reference §C); every decode takes its turn
in the process's decode budget (metarr.assets.images.DECODES) like uploads and downloads, and is
box-reduced before anything is converted, so a 64-megapixel PNG costs its decoded pixels, not
twice or three times that.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from metarr.assets import images
from metarr.assets.errors import ImageRejected
from metarr.assets.images import DEFAULT_MAX_PIXELS, FORMATS, check_pillow_safety, decode_cost, shrink
from metarr.assets.store import KINDS, STORED_NAME_RE
from metarr.library.fsutil import atomic_write

MIN_SIZE, MAX_SIZE = 16, 2048
# alpha (clearlogos are mostly white text) is flattened onto a dark neutral, so it stays visible
BACKGROUND = (40, 40, 40)
QUALITY = 85


def thumb_path(cache_root: Path, sha256: str, size: int) -> Path:
    return cache_root / "thumbs" / str(size) / sha256[:2] / f"{sha256}.jpg"


def _cache_root_of(store_path: Path) -> Path:
    # store_path = <cache>/<kind>/ab/cd/<sha>.<ext>
    if len(store_path.parents) < 4 or store_path.parents[2].name not in KINDS:
        raise ValueError(f"{store_path} is not inside an asset store")
    return store_path.parents[3]


def render_thumbnail(src: Path, size: int, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """JPEG bytes of `src` fitted into size x size (aspect kept, never upscaled)."""
    return _render(src, size, max_pixels, None) or b""


def _render(src: Path, size: int, max_pixels: int, dest: Path | None) -> bytes | None:
    """The thumbnail's bytes; with `dest`, written there within the decode's turn (so a request
    that waited for the same thumbnail finds it and decodes nothing: None)."""
    check_pillow_safety()
    with Image.open(src, formats=list(FORMATS)) as im:
        w, h = im.size
        if w * h > max_pixels:
            raise ImageRejected("too_many_pixels", f"{w}x{h}")
        im.draft(None, (size * 2, size * 2))   # JPEG: decoded at the smallest scale still twice the size
        with images.DECODES.take(decode_cost(im.mode, *im.size)):
            if dest is not None and dest.exists():
                return None
            im.load()
            # box-reduce to within twice the size (no full-size copy), then LANCZOS on the small one
            small = shrink(im, max(1, int(max(im.size) / size / 2)))
            if small is not im:
                im.close()   # the full-size pixels go before the next decode's turn
            small.thumbnail((size, size), Image.Resampling.LANCZOS)
            if small.mode in ("RGBA", "LA"):
                rgba = small.convert("RGBA")
                out = Image.new("RGB", rgba.size, BACKGROUND)
                out.paste(rgba, mask=rgba.getchannel("A"))
            else:
                out = small.convert("RGB")
            buf = io.BytesIO()
            out.save(buf, "JPEG", quality=QUALITY, optimize=False)
            if dest is not None:
                atomic_write(dest, buf.getvalue())
    return buf.getvalue()


def thumbnail(store_path: str | os.PathLike[str], size: int, *, cache_root: str | os.PathLike[str] | None = None,
              max_pixels: int = DEFAULT_MAX_PIXELS) -> Path:
    """Path of the cached thumbnail of a stored asset, rendering it on first use."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"thumbnail size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")
    src = Path(store_path)
    m = STORED_NAME_RE.match(src.name)
    if not m:
        raise ValueError(f"{src.name!r} is not a content-addressed file name")
    root = Path(cache_root) if cache_root is not None else _cache_root_of(src)
    dest = thumb_path(root, m.group(1), size)
    if dest.exists():
        return dest
    _render(src, size, max_pixels, dest)
    return dest
