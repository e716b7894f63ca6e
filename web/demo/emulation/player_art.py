"""What Jellyfin, Emby and Plex show for an item, from the files beside it, by each player's own
rules (reference/players-and-orders.md §1.1: Jellyfin's LocalImageProvider, the last open-source
Emby's, Plex's Local Media Assets agent). Written from those rules, not from Metarr's naming, so a
test can ask "what poster would Jellyfin show?" of a published folder.

Each function takes an item's path (a movie's or episode's video file, a show's folder; a season is
its show folder and number) and returns {image type: [files, the one shown first]}.
"""
from __future__ import annotations

import re
from pathlib import Path

VIDEO = {".mkv", ".mp4", ".m4v", ".avi", ".mov", ".wmv", ".ts", ".m2ts", ".webm", ".mpg", ".mpeg", ".iso"}
JF_EXT = (".png", ".jpg", ".jpeg", ".webp", ".tbn", ".gif", ".svg")   # Jellyfin's order: a PNG wins
PLEX_EXT = ("jpg", "jpeg", "png", "tbn")
_STACK = re.compile(r"[ _.-]*(?:cd|dvd|part|pt|dis[ck])[ _.-]*[0-9]+$", re.I)


def _images(folder: Path) -> dict[str, Path]:
    """Lower-cased name without extension -> file (the first by extension order; empty files skipped)."""
    out: dict[str, tuple[int, Path]] = {}
    if not folder.is_dir():
        return {}
    for p in folder.iterdir():
        ext = p.suffix.lower()
        if p.is_file() and ext in JF_EXT and p.stat().st_size > 0:
            key, rank = p.stem.lower(), JF_EXT.index(ext)
            if key not in out or rank < out[key][0]:
                out[key] = (rank, p)
    return {k: v[1] for k, v in out.items()}


def movies_in(folder: Path) -> int:
    """How many movies a folder holds (stacked parts count once)."""
    stems = {_STACK.sub("", p.stem).lower() for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() in VIDEO and "-trailer" not in p.stem.lower()
             and "sample" not in p.stem.lower()}
    return len(stems)


def _first(found: dict[str, Path], names: list[str]) -> list[Path]:
    return [found[n] for n in names if n in found][:1]


def _numbered(found: dict[str, Path], base: str, dash: bool) -> list[Path]:
    """`fanart-1`, `fanart-2` … (or `backdrop1` …), stopping after three misses in a row."""
    out, misses, n = [], 0, 1
    while misses < 3 and n <= 20:
        key = f"{base}-{n}" if dash else f"{base}{n}"
        if key in found:
            out.append(found[key])
            misses = 0
        else:
            misses += 1
        n += 1
    return out


# ------------------------------------------------------------------ Jellyfin (and old Emby)

def jellyfin(path: Path, kind: str = "movie", season: int | None = None, emby: bool = False) -> dict[str, list[Path]]:
    """Jellyfin's local images of an item; `emby`: the last open-source Emby's differences (primary
    order, `logo` only, `disc`/`cdart` only, `thumb` before `landscape`)."""
    path = Path(path)
    if kind == "season":
        return _jf_season(path, season or 0)
    if kind == "episode":
        found = _images(path.parent)
        meta = _images(path.parent / "metadata")
        f = path.stem.lower()
        return {"Primary": _first(found, [f, f"{f}-thumb"]) or _first(meta, [f, f"{f}-thumb"])}
    folder = path if kind == "series" else path.parent
    found = _images(folder)
    mixed = kind == "movie" and movies_in(folder) > 1
    f = path.stem.lower() if kind == "movie" else None

    def names(*bare: str) -> list[str]:
        """Bare names in an item's own folder and `<file>-<name>`; only the latter in a mixed folder."""
        out = []
        for n in bare:
            if not mixed:
                out.append(n)
            if f:
                out.append(f"{f}-{n}")
        return out
    if kind == "series":
        primary = ["folder", "cover", "poster", "default", "show"] if emby else \
            ["poster", "folder", "cover", "default", "show"]
    elif emby:
        primary = names("folder", "cover", "poster", "default", "movie") + [f, f"{f}-poster"]
    else:
        primary = [f] + names("poster", "folder", "cover", "default", "movie")
    backdrops = ([found[f"{f}-fanart"]] if f and f"{f}-fanart" in found else [])
    for base in ("fanart", "background", "art"):
        for stem in ([base] if not mixed else []) + ([f"{f}-{base}"] if f and base != "fanart" else []):
            if stem in found:
                backdrops.append(found[stem])
        backdrops += _numbered(found, base, dash=True) if not mixed else []
        backdrops += _numbered(found, f"{f}-{base}", dash=True) if f else []
    if not mixed:
        extra = folder / "extrafanart"
        backdrops += sorted(p for p in extra.iterdir() if p.is_file() and p.suffix.lower() in JF_EXT) \
            if extra.is_dir() else []
        backdrops += _first(found, ["backdrop"]) + _numbered(found, "backdrop", dash=False)
    return {"Primary": _first(found, [n for n in primary if n]),
            "Backdrop": list(dict.fromkeys(backdrops)),
            "Logo": _first(found, names("logo") if emby else names("logo", "clearlogo")),
            "Art": _first(found, names("clearart")),
            "Banner": _first(found, names("banner")),
            "Thumb": _first(found, names("thumb", "landscape") if emby else names("landscape", "thumb")),
            "Disc": _first(found, names("disc", "cdart") if emby else names("disc", "cdart", "discart"))}


