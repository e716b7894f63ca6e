"""Real media for the demo and the tests: tiny ffmpeg lavfi clips and Pillow images.

Clips are rendered once per kind and copied, because an ffmpeg spawn costs ~100 ms and
trees in tests need dozens of files.
"""
from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

_CLIP_DIR = Path(tempfile.gettempdir()) / "metarr-test-clips"


@functools.cache
def _master(kind: str) -> Path:
    _CLIP_DIR.mkdir(parents=True, exist_ok=True)
    if kind == "video":
        out = _CLIP_DIR / "clip.mkv"
        args = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=5",
                "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-c:a", "aac",
                "-metadata:s:a:0", "language=eng", "-shortest"]
    elif kind == "hdr":
        out = _CLIP_DIR / "hdr.mkv"
        args = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=5", "-c:v", "libx264",
                "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"]
    elif kind == "flac":
        out = _CLIP_DIR / "tone.flac"
        args = ["-f", "lavfi", "-i", "sine=duration=1"]
    else:
        raise ValueError(kind)
    if not out.exists():
        tmp = out.with_suffix(".tmp" + out.suffix)
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(tmp)], check=True)
        tmp.replace(out)
    return out


def make_clip(path: str | Path, kind: str = "video") -> Path:
    """Copy a real 1-second clip (video: h264+aac mkv, hdr: PQ h264, flac: sine) to `path`. Two
    films of a real library never hold the same bytes: each Matroska copy ends in an EBML Void
    element (0xEC, which every reader skips) that holds a digest of its folder's and its own name, so
    copies differ (and a tree made twice in two places is the same, byte for byte)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_master(kind), path)
    if path.suffix.lower() in (".mkv", ".mk3d", ".mka", ".webm"):
        mark = hashlib.blake2b(f"{path.parent.name}/{path.name}".encode(), digest_size=16).digest()
        with open(path, "ab") as f:
            f.write(b"\xec" + bytes([0x80 | len(mark)]) + mark)
    return path


def make_track(path: str | Path, artist: str, album: str, title: str, track: int = 1,
               mb_artist_id: str | None = None, mb_album_id: str | None = None) -> Path:
    """A real FLAC with tags, as taggers write them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = ["-metadata", f"artist={artist}", "-metadata", f"album={album}",
            "-metadata", f"title={title}", "-metadata", f"track={track}"]
    if mb_artist_id:
        meta += ["-metadata", f"MUSICBRAINZ_ARTISTID={mb_artist_id}"]
    if mb_album_id:
        meta += ["-metadata", f"MUSICBRAINZ_RELEASEGROUPID={mb_album_id}"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(_master("flac")), "-c", "copy", *meta, str(path)],
                   check=True)
    return path


def make_image(path: str | Path, width: int = 200, height: int = 300, color=(120, 60, 200),
               fmt: str | None = None, pattern: int = 0) -> Path:
    """A real image; `pattern` varies the content so hashes differ between calls."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGBA" if (fmt or path.suffix.lower()) in ("PNG", ".png") else "RGB", (width, height), color)
    # a few bars so perceptual hashes are not degenerate, shifted by `pattern`
    for i in range(0, width, max(1, width // 8)):
        for y in range(height):
            x = (i + pattern * 7) % width
            img.putpixel((x, y), (255 - color[0], 255 - color[1], 255 - color[2]) + ((255,) if img.mode == "RGBA" else ()))
    fmt = fmt or {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}.get(path.suffix.lower(), "JPEG")
    img.save(path, fmt)
    return path
