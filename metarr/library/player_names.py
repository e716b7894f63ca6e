"""Which file names the players that read a library need, per artwork slot: the smallest set of
names such that every listed player reads one of them. Pure functions.

The rules are reference/players-and-orders.md §1 (each player's own source) and
reference/kodi-behaviour.md (a real Kodi 20):
- Kodi's movie names must work whatever the source's "movies are in separate folders" option, which
  is off by default and then ignores `poster.jpg`: so Kodi's movie name is always
  `<video base>-<type>` (bare names only for disc structures, whose folder is the item). Shows use
  bare names, seasons `seasonNN-<type>` in the show folder, episodes `<video base>-thumb`.
- Jellyfin reads bare names and `<base>-<name>` in an item's own folder, only `<base>-<name>` and
  `<base>` (the poster) in a folder shared by several movies; extra backdrops in `extrafanart/`,
  `fanart-N`. Emby (its last open source) the same, but `logo` only, `disc`/`cdart` only.
- Plex's local-media agent: bare names only when the folder holds one movie, `<base>` as a poster,
  `<base>-fanart` as a background, `fanartN`/`fanart-N` with one digit; no logo, clear art, disc,
  landscape or movie banner.
- Keyart and character art are read by Kodi alone, so are `season-all-*` and `.actors/`.
Emby's episode images are not documented (its last open source ships them with Jellyfin's rule,
which Jellyfin kept): taken as Jellyfin's.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

READERS = ("kodi", "jellyfin", "emby", "plex")   # kept equal to metarr.players.kinds (tests/domain)
DEFAULT = ("kodi",)
PLEX_DIGITS = 9          # Plex's pattern `-?[0-9]?`: fanart1 … fanart9
JELLYFIN_NUMBERED = 20   # fanart-1 … fanart-20

SeasonRef = int | Literal["all"]


class PlayersError(ValueError):
    pass


def check_players(value) -> list[str]:
    """A library's `players`: a non-empty list of known kinds, each once (stored in READERS order)."""
    if not isinstance(value, list | tuple) or not value:
        raise PlayersError(f"players must be a non-empty list of {', '.join(READERS)}")
    for p in value:
        if not isinstance(p, str) or p not in READERS:
            raise PlayersError(f"players: {str(p)[:40]!r} is not a player kind ({', '.join(READERS)})")
    if len(set(value)) != len(value):
        raise PlayersError("players: each kind once")
    return [p for p in READERS if p in value]


def players_of(stored) -> tuple[str, ...]:
    """The stored list as a tuple; nothing stored (a library from before the field) reads as Kodi."""
    try:
        return tuple(check_players(stored))
    except PlayersError:
        return DEFAULT


@dataclass(frozen=True)
class Spot:
    """Where an item's artwork lies, as players see it. `base`: the video's name without extension
    (movies, episodes; None for a disc structure, whose folder is the item). `own`: the movie is the
    only one in its folder. `season`: a season's number, 0 for specials, "all"."""
    kind: Literal["movie", "show", "season", "episode"]
    base: str | None = None
    own: bool = True
    season: SeasonRef | None = None


def _b(spot: Spot, name: str) -> str:
    return f"{spot.base}-{name}"


def _season_prefix(season: SeasonRef | None) -> str:
    if season == "all":
        return "season-all"
    if isinstance(season, int) and not isinstance(season, bool) and season >= 0:
        return "season-specials" if season == 0 else f"season{season:02d}"
    raise ValueError(f"season must be a number >= 0 or 'all', not {season!r}")


# ------------------------------------------------------------------ what each player reads

def _movie_reads(player: str, spot: Spot, slot: str, rank: int) -> set[str] | None:
    """The names (without extension) a player reads for a movie's slot; None: it reads none."""
    disc = spot.base is None
    own = spot.own or disc

    def both(*names: str) -> set[str]:   # bare names in an own folder, `<base>-` forms where there is a base
        out = set(names) if own else set()
        if not disc:
            out |= {_b(spot, n) for n in names}
        return out
    if rank:
        if slot != "fanart":
            return None
        if player == "kodi":
            return {f"fanart{rank}"} if disc else {_b(spot, f"fanart{rank}")}
        if player == "plex":
            return both(f"fanart{rank}", f"fanart-{rank}") if rank <= PLEX_DIGITS else None
        if rank > JELLYFIN_NUMBERED:
            return {f"extrafanart/fanart{rank}"} if own else None
        return both(f"fanart-{rank}") | ({f"extrafanart/fanart{rank}"} if own else set())
    if player == "kodi":
        return {slot} if disc else {_b(spot, slot)}
    if player == "plex":
        if slot == "poster":
            return (set() if disc else {spot.base}) | (set() if not own else
                                                       {"poster", "default", "cover", "movie", "folder"})
        if slot == "fanart":
            return both("fanart", "art", "background", "backdrop") if own else {_b(spot, "fanart")}
        return None
    emby = player == "emby"
    if slot == "poster":
        return both("poster", "folder", "cover", "default", "movie") | (set() if disc else {spot.base})
    if slot == "fanart":
        return both("fanart", "background", "art", "backdrop")
    if slot == "clearlogo":
        return both("logo") if emby else both("logo", "clearlogo")
    if slot == "discart":
        return both("disc", "cdart") if emby else both("disc", "cdart", "discart")
    if slot == "landscape":
        return both("landscape", "thumb")
    if slot in ("clearart", "banner"):
        return both(slot)
    return None   # keyart and the rest: Kodi only


