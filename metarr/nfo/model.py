"""Frozen dataclasses describing Kodi NFO documents (movie, tvshow, episodedetails, artist, album).

Pure data: no XML here. Lists are tuples and numbers that Kodi treats as decimals are `Decimal`
(the original Metarr parsed them with parseInt and turned 8.2 into 8). Constructors accept lists,
floats and plain dicts for convenience and normalise them, so equal content compares equal.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal

NfoKind = Literal["movie", "tvshow", "episodedetails", "artist", "album"]
NFO_KINDS: tuple[NfoKind, ...] = ("movie", "tvshow", "episodedetails", "artist", "album")


class IdMap(Mapping[str, str]):
    """Read-only, hashable {id type: value}; types lower-cased, sorted so output is deterministic."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        clean: dict[str, str] = {}
        for key, value in pairs:
            k = str(key).strip().lower()
            v = "" if value is None else str(value).strip()
            if k and v:
                clean[k] = v
        self._items = dict(sorted(clean.items()))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"IdMap({self._items!r})"


def to_decimal(value: Any) -> Decimal | None:
    """Decimal from int/float/str; floats go through str() so 8.2 stays 8.2, not 8.1999…"""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return result


# Characters XML 1.0 cannot carry (and lone surrogates): an NFO can never hold them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Text as an NFO can hold it: no XML-illegal characters, newlines as an XML parser gives them."""
    return _ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, bool, bool], ...]:
    """(name, empty text becomes None, holds a Decimal) per field of an NFO dataclass: read once per
    class, not per document (dataclasses.fields and the type test cost more than the work)."""
    return tuple((f.name, f.default is None, "Decimal" in str(f.type)) for f in dataclasses.fields(cls))


def _normalise(obj: Any) -> None:
    """Shared __post_init__ so equal content compares equal however it was built.

    Lists become tuples, numbers in Decimal fields become Decimal, text is cleaned and stripped
    (Kodi trims it too) and an empty optional text becomes None.
    """
    for name, optional, decimal in _plan(type(obj)):
        value = original = getattr(obj, name)
        if value is None or value == ():   # most fields of a document: nothing to do
            continue
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            value = tuple(v for v in (clean_text(v).strip() for v in value) if v)
        elif isinstance(value, str):
            value = clean_text(value).strip()
            if not value and optional:
                value = None
        elif decimal and not isinstance(value, Decimal):
            value = to_decimal(value)
        if value is not original:
            object.__setattr__(obj, name, value)


@dataclass(frozen=True, kw_only=True)
class Rating:
    """One `<ratings><rating name max default>` entry. Kodi names TMDB ratings `themoviedb`."""

    name: str
    value: Decimal
    votes: int | None = None
    max: int = 10
    default: bool = False

    def __post_init__(self) -> None:
        _normalise(self)
        name = self.name.strip().lower()
        object.__setattr__(self, "name", "themoviedb" if name == "tmdb" else name)


@dataclass(frozen=True, kw_only=True)
class MovieSet:
    name: str
    overview: str | None = None
    tmdbcolid: int | None = None    # the TMDB collection id: an attribute of <set> (Jellyfin, Emby read it)

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class ArtLink:
    """An online image the player's art chooser may offer: `<thumb aspect="poster" preview="…">url</thumb>`
    (a season's: `type="season" season="1"`), or inside `<fanart>`."""
    url: str
    aspect: str | None = None
    preview: str | None = None
    season: int | None = None

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class Actor:
    name: str
    role: str | None = None
    order: int | None = None
    thumb: str | None = None  # URL or path relative to the NFO; never an absolute server path

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class VideoStream:
    codec: str | None = None
    aspect: Decimal | None = None
    width: int | None = None
    height: int | None = None
    durationinseconds: int | None = None
    stereomode: str | None = None
    hdrtype: str | None = None  # Kodi v20+: hdr10, dolbyvision, hlg

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class AudioStream:
    codec: str | None = None
    language: str | None = None
    channels: int | None = None

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class SubtitleStream:
    language: str | None = None

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class StreamDetails:
    video: tuple[VideoStream, ...] = ()
    audio: tuple[AudioStream, ...] = ()
    subtitle: tuple[SubtitleStream, ...] = ()

    def __post_init__(self) -> None:
        _normalise(self)

    def __bool__(self) -> bool:
        return bool(self.video or self.audio or self.subtitle)


