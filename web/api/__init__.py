"""REST API routes under /api/v1. Each module adds its routes to the table in `setup`."""
from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    from . import (
        activity,
        artwork,
        assets,
        batch,
        jobs,
        libraries,
        mappings,
        media,
        recycle,
        schedules,
        settings,
        system,
        webhooks,
        ws,
    )
    for module in (system, jobs, schedules, settings, libraries, batch, media, artwork, assets, recycle, webhooks, activity, mappings,
                   ws):
        app.router.add_routes(module.routes)
    from . import collections, notifications, orders, players, providers
    app.router.add_routes(orders.routes)
    app.router.add_routes(collections.routes)
    app.router.add_routes(players.routes)
    app.router.add_routes(providers.routes)
    app.router.add_routes(notifications.routes)
