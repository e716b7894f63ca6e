"""A show's episode order at the providers and on its episode rows: the numbers of an order from
TheTVDB's season types (`/series/{id}/episodes/{season-type}`) or a TMDB episode group, and the
rows renumbered as `episode_match.plan` says (the matching itself is pure: episode_match.py)."""
from __future__ import annotations

import time
from collections.abc import Iterable

from metarr.db.media import Episode, MediaFile, Season
from metarr.enrichment.episode_match import Catalogue, Entry, Move, Row, plan
from metarr.scanning.entities import new_entity
from metarr.sources import tmdb_groups, tvdb
from metarr.sources.http import ProviderError
from metarr.sources.models import EpisodeInfo

# TMDB episode-group type of the orders that have one (the first group of the type is used, as Jellyfin does)
GROUP_TYPE = {"dvd": 3, "absolute": 2}


def entries(infos: Iterable[EpisodeInfo], provider: str) -> list[Entry]:
    out = []
    for i in infos:
        absolute = i.scalars.get("absolute")
        out.append(Entry((i.season, i.episode), int(absolute) if str(absolute or "").isdigit() else None,
                         (i.scalars.get("aired") or None), str(i.scalars.get("title") or ""),
                         i.scalars.get("tvdb_id") if provider == "tvdb" else None))
    return out


def add_order(call, cat: Catalogue, order: str, tmdb_id: int | None, tvdb_id: int | None,
              configured: set[str]) -> None:
    """The numbers of `order` into `cat.orders` (and where they came from into `cat.sources`):
    TheTVDB's season type first (mapped to the aired episodes by episode id), else TMDB's episode
    group (its episodes name their aired numbers). Nothing for aired, or where neither has it; a
    retryable provider error goes to the caller (the job is retried)."""
    if order == "aired" or order in cat.orders:
        return
    slug = order[5:] if order.startswith("tvdb:") else order
    if (order in ("dvd", "absolute") or order.startswith("tvdb:")) and "tvdb" in configured and tvdb_id:
        by_id = {e.tvdb_id: k for k, e in cat.entries.items() if e.tvdb_id}
        if not by_id:
            cat.entries.update({e.key: e for e in entries(_tvdb(call, tvdb_id, "default"), "tvdb")})
            by_id = {e.tvdb_id: k for k, e in cat.entries.items() if e.tvdb_id}
        mapping = {by_id[i.scalars["tvdb_id"]]: (i.season, i.episode) for i in _tvdb(call, tvdb_id, slug)
                   if i.scalars.get("tvdb_id") in by_id}
        if mapping:
            cat.orders[order], cat.sources[order] = mapping, f"TheTVDB's {slug} season type"
            return
    if order.startswith("tvdb:") or "tmdb" not in configured or not tmdb_id:
        return
    if order.startswith("tmdb-group:"):
        gid, name = order[11:], None
    else:
        found = [g for g in tmdb_groups.groups(call, tmdb_id) if g["type"] == GROUP_TYPE[order]]
        if not found:
            return
        gid, name = found[0]["id"], found[0]["name"]
    kind, mapping = tmdb_groups.numbering(call, gid)
    if mapping:
        cat.orders[order] = mapping
        cat.sources[order] = f"TMDB episode group {name or gid}" + (f" (type {kind})" if kind else "")
        cat.group_types[order] = kind


def _tvdb(call, tvdb_id: int, slug: str) -> list[EpisodeInfo]:
    try:
        return tvdb.episodes(call, tvdb_id, slug)
    except ProviderError as e:
        if e.retryable:
            raise
        return []   # TheTVDB has no such order for the show (400 or 404)


def add_absolute(call, cat: Catalogue, tmdb_id: int | None, tvdb_id: int | None, configured: set[str]) -> None:
    """Absolute numbers for files named by them: TheTVDB's absoluteNumber (already in the entries
    when TheTVDB answered), else TMDB's absolute episode group; failing both, the catalogue counts
    the aired episodes."""
    if any(e.absolute for e in cat.entries.values()) or "absolute" in cat.orders:
        return
    add_order(call, cat, "absolute", tmdb_id, tvdb_id, configured)


def rows(series_id: int) -> list[Row]:
    eps = list(Episode.select().where((Episode.series_id == series_id) & Episode.deleted_at.is_null(True)))
    paths = {f.id: f.path for f in MediaFile.select(MediaFile.id, MediaFile.path).where(
        MediaFile.id.in_([e.file_id for e in eps if e.file_id] or [0]))}
    return [Row(e.id, (e.season, e.episode), e.named, paths.get(e.file_id)) for e in eps]


def needs_absolute(rs: Iterable[Row]) -> bool:
    return any((r.named or {}).get("kind") == "absolute" for r in rs)


def renumber(series_id: int, library_id: int, moves: list[Move]) -> list[int]:
    """Give each row the numbers its move says (through numbers below zero, so two rows can trade
    places); seasons that gain an episode exist, seasons left without one are retired. Returns the
    ids of the rows that moved."""
    moving = [m for m in moves if m.target is not None and m.target != m.current]
    if not moving:
        return []
    now = time.time()
    for m in moving:
        Episode.update(episode=-1_000_000 - m.id, updated_at=now).where(Episode.id == m.id).execute()
    for m in moving:
        Episode.update(season=m.target[0], episode=m.target[1], updated_at=now).where(Episode.id == m.id).execute()
    _seasons(series_id, library_id, now, {m.current[0] for m in moving})
    return [m.id for m in moving]


def _seasons(series_id: int, library_id: int, now: float, left: set[int]) -> None:
    live = {n for (n,) in Episode.select(Episode.season).where(
        (Episode.series_id == series_id) & Episode.deleted_at.is_null(True)).tuples()}
    have = {s.number: s for s in Season.select().where(Season.series_id == series_id)}
    for n in live:
        if n not in have:
            new_entity(Season, series_id=series_id, number=n, library_id=library_id)
        elif have[n].deleted_at is not None:
            Season.update(deleted_at=None, updated_at=now).where(Season.id == have[n].id).execute()
    for n, s in have.items():
        if n in left and n not in live and s.deleted_at is None:
            Season.update(deleted_at=now, updated_at=now).where(Season.id == s.id).execute()


def remap(call, cat: Catalogue, series_id: int, library_id: int, order: str, tmdb_id: int | None,
          tvdb_id: int | None, configured: set[str]) -> tuple[list[Move], list[int]]:
    """Fetch what the order needs, plan every row's episode and renumber: (moves, ids moved)."""
    rs = rows(series_id)
    add_order(call, cat, order, tmdb_id, tvdb_id, configured)
    if needs_absolute(rs):
        add_absolute(call, cat, tmdb_id, tvdb_id, configured)
    moves = plan(rs, cat, order)
    return moves, renumber(series_id, library_id, moves)
