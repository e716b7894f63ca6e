"""Image verification and analysis: real format from magic bytes, Pillow decode, perceptual hashes.

Rules (reference/reliability-performance.md D.2): trust magic bytes, never the served
Content-Type or file extension; open only the sniffed format (Pillow's FITS/GIF bomb CVEs are
in decoders we never need); check pixel count from the header before decoding; decode fully so
a truncated file is refused (`ImageFile.LOAD_TRUNCATED_IMAGES` must stay False).
"""
from __future__ import annotations

import os
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageFile

from metarr.assets.errors import ImageRejected

DEFAULT_MAX_PIXELS = 64_000_000          # 64 MP: far above any real poster/fanart (4K = 8.3 MP)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
HASH_SIZE = 8                             # 8x8 -> 64-bit hashes

# format -> (extension, mime)
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
EXTENSIONS = frozenset(ext for ext, _ in FORMATS.values())


class PixelBudget:
    """Decoded image memory held at once, across every thread of the process (uploads, downloads,
    scans, thumbnails), counted in RGBA pixels of 4 bytes: a decode waits until its cost fits
    (`decode_cost`). Eight 64-megapixel PNG decodes at once would hold 2 GB; under one budget they
    take turns. One image larger than the whole budget still runs, alone."""

    def __init__(self, pixels: int) -> None:
        self.capacity = pixels
        self.in_use = 0
        self.cond = threading.Condition()

    @contextmanager
    def take(self, pixels: int):
        need = min(pixels, self.capacity)
        with self.cond:
            self.cond.wait_for(lambda: self.in_use + need <= self.capacity)
            self.in_use += need
        try:
            yield
        finally:
            with self.cond:
                self.in_use -= need
                self.cond.notify_all()


# Process-wide by nature, like Pillow's own pixel limit: decoding memory is the process's.
DECODES = PixelBudget(DEFAULT_MAX_PIXELS)


# modes an image can be made small in before it is converted (box reduction; 16-bit grey by a box
# resize, which Pillow's reduce does not take); a palette or 1-bit image is converted at full size
REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"})


def _reducible(mode: str) -> bool:
    return mode in REDUCIBLE or mode.startswith("I;16")


def pixel_bytes(mode: str) -> int:
    """Bytes Pillow stores a pixel of this mode in: one for 1/L/P, two for 16-bit grey, else four
    (RGB, LA and PA too: Pillow keeps them in four bytes)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def decode_cost(mode: str, width: int, height: int) -> int:
    """What decoding an image of this mode and size and shrinking it (for hashes or a thumbnail)
    holds at its peak, in the budget's unit (4 bytes): the decoded pixels, plus a full-size
    converted copy when the mode cannot be reduced first (palette, 1-bit)."""
    held = width * height * pixel_bytes(mode)
    if not _reducible(mode):
        held += width * height * 4
    return -(-held // 4)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def to_8bit(im: Image.Image) -> Image.Image:
    """The image as L, LA, RGB or RGBA: 16- and 32-bit grey scaled to 8 bits (a plain convert would
    clip everything above 255 to white), palettes and the rest expanded."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode.startswith("I;16") or mode == "I":
        return im.point(lambda v: v * (1 / 256)).convert("L")
    if mode == "F":
        return im.convert("L")
    return im.convert("RGBA" if _has_alpha(im) else "RGB")


