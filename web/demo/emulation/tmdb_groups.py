"""TMDB's episode groups (reference players-and-orders §5.2): `/tv/{id}/episode_groups` (also
appended to `/tv/{id}` as `episode_groups`) lists a show's groups, `/tv/episode_group/{id}` gives
one with its groups and their episodes (the original aired `season_number`/`episode_number`,
`order` 0-based within the group)."""
from __future__ import annotations

from aiohttp import web

from . import data, orders


def tmdb_episode_id(key: tuple[int, int]) -> int:
    """TMDB's id of an episode (from its aired season and number), as `/tv/{id}/season/{n}` gives it."""
    return 9000 + key[0] * 1000 + key[1]


def group_list(show: dict) -> dict:
    results = []
    for g in orders.episode_groups(show):
        results.append({"description": f"{show['name']}, {g['name'].lower()}.",
                        "episode_count": sum(len(keys) for _n, _o, keys in g["groups"]),
                        "group_count": len(g["groups"]), "id": g["id"], "name": g["name"],
                        "network": None, "type": g["type"]})
    return {"id": show["tmdb_id"], "results": results}


def group_detail(show: dict, group: dict, language: str | None) -> dict:
    tvdb = next(k for k, v in data.SHOWS.items() if v is show)
    groups = []
    for name, order, keys in group["groups"]:
        eps = []
        for i, (n, e) in enumerate(keys):
            title, overview = data.episode_text(tvdb, show, n, e, language)
            eps.append({"id": tmdb_episode_id((n, e)), "show_id": show["tmdb_id"], "season_number": n,
                        "episode_number": e, "name": title, "overview": overview,
                        "air_date": show["episodes"][(n, e)][1], "production_code": "", "runtime": show["runtime"],
                        "still_path": f"/s{n}_{e}.jpg", "vote_average": 7.0, "vote_count": 3, "order": i})
        groups.append({"id": f"{group['id'][:16]}{order:08x}", "name": name, "order": order, "locked": True,
                       "episodes": eps})
    return {"id": group["id"], "name": group["name"], "description": f"{show['name']}, {group['name'].lower()}.",
            "type": group["type"], "network": None, "episode_count": sum(len(g["episodes"]) for g in groups),
            "group_count": len(groups), "groups": groups}


def add_episode_group_routes(app: web.Application, error) -> None:
    """`error(status, code, message)` is tmdb.py's."""
    async def listing(request):
        ident = request.match_info["id"]
        show = next((s for s in data.SHOWS.values() if ident.isdigit() and s["tmdb_id"] == int(ident)), None)
        if show is None:
            return error(404, 34, "The resource you requested could not be found.")
        return web.json_response(group_list(show))

    async def detail(request):
        gid = request.match_info["group"]
        for show in data.SHOWS.values():
            for g in orders.episode_groups(show):
                if g["id"] == gid:
                    return web.json_response(group_detail(show, g, request.query.get("language")))
        return error(404, 34, "The resource you requested could not be found.")

    app.router.add_get("/tv/{id}/episode_groups", listing)
    app.router.add_get("/tv/episode_group/{group}", detail)