@dataclass(frozen=True, kw_only=True)
class NamedSeason:
    number: int
    name: str

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class _Doc:
    kind: ClassVar[NfoKind]
    # Raw XML of every top-level element we do not model, kept verbatim for round-trip.
    unknown: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class _VideoDoc(_Doc):
    # Which uniqueid type becomes default when the caller does not say (Kodi/spec policy).
    id_preference: ClassVar[tuple[str, ...]] = ("tmdb", "imdb")

    uniqueids: IdMap = field(default_factory=IdMap)
    default_id: str | None = None
    title: str | None = None
    originaltitle: str | None = None
    sorttitle: str | None = None
    ratings: tuple[Rating, ...] = ()
    userrating: Decimal | None = None
    outline: str | None = None
    plot: str | None = None
    runtime: int | None = None  # minutes
    mpaa: str | None = None
    genres: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()  # writers
    directors: tuple[str, ...] = ()
    studios: tuple[str, ...] = ()
    year: int | None = None
    actors: tuple[Actor, ...] = ()
    dateadded: str | None = None  # "YYYY-MM-DD HH:MM:SS"

    def __post_init__(self) -> None:
        super().__post_init__()
        ids = self.uniqueids if isinstance(self.uniqueids, IdMap) else IdMap(self.uniqueids)
        object.__setattr__(self, "uniqueids", ids)
        object.__setattr__(self, "default_id", resolve_default_id(ids, self.default_id, self.id_preference))
        object.__setattr__(self, "ratings", _single_default(self.ratings))


def resolve_default_id(ids: Mapping[str, str], wanted: str | None, preference: Iterable[str]) -> str | None:
    """The caller's default if it names a present id, else the first present preferred type."""
    if not ids:
        return None
    if wanted and wanted.strip().lower() in ids:
        return wanted.strip().lower()
    for kind in preference:
        if kind in ids:
            return kind
    return next(iter(ids))


def _single_default(ratings: tuple[Rating, ...]) -> tuple[Rating, ...]:
    """Kodi has one default rating; keep the first one flagged."""
    seen = False
    out = []
    for rating in ratings:
        if rating.default and seen:
            rating = dataclasses.replace(rating, default=False)
        seen = seen or rating.default
        out.append(rating)
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class MovieNfo(_VideoDoc):
    kind: ClassVar[NfoKind] = "movie"

    tagline: str | None = None
    countries: tuple[str, ...] = ()
    set: MovieSet | None = None
    collectionnumber: int | None = None   # the TMDB collection id as Jellyfin writes and reads it
    tags: tuple[str, ...] = ()
    premiered: str | None = None  # YYYY-MM-DD
    trailer: str | None = None
    streamdetails: StreamDetails = field(default_factory=StreamDetails)
    thumbs: tuple[ArtLink, ...] = ()
    fanart: tuple[ArtLink, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TvShowNfo(_VideoDoc):
    kind: ClassVar[NfoKind] = "tvshow"
    id_preference: ClassVar[tuple[str, ...]] = ("tvdb", "tmdb", "imdb")

    tagline: str | None = None
    countries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    premiered: str | None = None
    status: str | None = None
    trailer: str | None = None
    namedseasons: tuple[NamedSeason, ...] = ()
    thumbs: tuple[ArtLink, ...] = ()
    fanart: tuple[ArtLink, ...] = ()
    displayorder: str | None = None   # Jellyfin's episode order (dvd, absolute…); None for aired

    def __post_init__(self) -> None:
        super().__post_init__()
        # One name per season, in season order: Kodi keys them by number.
        by_number = {s.number: s for s in reversed(self.namedseasons)}
        object.__setattr__(self, "namedseasons", tuple(by_number[n] for n in sorted(by_number)))


@dataclass(frozen=True, kw_only=True)
class EpisodeNfo(_VideoDoc):
    kind: ClassVar[NfoKind] = "episodedetails"
    id_preference: ClassVar[tuple[str, ...]] = ("tvdb", "tmdb", "imdb")

    showtitle: str | None = None
    season: int | None = None
    episode: int | None = None
    displayseason: int | None = None
    displayepisode: int | None = None
    aired: str | None = None  # YYYY-MM-DD
    streamdetails: StreamDetails = field(default_factory=StreamDetails)


@dataclass(frozen=True, kw_only=True)
class EpisodesNfo:
    """One episode NFO file: one `<episodedetails>` per episode in the video (multi-episode files)."""

    kind: ClassVar[NfoKind] = "episodedetails"
    episodes: tuple[EpisodeNfo, ...]

    def __post_init__(self) -> None:
        _normalise(self)
        if not self.episodes:
            raise ValueError("an episode NFO needs at least one episode")


@dataclass(frozen=True, kw_only=True)
class ArtistNfo(_Doc):
    kind: ClassVar[NfoKind] = "artist"

    name: str | None = None
    musicbrainzartistid: str | None = None
    sortname: str | None = None
    disambiguation: str | None = None
    genres: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    born: str | None = None
    formed: str | None = None
    biography: str | None = None
    died: str | None = None
    disbanded: str | None = None


@dataclass(frozen=True, kw_only=True)
class AlbumArtist:
    name: str
    musicbrainzartistid: str | None = None

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True, kw_only=True)
class AlbumNfo(_Doc):
    kind: ClassVar[NfoKind] = "album"

    title: str | None = None
    musicbrainzalbumid: str | None = None
    musicbrainzreleasegroupid: str | None = None
    artistdesc: str | None = None  # display string, e.g. "Simon & Garfunkel"
    artists: tuple[AlbumArtist, ...] = ()
    genres: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    review: str | None = None
    releasedate: str | None = None
    year: int | None = None
    label: str | None = None


NfoDoc = MovieNfo | TvShowNfo | EpisodesNfo | ArtistNfo | AlbumNfo
