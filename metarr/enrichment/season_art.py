"""Which season each piece of season artwork goes on (pure)."""
from __future__ import annotations

from collections.abc import Iterable

from metarr.sources.models import ALL_SEASONS, Art


def by_season(arts: Iterable[Art], seasons: Iterable[int]) -> dict[int, list[Art]]:
    """Season art for each of `seasons` (0 = specials): the art made for that season, from every
    provider; and, for a slot no provider has art of that season for, the art made for every season
    (Fanart.tv "all"). Show art (`season` None) and art of seasons not in `seasons` are left out."""
    arts = [a for a in arts if a.season is not None]
    general = [a for a in arts if a.season == ALL_SEASONS]
    out: dict[int, list[Art]] = {}
    for n in seasons:
        own = [a for a in arts if a.season == n]
        slots = {a.slot for a in own}
        out[n] = own + [a for a in general if a.slot not in slots]
    return out
