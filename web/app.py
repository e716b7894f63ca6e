"""The aiohttp application factory and its lifecycle (actors start in a cleanup_ctx)."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from actors.system import ActorSystem, Services
from metarr.config import ensure_api_key, ensure_secret
from metarr.service import redact
from metarr.service.sessions import SessionBook

from . import api, limits
from .bridge import Bridge
from .healthcheck import HealthCheck, health_check_key
from .hub import Hub
from .keys import (
    LoginGuard,
    api_key_key,
    bridge_key,
    hub_key,
    login_guard_key,
    services_key,
    session_book_key,
    session_secret_key,
)
from .middlewares import auth_middleware, body_limit_middleware, error_middleware, security_headers
from .ratelimit import RateLimiter, ratelimit_key
from .ratelimit import middleware as rate_limit_middleware

log = logging.getLogger(__name__)

def create_app(services: Services, *, start_actors: bool = True, run_workers: bool = True) -> web.Application:
    limiter = RateLimiter(services.config.trusted_proxies)
    app = web.Application(middlewares=[error_middleware, rate_limit_middleware(limiter), auth_middleware,
                                       body_limit_middleware],
                          client_max_size=limits.MAX_BODY)
    app[ratelimit_key] = limiter
    app.on_response_prepare.append(security_headers)
    app[services_key] = services
    app[api_key_key] = ensure_api_key(services.config)
    app[session_secret_key] = ensure_secret(services.config, "session_secret")
    redact.remember(app[api_key_key], app[session_secret_key])   # bytes: remembered as the hex kept on disk
    app[hub_key] = Hub()
    app[login_guard_key] = LoginGuard()
    app[session_book_key] = SessionBook()
    app[health_check_key] = HealthCheck(services)
    api.setup(app)
    from . import metrics, openapi
    app.router.add_routes(metrics.routes)
    app.router.add_routes(openapi.routes)
    from . import ui
    ui.setup(app)

    async def lifecycle(app: web.Application):
        loop = asyncio.get_running_loop()
        bridge = Bridge(loop, services.db)
        app[bridge_key] = bridge
        await bridge.run(app[session_book_key].valid, "")   # loads the open sessions off the loop
        bridge.forward(services.bus, app[hub_key].publish_nowait)
        system = ActorSystem(services, run_workers=run_workers)
        if start_actors:
            starting = loop.run_in_executor(None, system.start)
            try:
                await asyncio.shield(starting)
            except asyncio.CancelledError:
                # stopped while the actors start (SIGTERM during start-up): the start runs on in its
                # thread, and actors left running would keep the process alive; stop them once started
                with contextlib.suppress(Exception):
                    await starting
                await loop.run_in_executor(None, system.stop)
                raise
        yield
        await app[hub_key].close_all()
        if start_actors:
            await loop.run_in_executor(None, system.stop)
        bridge.close()
        app[health_check_key].close()

    app.cleanup_ctx.append(lifecycle)
    return app