def _show_reads(player: str, slot: str, rank: int) -> set[str] | None:
    if rank:
        if slot != "fanart":
            return None
        if player == "kodi":
            return {f"fanart{rank}"}
        if player == "plex":
            return {f"fanart{rank}", f"fanart-{rank}"} if rank <= PLEX_DIGITS else None
        return {f"extrafanart/fanart{rank}", f"backdrop{rank}"} | (
            {f"fanart-{rank}"} if rank <= JELLYFIN_NUMBERED else set())
    if player == "kodi":
        return {slot}
    if player == "plex":
        return {"poster": {"show", "poster", "folder"}, "fanart": {"fanart", "art", "background", "backdrop"},
                "banner": {"banner"}}.get(slot)
    emby = player == "emby"
    return {"poster": {"poster", "folder", "cover", "default", "show"},
            "fanart": {"fanart", "background", "art", "backdrop"}, "banner": {"banner"},
            "clearlogo": {"logo"} if emby else {"logo", "clearlogo"}, "clearart": {"clearart"},
            "landscape": {"landscape", "thumb"}}.get(slot)


def _season_reads(player: str, spot: Spot, slot: str) -> set[str] | None:
    prefix = _season_prefix(spot.season)
    if player == "kodi":
        return {f"{prefix}-{slot}"}
    if spot.season == "all":
        return None
    if player == "plex":
        n = spot.season
        if slot == "poster":
            return {f"{prefix}-poster", f"season{n:02d}", f"season{n}", f"season-{n}"} | (
                {"season-specials-poster"} if n == 0 else set())
        return {f"{prefix}-{slot}"} if slot in ("fanart", "banner") else None
    return {f"{prefix}-{slot}"} if slot in ("poster", "fanart", "banner", "landscape") else None


def _episode_reads(player: str, spot: Spot, slot: str) -> set[str] | None:
    if slot != "thumb":
        return None
    if player == "kodi":
        return {_b(spot, "thumb")}
    return {spot.base, _b(spot, "thumb")}


def reads(player: str, spot: Spot, slot: str, rank: int = 0) -> set[str] | None:
    """The names (no extension, relative to the item's folder; the show folder for seasons) `player`
    reads for this slot and rank; None when it reads none (then it asks for nothing)."""
    if spot.kind == "movie":
        return _movie_reads(player, spot, slot, rank)
    if spot.kind == "show":
        return _show_reads(player, slot, rank)
    if spot.kind == "season":
        return None if rank else _season_reads(player, spot, slot)
    return None if rank else _episode_reads(player, spot, slot)


# ------------------------------------------------------------------ the names to write

def _candidates(spot: Spot, slot: str, rank: int) -> list[str]:
    """The names Metarr may write for a slot, in the order it prefers them (bare names in an item's
    own folder, Kodi's names first elsewhere)."""
    if spot.kind == "season":
        return [f"{_season_prefix(spot.season)}-{slot}"]
    if spot.kind == "episode":
        return [_b(spot, slot)]
    if rank:
        own = spot.kind == "show" or spot.own or spot.base is None
        bare = [f"fanart{rank}", f"extrafanart/fanart{rank}", f"fanart-{rank}"] if own else []
        if spot.kind == "show" or spot.base is None:
            return bare
        return [*bare[:1], _b(spot, f"fanart{rank}"), *bare[1:], _b(spot, f"fanart-{rank}")]
    alias = {"clearlogo": "logo", "discart": "disc"}.get(slot)
    bare = [slot, *([alias] if alias else [])]
    if spot.kind == "show" or spot.base is None:
        return bare
    prefixed = [_b(spot, n) for n in bare]
    poster = [spot.base] if slot == "poster" else []
    return [*bare, *prefixed, *poster] if spot.own else [*prefixed, *poster]


def names(spot: Spot, slot: str, players: tuple[str, ...] | list[str], rank: int = 0) -> list[str]:
    """The smallest set of names (no extension) that every player in `players` reads for this slot
    and rank, preferring earlier candidates; empty when no listed player reads the slot."""
    cands = _candidates(spot, slot, rank)
    needs = [r & set(cands) for r in (reads(p, spot, slot, rank) for p in players) if r is not None]
    needs = [n for n in needs if n]   # a player no candidate serves cannot be served by writing more
    if not needs:
        return []
    for size in range(1, len(cands) + 1):
        for combo in itertools.combinations(range(len(cands)), size):
            chosen = {cands[i] for i in combo}
            if all(n & chosen for n in needs):
                return [cands[i] for i in combo]
    return []


def art_files(spot: Spot, slot: str, players, ext: str, rank: int = 0) -> list[str]:
    """`names` with the image's extension."""
    return [f"{n}.{ext}" for n in names(spot, slot, players, rank)]


def actors_wanted(players) -> bool:
    """`.actors/` photos: read by Kodi alone."""
    return "kodi" in players
