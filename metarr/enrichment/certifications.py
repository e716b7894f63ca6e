"""Certifications per country (pure): which country's rating an item gets, and the form it is
written in as `<mpaa>` (Kodi stores the string as it is; Jellyfin scores it, see README)."""
from __future__ import annotations

from collections.abc import Mapping

STYLES = ("kodi", "rated", "country", "plain")
# the prefix Kodi's TMDB scrapers put before a rating: their default "Rated " for the US; for
# Germany the rating board's name, which German users set as the prefix (numbers only: "FSK 16")
KODI_PREFIX = {"US": "Rated ", "DE": "FSK "}


def choose(ratings: Mapping[str, str], country: str, fallback: str | None = "US") -> tuple[str | None, str | None]:
    """(rating, its country): the chosen country's, else the fallback country's; (None, None) when
    neither has one. `ratings`: ISO 3166-1 country -> rating ("" = none)."""
    for c in (country, fallback):
        if c and (ratings.get(c) or "").strip():
            return ratings[c].strip(), c
    return None, None


def render(rating: str, country: str, style: str = "kodi") -> str:
    """The `<mpaa>` text: kodi "Rated R", "FSK 16" (other countries as they are: "15"); rated
    "Rated 16"; country "DE:16"; plain "16"."""
    rating = rating.strip()
    if style == "plain":
        return rating
    if style == "country":
        return f"{country}:{rating}"
    if style == "rated":
        return f"Rated {rating}"
    prefix = KODI_PREFIX.get(country, "")
    if country == "DE" and not rating.isdigit():
        prefix = ""
    return f"{prefix}{rating}"


def describe(origin: str | None, wanted: str | None, provider: str | None = None) -> str | None:
    """A certification's country in words for the item page: "DE", or "from US: no DE
    certification at TMDB" when it is the fallback country's."""
    if not origin:
        return None
    if not wanted or origin == wanted:
        return origin
    at = f" at {provider}" if provider else ""
    return f"from {origin}: no {wanted} certification{at}"
