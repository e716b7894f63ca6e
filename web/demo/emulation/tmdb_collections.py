"""TMDB's collection images (`/collection/{id}/images`, reference players-and-orders §2.4): posters
(one in English, one textless) and a backdrop without text per collection, filtered by
`include_image_language` as TMDB does. The collection's details are tmdb.py's `/collection/{id}`."""
from __future__ import annotations

from aiohttp import web

from . import data


def collection_ids() -> set[int]:
    return {m["collection"][0] for m in data.MOVIES.values() if m["collection"]}


def collection_images(cid: int) -> dict:
    return {"id": cid,
            "posters": [{"file_path": f"/pc{cid}.jpg", "width": 1000, "height": 1500, "aspect_ratio": 0.667,
                         "vote_average": 5.6, "vote_count": 10, "iso_639_1": "en"},
                        {"file_path": f"/pc{cid}t.jpg", "width": 1000, "height": 1500, "aspect_ratio": 0.667,
                         "vote_average": 5.2, "vote_count": 4, "iso_639_1": None}],
            "backdrops": [{"file_path": f"/bc{cid}.jpg", "width": 1920, "height": 1080, "aspect_ratio": 1.778,
                           "vote_average": 5.4, "vote_count": 6, "iso_639_1": None}]}


def add_collection_routes(app: web.Application, error, filter_images, image_languages) -> None:
    """`error(status, code, message)`, `filter_images` and `image_languages` are tmdb.py's."""
    async def images(request):
        ident = request.match_info["id"]
        if not ident.isdigit() or int(ident) not in collection_ids():
            return error(404, 34, "The resource you requested could not be found.")
        return web.json_response(filter_images(collection_images(int(ident)), image_languages(request)))
    app.router.add_get("/collection/{id}/images", images)
