"""Stream details: ffprobe's JSON → what we store (`parse_streams`). The scanner reads them with
PyAV in probe processes (probe_av.py, probe_pool.py), which shape their findings like ffprobe's JSON
so both paths meet here; ffprobe itself (a spawn costs ~60 ms) is only the fallback."""
from __future__ import annotations

import json
import re
import subprocess
from fractions import Fraction

HDR_TRANSFER = {"smpte2084": "hdr10", "arib-std-b67": "hlg"}
CODEC_NAMES = {"h264": "h264", "hevc": "hevc", "mpeg4": "mpeg4", "mpeg2video": "mpeg2", "av1": "av1", "vp9": "vp9",
               "vc1": "vc1", "aac": "aac", "ac3": "ac3", "eac3": "eac3", "dts": "dts", "truehd": "truehd",
               "flac": "flac", "mp3": "mp3", "opus": "opus", "vorbis": "vorbis", "pcm_s16le": "pcm",
               "subrip": "srt", "ass": "ass", "hdmv_pgs_subtitle": "pgs", "dvd_subtitle": "vobsub"}


class ProbeError(Exception):
    pass


def run_ffprobe(path: str, timeout: float = 60.0) -> dict:
    try:
        out = subprocess.run(["ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams",
                              path], capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as e:
        raise ProbeError("ffprobe is not installed") from e
    except subprocess.TimeoutExpired as e:
        raise ProbeError(f"ffprobe timed out after {timeout:.0f} s") from e
    if out.returncode != 0:
        raise ProbeError(f"ffprobe could not read the file (exit {out.returncode})")
    try:
        return json.loads(out.stdout or b"{}")
    except ValueError as e:
        raise ProbeError("ffprobe printed no JSON") from e


def _rate(s: str | None) -> float | None:
    try:
        f = Fraction(s) if s else None
    except (ValueError, ZeroDivisionError):
        return None
    return round(float(f), 3) if f else None


def _lang(tags: dict | None) -> str | None:
    lang = (tags or {}).get("language")
    return None if lang in (None, "und") else lang


def _bit_depth(s: dict) -> int | None:
    """From the pixel format (ffprobe gives no bits_per_raw_sample for HEVC or VP9, PyAV none at all),
    else the raw sample bits."""
    pix = s.get("pix_fmt") or ""
    m = re.search(r"p0?(\d{2})(?:le|be)?$", pix)   # yuv420p10le, gbrp12le, p010le
    if m:
        return int(m.group(1))
    if pix.startswith(("yuv", "gbrp", "nv12", "nv21")):
        return 8
    raw = str(s.get("bits_per_raw_sample", ""))
    return int(raw) if raw.isdigit() and int(raw) else None


def parse_streams(data: dict) -> dict:
    """ffprobe JSON → what we store and publish in <streamdetails> (Kodi codec names, aspect as a
    decimal, HDR type from the colour transfer or Dolby Vision side data)."""
    fmt = data.get("format") or {}
    try:
        duration = round(float(fmt.get("duration")), 3) if fmt.get("duration") else None
    except (TypeError, ValueError):
        duration = None
    video, audio, subs = [], [], []
    for s in data.get("streams") or []:
        kind = s.get("codec_type")
        codec = CODEC_NAMES.get(s.get("codec_name") or "", s.get("codec_name"))
        if kind == "video":
            if (s.get("disposition") or {}).get("attached_pic"):
                continue  # cover art inside the file
            w, h = s.get("width"), s.get("height")
            dar = s.get("display_aspect_ratio")
            aspect = None
            if dar and ":" in dar and dar != "0:1":
                a, b = dar.split(":")
                aspect = round(int(a) / int(b), 2) if int(b) else None
            elif w and h:
                aspect = round(w / h, 2)
            hdr = HDR_TRANSFER.get(s.get("color_transfer") or "")
            if any("DOVI" in (sd.get("side_data_type") or "") or "Dolby Vision" in (sd.get("side_data_type") or "")
                   for sd in s.get("side_data_list") or []) or s.get("codec_tag_string") in ("dvhe", "dvh1", "dva1", "dvav"):
                hdr = "dolbyvision"
            video.append({"codec": codec, "width": w, "height": h, "aspect": aspect,
                          "framerate": _rate(s.get("avg_frame_rate") or s.get("r_frame_rate")), "hdr_type": hdr,
                          "bit_depth": _bit_depth(s), "profile": s.get("profile")})
        elif kind == "audio":
            audio.append({"codec": codec, "channels": s.get("channels"), "language": _lang(s.get("tags"))})
        elif kind == "subtitle":
            subs.append({"codec": codec, "language": _lang(s.get("tags")),
                         "forced": bool((s.get("disposition") or {}).get("forced"))})
    return {"duration_s": duration, "container": fmt.get("format_name"), "video": video, "audio": audio,
            "subtitles": subs}


def probe(path: str, timeout: float = 60.0) -> dict:
    return parse_streams(run_ffprobe(path, timeout))
