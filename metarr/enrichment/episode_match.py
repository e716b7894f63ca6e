"""Which episode a file holds, in a show's chosen episode order. Pure: the provider's episodes
(`Catalogue`) and what each file's name says (`named`, see metarr/scanning/apply_tv.py) in, the
numbers to give each episode row out.

Orders (`Series.episode_order`): `aired` (default), `dvd`, `absolute`, `tvdb:<season type>` (TheTVDB's
`official`, `dvd`, `absolute`, `alternate`, `regional`, `altdvd`), `tmdb-group:<id>` (a TMDB episode
group). A file's numbers are read as the players read them (Kodi's season type, Jellyfin's
`displayorder`, Plex's `showOrdering`): `S01E02` is season 1 episode 2 *of the chosen order*; an
absolute number (`Show - 1071`) is the episode with that absolute number; a date
(`Show.2024.03.14`) the episode aired that day. The episode keeps the numbers of the chosen order."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

Key = tuple[int, int]   # an episode's aired (season, number): its identity whatever the order

TVDB_TYPES = ("official", "dvd", "absolute", "alternate", "regional", "altdvd")
_GROUP = re.compile(r"^tmdb[-_]group:([0-9a-f]{24})$", re.IGNORECASE)
# TMDB episode-group types (reference players-and-orders §5.2) and Jellyfin's <displayorder> words
TMDB_GROUP_TYPES = {1: "originalAirDate", 2: "absolute", 3: "dvd", 4: "digital", 5: "storyArc", 6: "production",
                    7: "tv"}


class OrderError(ValueError):
    """An order Metarr does not know, said in words."""


def normalise(order: str | None) -> str:
    """The stored form of an order, or OrderError saying what is accepted."""
    value = (order or "").strip()
    low = value.lower()
    if low in ("", "aired", "default", "official"):
        return "aired"
    if low in ("dvd", "absolute"):
        return low
    if low.startswith("tvdb:"):
        kind = low.split(":", 1)[1]
        if kind in TVDB_TYPES:
            return f"tvdb:{kind}"
        raise OrderError(f"TheTVDB has no season type {kind!r}: one of {', '.join(TVDB_TYPES)}")
    m = _GROUP.match(value)
    if m:
        return f"tmdb-group:{m.group(1).lower()}"
    if low.startswith(("tmdb-group:", "tmdb_group:")):
        raise OrderError("a TMDB episode group id is 24 hexadecimal digits (tmdb-group:5b11ba820e0a265aa40000d1)")
    raise OrderError(f"unknown episode order {value!r}: aired, dvd, absolute, tvdb:<season type> "
                     f"({', '.join(TVDB_TYPES)}) or tmdb-group:<episode group id>")


def describe(order: str) -> str:
    """The order in words, for the show page and the preview."""
    if order.startswith("tvdb:"):
        return f"TheTVDB's {order[5:]} order"
    if order.startswith("tmdb-group:"):
        return f"TMDB episode group {order[11:]}"
    return {"aired": "aired order", "dvd": "DVD order", "absolute": "absolute order"}.get(order, order)


@dataclass(frozen=True)
class Entry:
    key: Key
    absolute: int | None = None
    aired: str | None = None     # YYYY-MM-DD
    title: str = ""
    tvdb_id: int | None = None


@dataclass
class Catalogue:
    """The provider's episodes (aired numbering), and each order's numbers that are known
    (order -> aired key -> its (season, number) there)."""
    entries: dict[Key, Entry] = field(default_factory=dict)
    orders: dict[str, dict[Key, Key]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)   # order -> where its numbers came from
    group_types: dict[str, int | None] = field(default_factory=dict)   # order -> its TMDB group's type

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Catalogue:
        cat = cls()
        for e in entries:
            old = cat.entries.get(e.key)
            if old is None:
                cat.entries[e.key] = e
            else:   # the second provider fills what the first lacks
                cat.entries[e.key] = Entry(e.key, old.absolute or e.absolute, old.aired or e.aired,
                                           old.title or e.title, old.tvdb_id or e.tvdb_id)
        return cat

    def numbering(self, order: str) -> dict[Key, Key]:
        if order == "aired":
            return {k: k for k in self.entries}
        if order == "absolute" and "absolute" not in self.orders:
            return {k: (1, n) for n, k in self.absolute_numbers().items()}
        return self.orders.get(order, {})

    def absolute_numbers(self) -> dict[int, Key]:
        """absolute number -> episode: TheTVDB's absoluteNumber where it gives them, else the known
        absolute order's, else the aired episodes counted across seasons without specials."""
        given = {e.absolute: k for k, e in sorted(self.entries.items()) if e.absolute}
        if given:
            return given
        if self.orders.get("absolute"):
            ranked = sorted(self.orders["absolute"].items(), key=lambda kv: kv[1])
            return {i: k for i, (k, _n) in enumerate(ranked, 1)}
        regular = sorted(k for k in self.entries if k[0] > 0)
        return {i: k for i, k in enumerate(regular, 1)}

    def by_date(self) -> dict[str, list[Key]]:
        out: dict[str, list[Key]] = {}
        for k, e in sorted(self.entries.items()):
            if e.aired:
                out.setdefault(e.aired[:10], []).append(k)
        return out


