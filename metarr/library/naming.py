"""Kodi file names for NFOs and artwork, relative to the item's folder. Pure functions.

Facts from reference/kodi-behaviour.md (Kodi 20): `<video base>.nfo` and `<video base>-<type>.<ext>`
work whatever the source's "folder names" option, so movies and episodes use them; shows, artists
and albums use `<type>.<ext>` in their folder; season art lives in the SHOW folder as
`seasonNN-<type>` (zero padded), `season-specials-<type>`, `season-all-<type>`. Disc structures
(BDMV / VIDEO_TS) take short names in the movie folder and `index.nfo` / `VIDEO_TS.nfo` next to
the disc index (reference/external-apis.md §3).

Every name returned is a relative path whose components are never empty, `.` or `..`; the only
separators are the ones we put there (`BDMV/`, `VIDEO_TS/`, `.actors/`).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

SeasonRef = int | Literal["all"]

# Canonical extension per art type: Kodi skins expect transparent PNGs for these.
_PNG_TYPES = frozenset({"clearlogo", "clearart", "discart", "cdart", "characterart"})

# the only folders Metarr itself creates in a library, always inside an entity folder that exists
OWN_FOLDERS = frozenset({".actors", "extrafanart"})
MOVIE_ART = ("poster", "fanart", "banner", "clearlogo", "clearart", "discart", "landscape", "keyart")
TVSHOW_ART = ("poster", "fanart", "banner", "clearlogo", "clearart", "landscape", "characterart", "keyart")
SEASON_ART = ("poster", "fanart", "banner", "landscape")
# a movie set's artwork (Kodi's movie set information folder holds these under bare names)
COLLECTION_ART = ("poster", "fanart", "keyart", "clearlogo", "clearart", "banner", "landscape", "discart")
EPISODE_ART = ("thumb",)
ARTIST_ART = ("thumb", "fanart", "clearlogo", "banner")
ALBUM_ART = ("thumb", "discart", "cdart")

# Kodi's art key "thumb" for artists and albums is the folder image.
_MUSIC_FILE = {"thumb": "folder"}

_FORMAT_EXT = {
    "jpeg": "jpg", "jpg": "jpg", "jpe": "jpg", "mpo": "jpg",  # Pillow reports some JPEGs as MPO
    "png": "png", "webp": "webp", "gif": "gif",
}

# Kodi's default <moviestacking> expressions (advancedsettings), case-insensitive: the stacked
# title is group 1 + group 3 + extension, i.e. the name with the cdN/partN token removed.
_STACKING = (
    re.compile(r"^(.*?)([ _.-]*(?:cd|dvd|p(?:(?:ar)?t)|dis[ck])[ _.-]*[0-9]+)(.*?)(\.[^.]+)$", re.I),
    re.compile(r"^(.*?)([ _.-]*(?:cd|dvd|p(?:(?:ar)?t)|dis[ck])[ _.-]*[a-d])(.*?)(\.[^.]+)$", re.I),
)
_DISC_DIRS = {"bdmv": "index", "video_ts": "video_ts"}
_DISC_INDEX = {"index.bdmv", "video_ts.ifo"}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_NAME_BYTES = 200  # leaves room for "-poster.jpg" etc. under the usual 255-byte limit


# ------------------------------------------------------------------------------- helpers


def image_ext(art_type: str, image_format: str | None = None) -> str:
    """File extension (no dot) for an image: from its format when known, else the canonical one."""
    if image_format:
        ext = _FORMAT_EXT.get(image_format.strip().lower().lstrip("."))
        if ext is None:
            raise ValueError(f"unsupported image format for Kodi artwork: {image_format!r}")
        return ext
    return "png" if art_type in _PNG_TYPES else "jpg"


def _check_art(art_type: str, allowed: tuple[str, ...], what: str) -> None:
    if art_type not in allowed:
        raise ValueError(f"{what} artwork has no {art_type!r} slot; expected one of {', '.join(allowed)}")


def _check_filename(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"not a plain file name: {name!r}")


def _split_ext(filename: str) -> tuple[str, str]:
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:  # no extension, or a dot-file like ".hidden"
        return filename, ""
    return stem, ext


def stacked_base(filename: str) -> str | None:
    """Base of a stacked part (`Movie (1999) cd1.mkv` → `Movie (1999)`), or None if no token."""
    _check_filename(filename)
    for pattern in _STACKING:
        match = pattern.match(filename)
        if match:
            base = match.group(1) + match.group(3)
            if base:
                return base
    return None


def video_base(filename: str, *, stacked: bool = False) -> str:
    """The base Kodi derives sidecar names from: the file name without extension; for a stack
    (the scanner decides that: Kodi only stacks several matching files) without the part token."""
    _check_filename(filename)
    if stacked:
        base = stacked_base(filename)
        if base:
            return base
    return _split_ext(filename)[0]


def disc_nfo_path(video: str) -> str | None:
    """NFO for a disc structure given its index path relative to the movie folder, else None.

    `BDMV/index.bdmv` → `BDMV/index.nfo`; `VIDEO_TS/VIDEO_TS.IFO` → `VIDEO_TS/VIDEO_TS.nfo`;
    an index directly in the folder (`VIDEO_TS.IFO`) → `VIDEO_TS.nfo`.
    """
    parts = [p for p in video.replace("\\", "/").split("/") if p]
    if not parts or parts[-1].lower() not in _DISC_INDEX:
        return None
    if len(parts) > 2 or (len(parts) == 2 and parts[0].lower() not in _DISC_DIRS):
        raise ValueError(f"unexpected disc layout: {video!r}")
    for part in parts:
        _check_filename(part)
    stem = _split_ext(parts[-1])[0]
    return "/".join([*parts[:-1], f"{stem}.nfo"])


# ------------------------------------------------------------------------------- movies


def movie_nfo(video: str, *, stacked: bool = False) -> str:
    """`<video base>.nfo`, or the disc NFO for `BDMV/index.bdmv` / `VIDEO_TS/VIDEO_TS.IFO`."""
    disc = disc_nfo_path(video)
    if disc is not None:
        return disc
    return f"{video_base(video, stacked=stacked)}.nfo"


def movie_art(video: str, art_type: str, image_format: str | None = None, *, stacked: bool = False) -> str:
    """`<video base>-<type>.<ext>`; short `<type>.<ext>` in the movie folder for disc structures."""
    _check_art(art_type, MOVIE_ART, "movie")
    ext = image_ext(art_type, image_format)
    if disc_nfo_path(video) is not None:
        return f"{art_type}.{ext}"
    return f"{video_base(video, stacked=stacked)}-{art_type}.{ext}"


# ------------------------------------------------------------------------------- TV


def tvshow_nfo() -> str:
    return "tvshow.nfo"


def tvshow_art(art_type: str, image_format: str | None = None) -> str:
    _check_art(art_type, TVSHOW_ART, "tvshow")
    return f"{art_type}.{image_ext(art_type, image_format)}"


def season_art(season: SeasonRef, art_type: str, image_format: str | None = None) -> str:
    """Season artwork, relative to the SHOW folder (Kodi ignores `Season 01/poster.jpg`)."""
    _check_art(art_type, SEASON_ART, "season")
    if season == "all":
        prefix = "season-all"
    elif isinstance(season, int) and not isinstance(season, bool) and season >= 0:
        prefix = "season-specials" if season == 0 else f"season{season:02d}"
    else:
        raise ValueError(f"season must be a number >= 0 or 'all', not {season!r}")
    return f"{prefix}-{art_type}.{image_ext(art_type, image_format)}"


def episode_nfo(video: str) -> str:
    """`<episode base>.nfo` (one file, stacked `<episodedetails>` for multi-episode videos)."""
    return f"{video_base(video)}.nfo"


def episode_art(video: str, art_type: str = "thumb", image_format: str | None = None) -> str:
    _check_art(art_type, EPISODE_ART, "episode")
    return f"{video_base(video)}-{art_type}.{image_ext(art_type, image_format)}"


# ------------------------------------------------------------------------------- music


def artist_nfo() -> str:
    return "artist.nfo"


def artist_art(art_type: str, image_format: str | None = None) -> str:
    _check_art(art_type, ARTIST_ART, "artist")
    return f"{_MUSIC_FILE.get(art_type, art_type)}.{image_ext(art_type, image_format)}"


def album_nfo() -> str:
    return "album.nfo"


def album_art(art_type: str, image_format: str | None = None) -> str:
    """`folder.jpg`, `discart.png`; `cdart.png` for skins that still read the old name."""
    _check_art(art_type, ALBUM_ART, "album")
    return f"{_MUSIC_FILE.get(art_type, art_type)}.{image_ext(art_type, image_format)}"


# ------------------------------------------------------------------------------- actors


def safe_component(name: str) -> str:
    """One file-name component from free text: NFC, no separators/reserved/control characters,
    no leading dots (hidden files, `..`), trimmed, bounded in bytes. May return ''."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("", text).strip().lstrip(".").strip()
    encoded = text.encode("utf-8")
    if len(encoded) > _MAX_NAME_BYTES:
        text = encoded[:_MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip()
    return text


def actor_thumb(name: str, image_format: str | None = None) -> str:
    """`.actors/First_Last.jpg` (Kodi replaces spaces with underscores). Stable: an unusable
    name maps to a hash of itself rather than to a shared placeholder."""
    cleaned = safe_component(re.sub(r"\s+", "_", name.strip()))
    if not cleaned.strip("_"):
        cleaned = "actor_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    return f".actors/{cleaned}.{image_ext('thumb', image_format)}"


# ------------------------------------------------------------------------------- movie sets


def movieset_folder(title: str) -> str:
    """The folder of a movie set in Kodi's movie set information folder: the set's title made legal
    exactly as Kodi does (`CUtil::MakeLegalFileName(title, LEGAL_WIN32_COMPAT)`, reference
    players-and-orders §2.2): / \\ ? : * " < > | become _, trailing dots and spaces go. Nothing else
    changes (Kodi would not find the folder under any other name). ValueError when nothing is left."""
    name = title
    for ch in '/\\?:*"<>|':
        name = name.replace(ch, "_")
    name = name.rstrip(". ")
    if not name or "\x00" in name or len(name.encode("utf-8")) > 255:
        raise ValueError(f"no folder name can be made of the set title {title[:80]!r}")
    return name


def movieset_art(art_type: str, image_format: str | None = None) -> str:
    """A set's image in its folder: the bare art type (`poster.jpg`, `clearlogo.png`)."""
    _check_art(art_type, COLLECTION_ART, "movie set")
    return f"{art_type}.{image_ext(art_type, image_format)}"
