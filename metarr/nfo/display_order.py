"""Jellyfin's `<displayorder>` in a show's NFO as Metarr's episode order (reference
players-and-orders §5.3). A library that Jellyfin already keeps in DVD or absolute order keeps it:
the first scan of a show takes the order its NFO names, unless nobody could know which order that is
(TMDB's group types name a group only by type; the user picks the group on the show page)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

# Jellyfin's words (case-sensitive there) → Metarr's stored orders (metarr.enrichment.episode_match)
ORDERS = {"dvd": "dvd", "absolute": "absolute", "alternate": "tvdb:alternate", "regional": "tvdb:regional",
          "altdvd": "tvdb:altdvd"}
TMDB_GROUP_WORDS = ("originalAirDate", "digital", "storyArc", "production", "tv")


def word(unknown: Iterable[str]) -> str | None:
    """The text of the NFO's `<displayorder>` (kept among its unknown elements), or None."""
    for raw in unknown or ():
        if raw.lstrip().startswith("<displayorder"):
            try:
                return (ET.fromstring(raw).text or "").strip()
            except ET.ParseError:
                return None
    return None


def order_of(displayorder: str | None) -> tuple[str | None, str | None]:
    """(Metarr's order, None) for a word it maps; (None, why in words) for one it cannot take; (None,
    None) when the NFO asks for the aired order (an empty element) or says nothing."""
    if not displayorder:
        return None, None
    got = ORDERS.get(displayorder)
    if got:
        return got, None
    if displayorder in TMDB_GROUP_WORDS:
        return None, (f"<displayorder>{displayorder}</displayorder> names a kind of TMDB episode group, not one: "
                      "choose the group on the show's page (Episode order)")
    return None, f"<displayorder>{displayorder[:40]}</displayorder> is no episode order Metarr knows; aired order kept"
