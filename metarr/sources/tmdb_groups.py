"""TMDB episode groups (reference players-and-orders §5.2): a show's groups and one group's
episodes, numbered as Kodi's TMDB scraper numbers them (season = the group's `order`, episode =
the episode's 0-based `order` + 1), each keyed by its original aired season and number."""
from __future__ import annotations

from metarr.sources.http import Call, Request

P = "tmdb"


def groups(call: Call, tmdb_id: int) -> list[dict]:
    """[{id, type, name, group_count, episode_count}] of the show's episode groups."""
    res = call(Request(P, f"/tv/{tmdb_id}/episode_groups", not_found_ok=True)) or {}
    return [{"id": str(g.get("id")), "type": int(g.get("type") or 0), "name": g.get("name") or "",
             "group_count": g.get("group_count"), "episode_count": g.get("episode_count")}
            for g in res.get("results") or [] if g.get("id")]


def numbering(call: Call, group_id: str) -> tuple[int | None, dict[tuple[int, int], tuple[int, int]]]:
    """(the group's type, aired (season, number) -> (season, number) in the group)."""
    res = call(Request(P, f"/tv/episode_group/{group_id}", not_found_ok=True)) or {}
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for g in res.get("groups") or []:
        season = int(g.get("order") or 0)
        for e in g.get("episodes") or []:
            if e.get("season_number") is None or e.get("episode_number") is None:
                continue
            out[(int(e["season_number"]), int(e["episode_number"]))] = (season, int(e.get("order") or 0) + 1)
    return (int(res["type"]) if res.get("type") else None), out
