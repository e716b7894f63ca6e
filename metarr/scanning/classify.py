"""What a file is, from its path alone: video, audio, artwork (with its Kodi art type), NFO,
subtitle (with language), trailer, extra, theme, sample, disc-structure part, or unknown."""
from __future__ import annotations

import re
from dataclasses import dataclass

VIDEO_EXT = frozenset("mkv mp4 m4v avi mov wmv ts m2ts mts webm mpg mpeg divx flv ogm 3gp iso vob".split())
AUDIO_EXT = frozenset("flac mp3 m4a aac ogg oga opus wav wma alac ape wv dsf aiff aif".split())
IMAGE_EXT = frozenset("jpg jpeg png webp gif tbn".split())
SUB_EXT = frozenset("srt ass ssa vtt sub idx sup smi".split())
EXTRA_DIRS = frozenset(("extras", "extra", "featurettes", "featurette", "behind the scenes", "deleted scenes",
                        "interviews", "scenes", "shorts", "other", "bonus", "samples", "backdrops", "clips"))
TRAILER_DIRS = frozenset(("trailers", "trailer"))
DISC_DIRS = frozenset(("bdmv", "video_ts", "certificate", "audio_ts"))
DISC_INDEX = frozenset(("index.bdmv", "video_ts.ifo"))

# Kodi art names → our slot names (reference/kodi-behaviour.md)
ART_ALIASES = {
    "poster": "poster", "folder": "poster", "cover": "poster", "fanart": "fanart", "backdrop": "fanart",
    "background": "fanart", "banner": "banner", "clearlogo": "clearlogo", "logo": "clearlogo",
    "clearart": "clearart", "discart": "discart", "disc": "discart", "cdart": "discart", "landscape": "landscape",
    "thumb": "thumb", "keyart": "keyart", "characterart": "characterart", "artist": "thumb",
}
_ART_SUFFIX = re.compile(r"^(?P<base>.*?)[-._](?P<type>" + "|".join(sorted(ART_ALIASES, key=len, reverse=True))
                         + r")(?P<rank>\d{0,2})$", re.IGNORECASE)
_SEASON_ART = re.compile(r"^season(?:(?P<n>\d{1,4})|-(?P<special>specials|all))-(?P<type>poster|fanart|banner|landscape|thumb)$",
                         re.IGNORECASE)
_SAMPLE = re.compile(r"(?:^|[ ._\-\[(])sample(?:[ ._\-\])]|$)", re.IGNORECASE)
_TRAILER = re.compile(r"[-._ ]trailer\d*$", re.IGNORECASE)
_SUB_FLAGS = {"forced", "sdh", "cc", "hi", "default"}
_LANG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")


@dataclass(frozen=True, slots=True)
class Classified:
    kind: str                  # video audio image nfo subtitle trailer extra theme sample disc unknown
    role: str | None = None    # art type / 'season:N:type' / 'actor' / subtitle language / 'disc-index'
    base: str | None = None    # the name a sidecar belongs to (video base), when the name says so
    flags: tuple[str, ...] = ()


def split_name(name: str) -> tuple[str, str]:
    i = name.rfind(".")
    return (name[:i], name[i + 1:].lower()) if i > 0 else (name, "")


def classify(path: str, library_kind: str) -> Classified:
    parts = path.split("/")
    name = parts[-1]
    dirs = [p.lower() for p in parts[:-1]]
    stem, ext = split_name(name)
    low = name.lower()
    if any(d in DISC_DIRS for d in dirs):
        return Classified("video", "disc-index") if low in DISC_INDEX else Classified("disc")
    if low in DISC_INDEX:
        return Classified("video", "disc-index")
    if ".actors" in dirs and ext in IMAGE_EXT:
        return Classified("image", "actor", stem.replace("_", " "))
    if "extrafanart" in dirs and ext in IMAGE_EXT:
        return Classified("image", "extrafanart")
    in_extra = any(d in EXTRA_DIRS for d in dirs)
    in_trailers = any(d in TRAILER_DIRS for d in dirs)
    if ext in VIDEO_EXT:
        if _SAMPLE.search(stem) or "sample" in dirs:
            return Classified("sample")
        if in_trailers or _TRAILER.search(stem):
            return Classified("trailer", base=_TRAILER.sub("", stem) if not in_trailers else None)
        if in_extra:
            return Classified("extra")
        return Classified("video")
    if ext in AUDIO_EXT:
        if stem.lower() == "theme" or "theme-music" in dirs or "theme music" in dirs:
            return Classified("theme")
        return Classified("audio") if library_kind == "music" else Classified("extra" if in_extra else "unknown")
    if ext == "nfo":
        return Classified("nfo", base=stem)
    if ext in SUB_EXT:
        return _subtitle(stem)
    if ext in IMAGE_EXT:
        return _image(stem)
    return Classified("unknown")


def _image(stem: str) -> Classified:
    low = stem.lower()
    m = _SEASON_ART.match(low)
    if m:
        season = "all" if m.group("special") == "all" else ("0" if m.group("special") else str(int(m.group("n"))))
        return Classified("image", f"season:{season}:{m.group('type')}")
    if low in ART_ALIASES:
        return Classified("image", ART_ALIASES[low])
    m = _ART_SUFFIX.match(stem)
    if m and m.group("base"):
        role = ART_ALIASES[m.group("type").lower()]
        if m.group("rank"):
            role = f"{role}{int(m.group('rank'))}" if role == "fanart" else role
        return Classified("image", role, m.group("base"))
    return Classified("image", None, stem)  # an image with no art name (e.g. a legacy <base>.jpg): listed only


def _subtitle(stem: str) -> Classified:
    tokens = stem.split(".")
    flags, lang = [], None
    while len(tokens) > 1:
        t = tokens[-1]
        if t.lower() in _SUB_FLAGS:
            flags.append(t.lower())
        elif lang is None and _LANG.match(t):
            lang = t.replace("_", "-")
        else:
            break
        tokens.pop()
    return Classified("subtitle", normalise_language(lang) if lang else None, ".".join(tokens), tuple(sorted(flags)))


_ISO2TO3 = {"en": "eng", "fr": "fre", "de": "ger", "es": "spa", "it": "ita", "pt": "por", "nl": "dut", "sv": "swe",
            "no": "nor", "da": "dan", "fi": "fin", "pl": "pol", "ru": "rus", "ja": "jpn", "zh": "chi", "ko": "kor",
            "cs": "cze", "hu": "hun", "tr": "tur", "el": "gre", "he": "heb", "ar": "ara"}


def normalise_language(code: str) -> str:
    """ISO 639-2 as Kodi writes it; region kept (`pt-BR` → `por-BR`)."""
    base, _, region = code.partition("-")
    base = base.lower()
    base = _ISO2TO3.get(base, base)
    return f"{base}-{region.upper()}" if region else base
