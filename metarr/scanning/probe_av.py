"""Stream details read in-process with PyAV (libav linked into a probe process: ~1 ms a file against
~60 ms for an ffprobe spawn). `read_pyav` shapes what libav found like ffprobe's JSON, so the one
mapping to what we store and publish, `probe.parse_streams`, serves both and <streamdetails> is the
same whichever read the file. ffprobe stays as the fallback for a container PyAV cannot open, or for
all files when PyAV is not installed. Runs inside the probe processes of probe_pool.py: a libav
crash or hang on a hostile file must not take the service with it."""
from __future__ import annotations

from fractions import Fraction

from metarr.scanning.probe import ProbeError, parse_streams, run_ffprobe

# AVColorTransferCharacteristic values (libavutil ABI) for the HDR transfers parse_streams knows
TRC_NAMES = {16: "smpte2084", 18: "arib-std-b67"}
# Dolby Vision configuration records, as their containers store them: Matroska's BlockAddIDType
# element (0x41E7, 4 bytes) holding the FourCC, MP4's 32-byte box. The 7- and 8-byte patterns do not
# turn up by chance in compressed data the way a bare FourCC would.
DOVI_MARKS = tuple(b"\x41\xe7\x84" + t for t in (b"dvcC", b"dvvC", b"dvwC")) + \
    tuple(b"\x00\x00\x00\x20" + t for t in (b"dvcC", b"dvvC", b"dvwC"))
HEAD_BYTES = 512 * 1024


class CannotOpen(Exception):
    """PyAV could not open the container: ffprobe gets a try."""


def pyav_version() -> str | None:
    """PyAV's version, or None when it cannot be imported (not installed, or a shared library of it
    missing): then ffprobe reads every file."""
    try:
        import av
    except ImportError:
        return None
    return getattr(av, "__version__", "unknown")


def dovi_signalled(head: bytes) -> bool:
    """Whether these container bytes carry a Dolby Vision configuration record."""
    return any(m in head for m in DOVI_MARKS)


def _mp4_index(f) -> bytes:
    """The start of an MP4's moov box when it was written after the media data (hop over the
    top-level boxes; a few reads of 16 bytes)."""
    pos = 0
    for _ in range(64):
        f.seek(pos)
        hdr = f.read(16)
        if len(hdr) < 8:
            return b""
        size, kind = int.from_bytes(hdr[:4], "big"), hdr[4:8]
        if size == 1 and len(hdr) == 16:
            size = int.from_bytes(hdr[8:16], "big")
        if kind == b"moov":
            f.seek(pos)
            return f.read(HEAD_BYTES)
        if size < 8:
            return b""
        pos += size
    return b""


def _dovi(path: str, container: str) -> bool:
    if not container.startswith(("matroska", "mov")):
        return False
    with open(path, "rb") as f:
        if dovi_signalled(f.read(HEAD_BYTES)):
            return True
        return container.startswith("mov") and dovi_signalled(_mp4_index(f))


def _rate(r: Fraction | None) -> str:
    return f"{r.numerator}/{r.denominator}" if r else "0/0"   # ffprobe's spelling of "unknown"


def _stream(s, dovi: bool) -> dict | None:
    """One stream as ffprobe prints it (the fields parse_streams reads, plus profile)."""
    if s.type not in ("video", "audio", "subtitle"):
        return None   # data and attachment streams (fonts): nothing we store
    cc = s.codec_context
    if cc is None:
        raise CannotOpen(f"no decoder for stream {s.index}")
    disp = int(s.disposition)
    out = {"index": s.index, "codec_type": s.type, "codec_name": cc.codec.canonical_name,
           "profile": cc.profile, "tags": dict(s.metadata),
           "disposition": {"forced": int(bool(disp & 64)), "attached_pic": int(bool(disp & 1024))}}
    if s.type == "video":
        w, h = cc.width, cc.height
        sar = s.sample_aspect_ratio or cc.sample_aspect_ratio
        out.update(width=w, height=h, pix_fmt=cc.pix_fmt, codec_tag_string=cc.codec_tag,
                   avg_frame_rate=_rate(s.average_rate), r_frame_rate=_rate(s.base_rate))
        if sar and w and h:   # ffprobe derives the display ratio from the sample ratio the same way
            dar = Fraction(w * sar.numerator, h * sar.denominator)
            out["display_aspect_ratio"] = f"{dar.numerator}:{dar.denominator}"
        if cc.color_trc in TRC_NAMES:
            out["color_transfer"] = TRC_NAMES[cc.color_trc]
        if dovi:
            out["side_data_list"] = [{"side_data_type": "DOVI configuration record"}]
    elif s.type == "audio":
        out["channels"] = cc.channels
    return out


def read_pyav(path: str) -> dict:
    """ffprobe-shaped JSON of `path`, read with PyAV. ProbeError: the file cannot be read at all
    (gone, unreadable); CannotOpen: libav does not understand it (ffprobe may)."""
    import av
    try:
        container = av.open(path, metadata_errors="ignore")
    except OSError as e:   # av's FileNotFoundError, PermissionError, IsADirectoryError… are OSErrors
        raise ProbeError(f"could not open the file: {e.strerror or e}") from e
    except av.FFmpegError as e:
        raise CannotOpen(getattr(e, "strerror", None) or str(e)) from e
    with container:
        fmt = container.format.name
        dovi = any(s.type == "video" for s in container.streams) and _dovi(path, fmt)
        streams = [x for x in (_stream(s, dovi) for s in container.streams) if x is not None]
        duration = container.duration
    return {"format": {"format_name": fmt, "duration": f"{duration / 1e6:.6f}" if duration else None},
            "streams": streams}


def probe_file(path: str, timeout: float) -> dict:
    """Stored stream details of one file: PyAV first, ffprobe when PyAV cannot open it or is missing."""
    if pyav_version() is None:
        return parse_streams(run_ffprobe(path, timeout))
    try:
        return parse_streams(read_pyav(path))
    except CannotOpen as e:
        why = str(e)
    try:
        return parse_streams(run_ffprobe(path, timeout))
    except ProbeError as e:
        raise ProbeError(f"not a readable media file ({why}; ffprobe: {e})") from e