def _jf_season(show: Path, number: int) -> dict[str, list[Path]]:
    """A season's images from the series folder (`season01-poster`, `season-specials-poster`, or the
    season's name without spaces), else its own folder's common names."""
    found = _images(show)
    prefixes = ["season-specials", "specials"] if number == 0 else [f"season{number:02d}", f"season{number}"]
    out = {t: _first(found, [f"{p}-{s}" for p in prefixes])
           for t, s in (("Primary", "poster"), ("Backdrop", "fanart"), ("Banner", "banner"), ("Thumb", "landscape"))}
    own = _images(show / ("Specials" if number == 0 else f"Season {number:02d}"))
    out["Primary"] = out["Primary"] or _first(own, ["poster", "folder", "cover", "default"])
    return out


def emby(path: Path, kind: str = "movie", season: int | None = None) -> dict[str, list[Path]]:
    return jellyfin(path, kind, season, emby=True)


# ------------------------------------------------------------------ Plex (Local Media Assets)

def plex(path: Path, kind: str = "movie", season: int | None = None) -> dict[str, list[Path]]:
    """Plex's legacy local-media agent: {"posters", "art", "banners"} of an item, each list in
    file-name order (Plex shows the first)."""
    path = Path(path)
    ext = "|".join(PLEX_EXT)

    def match(folder: Path, pattern: str) -> list[Path]:
        rx = re.compile(rf"^(?:{pattern})\.(?:{ext})$")
        return sorted(p for p in folder.iterdir() if p.is_file() and rx.match(p.name.lower())) \
            if folder.is_dir() else []
    if kind == "movie":
        folder, f = path.parent, re.escape(path.stem.lower())
        single = movies_in(folder) == 1
        bare_p = "poster|default|cover|movie|folder|" if single else ""
        bare_a = "fanart|art|background|backdrop|" if single else ""
        return {"posters": match(folder, rf"(?:{bare_p}{f})-?[0-9]?"),
                "art": match(folder, rf"(?:{bare_a}{f}-fanart)-?[0-9]?"), "banners": []}
    if kind == "series":
        return {"posters": match(path, r"(?:show|poster|folder)-?[0-9]?"),
                "art": match(path, r"(?:fanart|art|background|backdrop)-?[0-9]?"),
                "banners": match(path, r"banner-?[0-9]?")}
    if kind == "season":
        n = season or 0
        folders = [path, path / ("Specials" if n == 0 else f"Season {n:02d}")]
        special = "|season-specials-poster" if n == 0 else ""
        out: dict[str, list[Path]] = {"posters": [], "art": [], "banners": []}
        for folder in folders:
            out["posters"] += match(folder, rf"season-?0?{n}[-a-z]?(?:-poster)?{special}")
            out["banners"] += match(folder, rf"season-?0?{n}-banner" + ("|season-specials-banner" if n == 0 else ""))
            out["art"] += match(folder, rf"season0?{n}-(?:fanart|art|background|backdrop)"
                                + ("|season-specials-(?:fanart|art|background|backdrop)" if n == 0 else ""))
        return out
    f = re.escape(path.stem.lower())
    return {"posters": match(path.parent, rf"{f}(?:-|-thumb)?[0-9]?"), "art": [], "banners": []}
