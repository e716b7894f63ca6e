"""Episode orders in the emulated world: an anime numbered absolutely, a daily show numbered by
air date, a DVD order for Sherlock Holmes; TheTVDB's season types (aired "official", "dvd",
"absolute"; "default" = the series' default type) and TMDB's episode groups (types 1–7: 1
original air date, 2 absolute, 3 DVD, 4 digital, 5 story arc, 6 production, 7 TV), as
reference/players-and-orders.md §5 describes them. Pure data: no web, no imports of `data`."""
from __future__ import annotations

import datetime as dt
import hashlib

Key = tuple[int, int]   # an episode's aired (season, number): its identity in every order

TVDB_SEASON_TYPES = {"official": (1, "Aired Order"), "dvd": (2, "DVD Order"), "absolute": (3, "Absolute Order")}
TMDB_GROUP_TYPES = {1: "Original air date", 2: "Absolute", 3: "DVD", 4: "Digital", 5: "Story arc",
                    6: "Production", 7: "TV"}

ANIME_TVDB, ANIME_TMDB = 81300, 8300
DAILY_TVDB, DAILY_TMDB = 81400, 8400
ANIME_SEASONS, ANIME_PER_SEASON = 11, 100     # 1,100 episodes: three of TheTVDB's pages


def _anime() -> dict:
    """An invented long anime, released as `Tidebound Corsairs - 1071.mkv`: eleven arcs ("seasons")
    of 100 episodes and one special; its absolute numbers count the aired episodes without the special."""
    start = dt.date(1999, 10, 20)
    eps = {(0, 1): ("Corsairs Recap Special", "2001-01-01")}
    for n in range(1, ANIME_SEASONS + 1):
        for e in range(1, ANIME_PER_SEASON + 1):
            i = (n - 1) * ANIME_PER_SEASON + e
            eps[(n, e)] = (f"Voyage {i}", (start + dt.timedelta(weeks=i - 1)).isoformat())
    return {"tmdb_id": ANIME_TMDB, "imdb_id": "tt8300000", "name": "Tidebound Corsairs",
            "first_aired": start.isoformat(), "overview": "A crew of young corsairs chases the tide's last treasure.",
            "status": "Continuing", "genres": ["Animation", "Adventure"], "runtime": 24, "network": "Invented TV",
            "cast": [("Aiko Hanada", "Captain Mirei")], "episodes": eps, "orders": {"absolute": True},
            "tmdb_groups": [(2, "Absolute Order", "absolute")]}


def daily_dates(year: int = 2024) -> list[dt.date]:
    """The daily show's air dates: every weekday from the first Monday of January to the end of April."""
    d, out = dt.date(year, 1, 1), []
    while d.month <= 4 and d.year == year:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _daily() -> dict:
    """An invented nightly news-comedy show, released as `The.Evening.Desk.2024.03.14.mkv`; TheTVDB
    and TMDB number its episodes within the year's season (season 2024, episode 1, 2, …)."""
    eps = {(2024, i): (f"Evening Desk {d:%B} {d.day}", d.isoformat()) for i, d in enumerate(daily_dates(), 1)}
    return {"tmdb_id": DAILY_TMDB, "imdb_id": "tt8400000", "name": "The Evening Desk", "first_aired": "2024-01-01",
            "overview": "The day's news, told at a desk every weeknight.", "status": "Continuing",
            "genres": ["Comedy", "News"], "runtime": 22, "network": "Invented TV",
            "cast": [("Noor Castellan", "Host")], "episodes": eps}


SHOWS = {ANIME_TVDB: _anime(), DAILY_TVDB: _daily()}

# Sherlock Holmes on DVD: the unaired pilot opens season 1, every aired episode one later
SHERLOCK_DVD = {(0, 1): (1, 1), (1, 1): (1, 2), (1, 2): (1, 3), (1, 3): (1, 4), (1, 4): (1, 5)}
EXTRA = {75597: {"orders": {"dvd": SHERLOCK_DVD}, "tmdb_groups": [(3, "DVD Order", "dvd")]}}


def absolute_numbers(show: dict) -> dict[Key, int]:
    """TheTVDB's absoluteNumber of each episode: aired episodes counted across seasons, no specials."""
    regular = sorted(k for k in show["episodes"] if k[0] > 0)
    return {k: i for i, k in enumerate(regular, 1)}


def numbering(show: dict, order: str) -> dict[Key, Key] | None:
    """aired key -> (season, number) in one order ("official", "dvd", "absolute"); None when the show
    has no such order at TheTVDB. Every show has aired; an absolute order is season 1, 1…N."""
    if order in ("default", "official"):
        return {k: k for k in show["episodes"]}
    orders = show.get("orders") or {}
    if order == "dvd" and "dvd" in orders:
        return dict(orders["dvd"])
    if order == "absolute" and orders.get("absolute"):
        return {k: (1, n) for k, n in absolute_numbers(show).items()}
    return None


def tvdb_episodes(show: dict, season_type: str) -> list[tuple[int, int, str, str, Key, int | None]] | None:
    """(season, number, name, aired, aired key, absoluteNumber) in one of TheTVDB's orders, sorted by
    that order; None for an order the show lacks."""
    mapping = numbering(show, season_type)
    if mapping is None:
        return None
    absolute = absolute_numbers(show)
    rows = [(*mapping[k], show["episodes"][k][0], show["episodes"][k][1], k, absolute.get(k)) for k in mapping]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def group_id(tmdb_id: int, kind: str) -> str:
    """TMDB's episode-group id: 24 hex digits."""
    return hashlib.sha256(f"{tmdb_id}:{kind}".encode()).hexdigest()[:24]


def episode_groups(show: dict) -> list[dict]:
    """The show's episode groups, each {id, type, name, order (its slug), groups [(name, order, [keys])]}:
    a DVD group per DVD season, or one "Absolute" group holding every regular episode."""
    out = []
    for kind, name, slug in show.get("tmdb_groups") or ():
        mapping = numbering(show, slug) or {}
        seasons: dict[int, list[tuple[int, Key]]] = {}
        for key, (n, e) in mapping.items():
            seasons.setdefault(n, []).append((e, key))
        groups = [(f"Season {n}" if slug != "absolute" else "Absolute", n, [k for _e, k in sorted(v)])
                  for n, v in sorted(seasons.items())]
        out.append({"id": group_id(show["tmdb_id"], slug), "type": kind, "name": name, "slug": slug,
                    "groups": groups})
    return out
