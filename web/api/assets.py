"""Image bytes from the cache for the UI, with caching headers; thumbnails on demand."""
from __future__ import annotations

import re

from aiohttp import web

from metarr.assets import cache, thumbs
from metarr.db.media import CacheFile

from ..envelope import bad_request, not_found
from ..keys import bridge_key, services_key

routes = web.RouteTableDef()
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
SIZES = (150, 300, 600)


@routes.get("/api/v1/assets/{sha}")
async def asset(request: web.Request) -> web.StreamResponse:
    sha = request.match_info["sha"]
    if not SHA_RE.match(sha):
        raise not_found("asset")
    s = request.app[services_key]
    row = await request.app[bridge_key].run(lambda: CacheFile.get_or_none(CacheFile.sha256 == sha))
    if row is None:
        raise not_found("asset")
    if request.headers.get("If-None-Match") == f'"{sha}"':
        return web.Response(status=304, headers={"ETag": f'"{sha}"'})
    path = cache.absolute(s.config.data_dir, row)
    size = request.query.get("size")
    mime = row.mime
    if size:
        if size not in {str(n) for n in SIZES}:
            raise bad_request(f"size must be one of {', '.join(map(str, SIZES))}")
        try:
            path = await request.app[bridge_key].run(thumbs.thumbnail, path, int(size),
                                                     cache_root=s.config.cache_dir)
        except FileNotFoundError:
            raise not_found("asset file") from None
        mime = "image/jpeg"
    try:
        body = await request.app[bridge_key].run(path.read_bytes)
    except FileNotFoundError:
        raise not_found("asset file") from None
    # content-addressed: the bytes behind a hash never change
    return web.Response(body=body, headers={"Content-Type": mime, "ETag": f'"{sha}"',
                                            "Cache-Control": "private, max-age=31536000, immutable"})
