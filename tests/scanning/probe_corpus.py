"""Tiny real clips of the containers and codecs a library holds, rendered once per test session with
ffmpeg's lavfi sources (a second each, 160x120), for the stream-details tests."""
from __future__ import annotations

import functools
import subprocess
from pathlib import Path

VIDEO = ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=24000/1001"]
TONE = ["-f", "lavfi", "-i", "sine=duration=1"]
SRT = "1\n00:00:00,000 --> 00:00:01,000\n{}\n"

# name -> (file name, ffmpeg arguments between the inputs and the output); {en}/{fr}: subtitle inputs
CASES: dict[str, tuple[str, list[str]]] = {
    "h264_aac_mp4": ("h264.mp4", [*VIDEO, *TONE, "-c:v", "libx264", "-c:a", "aac", "-metadata:s:a:0",
                                  "language=eng", "-shortest"]),
    "hevc10_hdr_mkv": ("hevc10.mkv", [*VIDEO, "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params",
                                      "log-level=error", "-color_primaries", "bt2020", "-color_trc", "smpte2084",
                                      "-colorspace", "bt2020nc"]),
    "mpeg4_mp3_avi": ("xvid.avi", [*VIDEO, *TONE, "-c:v", "mpeg4", "-c:a", "libmp3lame", "-shortest"]),
    "vp9_opus_webm": ("vp9.webm", [*VIDEO, *TONE, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a",
                                   "libopus", "-shortest"]),
    "h264_ac3_51_mkv": ("ac3.mkv", [*VIDEO, "-f", "lavfi", "-i", "sine=duration=1", "-ac", "6", "-c:v", "libx264",
                                    "-c:a", "ac3", "-shortest"]),
    "two_audio_two_subs_mkv": ("multi.mkv", [
        *VIDEO, *TONE, "-f", "lavfi", "-i", "sine=duration=1:frequency=880", "-i", "{en}", "-i", "{fr}",
        "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map", "4", "-c:v", "libx264", "-c:a", "aac",
        "-c:s", "srt", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger",
        "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fre", "-disposition:s:1", "forced",
        "-shortest"]),
}


@functools.cache
def encoders() -> str:
    return subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout


def missing_encoder(case: str) -> str | None:
    """The encoder this ffmpeg lacks for `case`, if any (the case is then skipped, saying so)."""
    args = CASES[case][1]
    for i, a in enumerate(args):
        if a in ("-c:v", "-c:a") and args[i + 1] not in ("copy",) and f" {args[i + 1]} " not in encoders():
            return args[i + 1]
    return None


def render(case: str, out_dir: Path) -> Path:
    name, args = CASES[case]
    out = out_dir / name
    if out.exists():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "en.srt").write_text(SRT.format("Hello."))
    (out_dir / "fr.srt").write_text(SRT.format("Bonjour."))
    args = [a.format(en=out_dir / "en.srt", fr=out_dir / "fr.srt") for a in args]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(out)], check=True)
    return out
