"""Collection pages: the grid of collections (TMDB movie sets) and each collection's own page, with
its fields and locks, its artwork picker, its movies and its movie set folder files."""
from __future__ import annotations

from aiohttp import web

from metarr.library import collection_view

from .common import render, routes, run
from .items import _id, fields, slots


@routes.get("/collections")
async def collections_page(request: web.Request) -> web.Response:
    q = (request.query.get("q") or "")[:200]
    try:
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        offset = 0
    limit = 48
    items, total = await run(request, lambda: collection_view.list_collections(limit=limit, offset=offset,
                                                                                q=q or None))
    return render("collections.html", request, "/collections", items=items, total=total, q=q, offset=offset,
                  limit=limit)


@routes.get("/collections/{id}")
async def collection_page(request: web.Request) -> web.Response:
    cid = _id(request)
    d = await run(request, collection_view.detail, cid)
    if d is None:
        raise web.HTTPNotFound()
    d.update(cast=[], ratings=[], files=[])
    slot_list = await run(request, slots, "collection", cid, d["assets"])
    members = [{**m, "link": f"/movies/{m['id']}"} for m in d["movies"]]
    return render("entity.html", request, "/collections", title=d["name"] or f"collection {cid}", d=d,
                  kind="collection", fields=fields("collection", d), slots=slot_list,
                  api=f"/api/v1/collections/{cid}", publishable=True, identifiable=False, episodes=[], seasons=[],
                  albums=[], members=members, crumbs=[("/collections", "Collections")],
                  entity_ref=f"collection:{cid}", reason_text="")
