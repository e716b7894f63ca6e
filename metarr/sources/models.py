"""The neutral model every provider maps into (field names are ours, see metarr/metadata.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metarr.service.values import CastEntry as Person
from metarr.service.values import RatingEntry as Rating

__all__ = ["ALL_SEASONS", "Art", "EpisodeInfo", "Metadata", "Person", "Rating", "SearchHit", "to_int", "year_of"]

ALL_SEASONS = -1   # Art.season of an image for every season (Fanart.tv "all"; Kodi's "all seasons" number)


@dataclass(frozen=True)
class Art:
    provider: str
    slot: str                      # poster fanart banner clearlogo clearart discart landscape keyart characterart thumb
    url: str
    width: int | None = None
    height: int | None = None
    language: str | None = None    # None = no text
    votes: int = 0
    vote_average: float | None = None
    likes: int = 0
    season: int | None = None      # season artwork: its season (0 = specials), or ALL_SEASONS


@dataclass(frozen=True)
class SearchHit:
    provider: str
    id: str
    title: str
    year: int | None = None
    popularity: float = 0.0
    original_title: str | None = None
    overview: str | None = None      # shown in the picker, so "Dracula (1931)" and "(1958)" can be told apart
    poster: str | None = None        # a small poster URL, for the same reason


@dataclass(frozen=True)
class EpisodeInfo:
    season: int
    episode: int
    scalars: dict[str, Any] = field(default_factory=dict)
    art: tuple[Art, ...] = ()
    texts: dict[str, dict[str, str]] = field(default_factory=dict)   # as Metadata.texts


@dataclass(frozen=True)
class Metadata:
    provider: str
    ids: dict[str, Any] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    cast: tuple[Person, ...] = ()
    ratings: tuple[Rating, ...] = ()
    art: tuple[Art, ...] = ()
    episodes: tuple[EpisodeInfo, ...] = ()
    seasons: dict[int, str] = field(default_factory=dict)   # number -> name
    # the provider's texts by language (`de-DE`, `en`, or TheTVDB's as ISO 639-1): field -> value,
    # "" where it has none; `scalars` holds the answer in the language asked for
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    original_language: str | None = None
    certifications: dict[str, str] = field(default_factory=dict)   # ISO 3166-1 country -> its rating


def year_of(date: str | None) -> int | None:
    return int(date[:4]) if date and len(date) >= 4 and date[:4].isdigit() else None


def to_int(v: Any) -> int:
    try:
        return int(str(v).replace(",", ""))
    except (TypeError, ValueError):
        return 0
