"""The image CDN: TMDB's /t/p/{size}{path} and the artwork hosts of the other emulators."""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from aiohttp import web

from . import data
from .common import Faults, Limiter, Stats, cut_off, image_bytes, make_middleware


@dataclass
class ImageTrouble:
    """What the image host does besides serving: the next `failures` requests (only for paths
    containing `match`, when set) answer `status` (429/503 with Retry-After, "timeout", "page": a
    maintenance page sent with 200, or "cut": the transfer breaks off half-way), and names in
    `gone` answer 404 for good."""
    status: int | str = 503
    failures: int = 0
    retry_after: int = 1
    match: str | None = None
    gone: set = field(default_factory=set)
    timeout_s: float = 15.0


def image_app(faults: Faults, stats: Stats, rps: int | None = None, trouble: ImageTrouble | None = None
              ) -> web.Application:
    """The image CDN (TMDB's /t/p/{size}{path}, and the artwork hosts of the other emulators). With
    `rps` it refuses more than that many requests in any second with 429 + Retry-After, as CDNs do.
    `faults` as for the APIs; a truncated image is a transfer cut off after half its announced length."""
    limiter = Limiter(rps, 1.0) if rps else None
    app = web.Application(middlewares=[make_middleware("images", limiter, faults, stats)])
    cache: dict[str, bytes] = {}
    trouble = trouble or ImageTrouble()

    async def img(request):
        name = request.match_info["name"]
        if any(g in request.path for g in trouble.gone):
            return web.Response(status=404, text="Not Found")
        cut = False
        if trouble.failures > 0 and (trouble.match is None or trouble.match in request.path):
            cut = trouble.status == "cut"
            trouble.failures -= 1
            if trouble.status == "timeout":
                await asyncio.sleep(trouble.timeout_s)
            elif trouble.status == "page":
                return web.Response(text="<html><body>Down for maintenance</body></html>", content_type="text/html")
            elif trouble.status != "cut":
                return web.Response(status=int(trouble.status), text="busy",
                                    headers={"Retry-After": str(trouble.retry_after)})
        key = name.rsplit("/", 1)[-1]
        if key not in cache:
            # keyed on the base name only: the same file offered by two providers is the same bytes
            base = name.rsplit("/", 1)[-1]
            w, h = _size_for(name)
            fmt = "PNG" if name.endswith(".png") else "JPEG"
            cache[key] = image_bytes(base[:1], w, h, int(hashlib.md5(base.encode()).hexdigest()[:6], 16), fmt)
        ctype = "image/png" if name.endswith(".png") else "image/jpeg"
        if cut:
            return await cut_off(request, ctype, cache[key])
        return web.Response(body=cache[key], content_type=ctype)

    app.router.add_get("/t/p/{size}/{name:.+}", img)
    app.router.add_get("/art/{name:.+}", img)
    return app


def _size_for(name: str) -> tuple[int, int]:
    base = name.rsplit("/", 1)[-1]
    if base in data.IMAGE_SIZES:   # the posters TMDB lists at a size of their own
        return data.IMAGE_SIZES[base]
    return {"p": (400, 600), "b": (960, 540), "l": (400, 155), "a": (185, 278), "s": (480, 270),
            "x": (500, 500)}.get(base[:1], (300, 300))