def shrink(im: Image.Image, factor: int) -> Image.Image:
    """An 8-bit copy of a loaded image, `factor` times smaller on each side: reduced before it is
    converted wherever the mode allows, so no full-size copy is made (see `decode_cost`)."""
    if factor <= 1:
        return to_8bit(im)
    w, h = im.size
    if im.mode.startswith("I;16"):
        small = im.resize((max(1, w // factor), max(1, h // factor)), Image.Resampling.BOX)
    elif im.mode in REDUCIBLE:
        small = _reduce(im, factor)
    else:
        return _reduce(to_8bit(im), factor)
    return to_8bit(small)


BAND_BYTES = 8 << 20


def _reduce(im: Image.Image, factor: int) -> Image.Image:
    """`im.reduce(factor)`, without the full-size copy Pillow makes of an image with alpha (it
    premultiplies all of it first): band by band, each band premultiplied on its own."""
    if im.mode not in ("LA", "RGBA"):
        return im.reduce(factor)
    w, h = im.size
    out = Image.new(im.mode, (-(-w // factor), -(-h // factor)))
    rows = factor * max(1, BAND_BYTES // (w * 4 * factor))   # whole blocks of `factor` rows
    for y in range(0, h, rows):
        out.paste(im.crop((0, y, w, min(h, y + rows))).reduce(factor), (0, y // factor))
    return out


@dataclass(frozen=True)
class ImageInfo:
    format: str         # JPEG | PNG | WEBP | GIF
    ext: str            # jpg | png | webp | gif (what the store names the file)
    mime: str
    width: int
    height: int
    has_alpha: bool
    phash: str          # 64-bit dHash, 16 lowercase hex chars
    ahash: str          # 64-bit average hash, 16 lowercase hex chars


def sniff_format(head: bytes) -> str | None:
    """Format from the first bytes (>= 12 needed for WebP), or None (pure)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


def describe_unknown(head: bytes) -> str:
    """A short human description of non-image content, for error messages (pure)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "HTML document"
    if b"<svg" in text[:512] or (text.startswith(b"<?xml") and b"svg" in text[:1024]):
        return "SVG (not accepted: scriptable, not raster)"
    if text.startswith((b"<?xml", b"<")):
        return "XML/markup"
    if text.startswith((b"{", b"[")):
        return "JSON/text"
    if not head:
        return "empty body"
    if all(32 <= c < 127 or c in (9, 10, 13) for c in head[:256]):
        return "plain text"
    return "unknown binary format"


def check_pillow_safety() -> None:
    """Refuse to run if someone enabled truncated-image loading process-wide."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True; metarr requires False")


def init_pillow(max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
    """Optional process-wide hardening; call once at start-up (idempotent).

    `analyze` enforces `max_pixels` per call without this. Aligning Pillow's own global limit
    adds defence in depth where Pillow checks sizes internally (GIF frames, ICO entries), and
    turning `DecompressionBombWarning` into an error (D.2) stops decoding between 1x and 2x
    of the limit instead of only warning. Both are process globals, hence one documented place.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
    check_pillow_safety()
    _give_image_memory_back()


def _give_image_memory_back() -> None:
    """glibc serves Pillow's image blocks (16 MB) from per-thread arenas once its dynamic mmap
    threshold has grown, and an arena keeps what was freed: decodes on eight threads kept eight
    decoded posters' worth (2.3 GB measured) although the pixel budget let only one exist at a
    time. A fixed threshold makes such blocks mmap'd, so freeing an image gives its memory back."""
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        ctypes.CDLL(name).mallopt(-3, 1 << 20)   # M_MMAP_THRESHOLD = 1 MB
    except (OSError, AttributeError):
        pass   # not glibc: nothing to tune


def _bits_to_hex(bits: list[bool]) -> str:
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:0{len(bits) // 4}x}"


def perceptual_hashes(im: Image.Image) -> tuple[str, str]:
    """(dHash, aHash) of a loaded image; both 64-bit, 16 hex chars."""
    alpha = _has_alpha(im)
    # box-reduce to ~64 px first (before any conversion): the 9x8 result is the same, the memory
    # and the per-pixel work are not
    work = shrink(im, max(1, min(im.size) // 64))
    if alpha:
        # flatten transparency onto mid-grey so hidden RGB under alpha=0 does not count
        bg = Image.new("RGBA", work.size, (128, 128, 128, 255))
        gray = Image.alpha_composite(bg, work.convert("RGBA")).convert("L")
    else:
        gray = work.convert("L")
    d = gray.resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS).tobytes()
    dbits = [d[r * (HASH_SIZE + 1) + c] > d[r * (HASH_SIZE + 1) + c + 1]
             for r in range(HASH_SIZE) for c in range(HASH_SIZE)]
    a = gray.resize((HASH_SIZE, HASH_SIZE), Image.Resampling.LANCZOS).tobytes()
    mean = sum(a) / len(a)
    abits = [px > mean for px in a]
    return _bits_to_hex(dbits), _bits_to_hex(abits)


def analyze_stream(fh: BinaryIO, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                   formats: tuple[str, ...] = tuple(FORMATS)) -> ImageInfo:
    """Verify and describe the image in `fh` (seekable). Raises ImageRejected."""
    check_pillow_safety()
    head = fh.read(32)
    fh.seek(0)
    fmt = sniff_format(head)
    if fmt is None:
        raise ImageRejected("not_image", describe_unknown(head))
    if fmt not in formats:
        raise ImageRejected("unsupported_format", f"{fmt} not accepted here")
    try:
        # Pillow's own global bomb check also runs here (and per GIF frame); our per-call
        # limit below is the one that decides for the header size.
        im = Image.open(fh, formats=[fmt])
        with im:
            width, height = im.size
            if width <= 0 or height <= 0:
                raise ImageRejected("corrupt", f"bad dimensions {width}x{height}")
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels",
                                    f"{width}x{height} exceeds {max_pixels} pixels (decompression bomb?)")
            alpha = _has_alpha(im)
            if fmt == "JPEG":
                # DCT-domain downscale: the decoder still consumes every byte (truncation is
                # still detected) but skips most of the IDCT work, and holds 1/64 of the pixels
                im.draft("L", (64, 64))
            cost = decode_cost(im.mode, *im.size)   # after draft: the size it is decoded at
            with DECODES.take(cost):
                im.load()  # full pass over the data: raises on truncation / corrupt streams
                dhash, ahash = perceptual_hashes(im)
                im.close()   # its pixels go before the next decode may start, not after
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError) as exc:
        msg = str(exc)
        reason = "truncated" if "truncated" in msg or isinstance(exc, EOFError) else "corrupt"
        raise ImageRejected(reason, msg or type(exc).__name__) from exc
    ext, mime = FORMATS[fmt]
    return ImageInfo(format=fmt, ext=ext, mime=mime, width=width, height=height,
                     has_alpha=alpha, phash=dhash, ahash=ahash)


def analyze(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS,
            max_bytes: int = DEFAULT_MAX_BYTES, formats: tuple[str, ...] = tuple(FORMATS)) -> ImageInfo:
    """Verify and describe the image file at `path`. Raises ImageRejected."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise ImageRejected("too_large", f"{size} bytes exceeds {max_bytes}")
        return analyze_stream(fh, max_pixels=max_pixels, formats=formats)


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes of equal length."""
    if len(a) != len(b):
        raise ValueError("hashes of different length")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_near_duplicate(a: str, b: str, threshold: int = 6) -> bool:
    """Two dHashes within `threshold` bits: likely the same artwork re-encoded/resized."""
    return hamming(a, b) <= threshold