@dataclass(frozen=True)
class Match:
    key: Key | None        # the episode (aired numbers); None: the provider has no such episode
    number: Key | None     # its numbers in the chosen order
    how: str               # in words: "absolute 1071", "aired 2024-03-14", "S01E02 of DVD order"


@dataclass(frozen=True)
class _Lookups:
    numbering: dict[Key, Key]
    reverse: dict[Key, Key]
    absolute: dict[int, Key]
    dates: dict[str, list[Key]]

    @classmethod
    def of(cls, cat: Catalogue, order: str) -> _Lookups:
        numbering = cat.numbering(order)
        return cls(numbering, {n: k for k, n in numbering.items()}, cat.absolute_numbers(), cat.by_date())


def match(named: dict | None, current: Key, cat: Catalogue, order: str, lookups: _Lookups | None = None) -> Match:
    """The episode one row of a file holds. `named` is what the name says (None for rows from before
    names were kept: their numbers are read as the name's)."""
    named = named or {"kind": "sxe", "season": current[0], "episode": current[1]}
    look = lookups or _Lookups.of(cat, order)
    numbering = look.numbering
    kind = named.get("kind")
    if kind == "date" and named.get("air_date"):
        day = named["air_date"]
        keys = look.dates.get(day) or []
        key = keys[0] if keys else None
        return Match(key, _number(key, numbering), f"aired {day}")
    if kind == "absolute" and named.get("absolute"):
        n = int(named["absolute"])
        key = look.absolute.get(n)
        return Match(key, _number(key, numbering), f"absolute {n}")
    wanted = (int(named["season"]), int(named["episode"]))
    how = f"S{wanted[0]:02d}E{wanted[1]:02d} of {describe(order)}"
    if order == "aired":
        return Match(wanted if wanted in cat.entries else None, wanted if wanted in cat.entries else None, how)
    reverse = look.reverse
    if wanted in reverse:
        return Match(reverse[wanted], wanted, how)
    if wanted in cat.entries and wanted not in numbering and wanted[0] == 0:
        return Match(wanted, wanted, f"special S00E{wanted[1]:02d}")   # a special the order leaves out
    return Match(None, None, how)


def _number(key: Key | None, numbering: dict[Key, Key]) -> Key | None:
    if key is None:
        return None
    return numbering.get(key) or (key if key[0] == 0 else None)


@dataclass(frozen=True)
class Row:
    id: int
    current: Key
    named: dict | None
    file: str | None = None


@dataclass(frozen=True)
class Move:
    id: int
    current: Key
    match: Match
    target: Key | None     # the numbers the row gets (None: it stays where it is)
    note: str = ""         # why it stays, in words


def plan(rows: Iterable[Row], cat: Catalogue, order: str) -> list[Move]:
    """Every row's match and the numbers it takes. Two rows matched to one episode: the first (by
    file, then id) takes it, the other stays where it is and says why; a row whose episode is not
    at the provider stays where it is."""
    rows = sorted(rows, key=lambda r: (r.file or "", r.id))
    look = _Lookups.of(cat, order)
    found = [(r, match(r.named, r.current, cat, order, look)) for r in rows]
    claimed: dict[Key, int] = {}
    out = []
    for r, m in found:
        if m.number is None:
            out.append(Move(r.id, r.current, m, None, f"no episode {m.how} at the provider"))
        elif m.number in claimed:
            out.append(Move(r.id, r.current, m, None, f"{m.how}: that episode is in another file"))
        else:
            claimed[m.number] = r.id
            out.append(Move(r.id, r.current, m, m.number))
    # a row that stays where it is keeps its numbers: another row cannot take them
    staying = {mv.current for mv in out if mv.target is None}
    return [Move(mv.id, mv.current, mv.match, None, f"{mv.match.how}: its numbers are another file's")
            if mv.target is not None and mv.target in staying and mv.target != mv.current else mv for mv in out]


def absolute_only(named: Iterable[dict | None]) -> bool:
    """Every file of the show is named by absolute number (an anime as it is released)."""
    kinds = [(n or {}).get("kind") for n in named]
    return bool(kinds) and all(k == "absolute" for k in kinds)


def jellyfin_display_order(order: str, group_type: int | None = None) -> str:
    """Jellyfin's `<displayorder>` for an order ("" = aired: Jellyfin knows no "aired" word)."""
    if order in ("dvd", "absolute"):
        return order
    if order.startswith("tvdb:"):
        kind = order[5:]
        return {"official": "", "dvd": "dvd", "absolute": "absolute"}.get(kind, kind)
    if order.startswith("tmdb-group:") and group_type:
        return TMDB_GROUP_TYPES.get(group_type, "")
    return ""
