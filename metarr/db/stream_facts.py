"""The few facts of a file's stream details that the grids filter by, kept in plain columns of
`media_files` (filled whenever `streams` is written, emptied with it): a JSON query would be spelled
differently on SQLite and PostgreSQL and could use no index, a column is the same on both.

    res          the video's resolution class: 2160, 1080, 720, 576 or 480 (by width, then height)
    hdr          the HDR type of the video (hdr10, hlg, dolbyvision…), NULL for SDR
    vcodec       the video codec as Kodi names it (h264, hevc, av1…)
    achannels    the most channels of any audio stream
    sublangs     the embedded subtitles' languages as two-letter codes, ",en,de," (LIKE '%,en,%')

Pure; `migrations/0034_stream_facts.py` fills the columns of files probed before they existed.
"""
from __future__ import annotations

from typing import Any

COLUMNS = ("res", "hdr", "vcodec", "achannels", "sublangs")
RESOLUTIONS = (2160, 1080, 720, 576, 480)

# ISO 639-2 (terminology and bibliographic) → 639-1, for the languages files are tagged with
_THREE = {"ara": "ar", "bul": "bg", "cat": "ca", "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de",
          "ell": "el", "gre": "el", "eng": "en", "spa": "es", "est": "et", "fas": "fa", "per": "fa", "fin": "fi",
          "fra": "fr", "fre": "fr", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "ind": "id", "isl": "is",
          "ice": "is", "ita": "it", "jpn": "ja", "kor": "ko", "lit": "lt", "lav": "lv", "nob": "nb", "nld": "nl",
          "dut": "nl", "nor": "no", "pol": "pl", "por": "pt", "ron": "ro", "rum": "ro", "rus": "ru", "slk": "sk",
          "slo": "sk", "slv": "sl", "srp": "sr", "swe": "sv", "tha": "th", "tur": "tr", "ukr": "uk", "vie": "vi",
          "zho": "zh", "chi": "zh"}


def language(code: Any) -> str | None:
    """A language tag as a two-letter code (`eng`, `en`, `en-US`, `por-BR` → en, en, en, pt)."""
    if not isinstance(code, str) or not code.strip():
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if len(base) == 3:
        return _THREE.get(base, base)
    return base if len(base) == 2 and base.isalpha() else None


def resolution(width: Any, height: Any) -> int | None:
    """The class players show (4K, 1080p…): by width first, since a scope film is 1920×800."""
    w = width if isinstance(width, int) and width > 0 else 0
    h = height if isinstance(height, int) and height > 0 else 0
    if not (w or h):
        return None
    if w >= 3200 or h >= 1800:
        return 2160
    if w >= 1700 or h >= 1000:
        return 1080
    if w >= 1100 or h >= 700:
        return 720
    if w >= 800 or h >= 560:
        return 576
    return 480


def facts(streams: Any) -> dict[str, Any]:
    """The columns for one file's stream details (all None when there are none)."""
    out: dict[str, Any] = dict.fromkeys(COLUMNS)
    if not isinstance(streams, dict):
        return out
    video = [v for v in streams.get("video") or [] if isinstance(v, dict)]
    if video:
        v = max(video, key=lambda x: (x.get("width") or 0) * (x.get("height") or 0))
        out["res"] = resolution(v.get("width"), v.get("height"))
        out["hdr"] = (str(v["hdr_type"]).lower()[:16] or None) if v.get("hdr_type") else None
        out["vcodec"] = str(v["codec"]).lower()[:32] if v.get("codec") else None
    channels = [a.get("channels") for a in streams.get("audio") or [] if isinstance(a, dict)]
    channels = [c for c in channels if isinstance(c, int) and c > 0]
    out["achannels"] = max(channels) if channels else None
    langs = sorted({x for x in (language(s.get("language")) for s in streams.get("subtitles") or []
                                if isinstance(s, dict)) if x})
    out["sublangs"] = f",{','.join(langs)}," if langs else None
    return out
