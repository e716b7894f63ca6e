"""Provider ids in NFOs: normalising values, reading them from URLs, salvaging them from broken XML."""
from __future__ import annotations

import re
from collections.abc import Iterable

# Kodi's legacy bare `<id>`/typeless uniqueid means "the scraper's id": IMDb when it looks like
# one, otherwise the numeric id of the kind's main provider.
NUMERIC_ID_TYPE = {"movie": "tmdb", "tvshow": "tvdb", "episodedetails": "tvdb"}

_IMDB = re.compile(r"^(?:tt)?(\d{6,})$", re.IGNORECASE)
_DIGITS = re.compile(r"^\d+$")

_URLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"themoviedb\.org/(?:movie|tv)/(\d+)", re.I), "tmdb"),
    (re.compile(r"imdb\.[a-z.]+/(?:[a-z]{2}/)?title/(tt\d{6,})", re.I), "imdb"),
    (re.compile(r"thetvdb\.com/(?:dereferrer/)?series/(\d+)(?![\w-])", re.I), "tvdb"),
    (re.compile(r"thetvdb\.com/\S*?[?&](?:series)?id=(\d+)", re.I), "tvdb"),
    (re.compile(r"musicbrainz\.org/artist/([0-9a-f-]{36})", re.I), "musicbrainzartistid"),
    (re.compile(r"musicbrainz\.org/release/([0-9a-f-]{36})", re.I), "musicbrainzalbumid"),
    (re.compile(r"musicbrainz\.org/release-group/([0-9a-f-]{36})", re.I), "musicbrainzreleasegroupid"),
)
_TMDB_TV_URL = re.compile(r"themoviedb\.org/tv/\d+", re.I)
_TMDB_MOVIE_URL = re.compile(r"themoviedb\.org/movie/\d+", re.I)

# Salvage patterns for XML we could not parse: applied in the order the original honoured them
# (later overwrites earlier), so `<uniqueid>` beats the legacy forms.
_SALVAGE: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"<tmdbid>\s*(\d+)\s*<", re.I), "tmdb"),
    (re.compile(r"<imdbid>\s*(tt\d{6,})\s*<", re.I), "imdb"),
    (re.compile(r"<tvdbid>\s*(\d+)\s*<", re.I), "tvdb"),
    (re.compile(r"<id>\s*([^<\s]+)\s*<", re.I), None),
    (re.compile(r"""<id\s[^>]*?source\s*=\s*["']?(\w+)["']?[^>]*>\s*([^<\s]+)\s*<""", re.I), "?"),
    (re.compile(r"""<uniqueid\s[^>]*?type\s*=\s*["']?(\w+)["']?[^>]*>\s*([^<\s]+)\s*<""", re.I), "?"),
    (re.compile(r"<musicbrainzartistid>\s*([0-9a-f-]{36})\s*<", re.I), "musicbrainzartistid"),
    (re.compile(r"<musicbrainzalbumid>\s*([0-9a-f-]{36})\s*<", re.I), "musicbrainzalbumid"),
    (re.compile(r"<musicbrainzreleasegroupid>\s*([0-9a-f-]{36})\s*<", re.I), "musicbrainzreleasegroupid"),
)


def normalise_id(id_type: str, value: str) -> str | None:
    """The canonical form of an id, or None when the value cannot be an id of that type."""
    value = value.strip()
    if id_type == "imdb":
        match = _IMDB.match(value)
        return f"tt{match.group(1)}" if match else None
    if id_type in ("tmdb", "tvdb"):
        return value if _DIGITS.match(value) and value != "0" else None
    return value or None


def guess_type(value: str, kind: str | None) -> str | None:
    """Type of an untyped id (`<id>` or uniqueid without type)."""
    value = value.strip()
    if value.lower().startswith("tt") and _IMDB.match(value):
        return "imdb"
    if _DIGITS.match(value):
        return NUMERIC_ID_TYPE.get(kind or "movie")
    return None


def ids_from_text(text: str, kind: str | None = None) -> tuple[dict[str, str], list[str]]:
    """Ids in provider URLs anywhere in `text` (URL-only NFOs, a URL line after `</movie>`)."""
    ids: dict[str, str] = {}
    warnings: list[str] = []
    for pattern, id_type in _URLS:
        for match in pattern.finditer(text):
            value = match.group(1).lower() if id_type.startswith("musicbrainz") else match.group(1)
            if id_type in ids and ids[id_type] != value:
                warnings.append(f"several {id_type} ids in URLs; keeping {ids[id_type]}")
                continue
            ids[id_type] = value
    if kind == "movie" and _TMDB_TV_URL.search(text):
        warnings.append("TMDB URL names a TV show but the NFO is for a movie")
    if kind in ("tvshow", "episodedetails") and _TMDB_MOVIE_URL.search(text):
        warnings.append("TMDB URL names a movie but the NFO is for TV")
    return ids, warnings


def salvage_ids(text: str, kind: str | None) -> dict[str, str]:
    """Best-effort ids from text that is not well-formed XML. Never expands anything."""
    found: dict[str, str] = {}
    for pattern, id_type in _SALVAGE:
        for match in pattern.finditer(text):
            if id_type == "?":
                typ, raw = match.group(1).lower(), match.group(2)
            elif id_type is None:
                raw = match.group(1)
                typ = guess_type(raw, kind) or ""
            else:
                typ, raw = id_type, match.group(1)
            value = normalise_id(typ, raw) if typ else None
            if value:
                found[typ] = value.lower() if typ.startswith("musicbrainz") else value
    url_ids, _ = ids_from_text(text, kind)
    for key, value in url_ids.items():
        found.setdefault(key, value)
    return found


def merge_ids(primary: dict[str, str], extra: Iterable[tuple[str, str]], source: str) -> list[str]:
    """Fill gaps in `primary` from `extra`; report (do not apply) conflicts."""
    warnings = []
    for key, value in extra:
        if key not in primary:
            primary[key] = value
        elif primary[key] != value:
            warnings.append(f"{source} gives {key} {value}, NFO says {primary[key]}; keeping the NFO's")
    return warnings
