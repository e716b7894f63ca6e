"""A real Metarr app served on a free port from its own thread and event loop, for clients that are
synchronous (schemathesis, requests) or must not share the server's loop."""
from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web


class LiveServer:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()

        async def up() -> int:
            self.runner = web.AppRunner(self.app, handle_signals=False)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]
        self.port = asyncio.run_coroutine_threadsafe(up(), self.loop).result(90)
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(90)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def quiet_services(config):
    """Services whose actors take jobs but run none (no workers) and watch no folders: an API
    fuzzer may create libraries on `/` and ask for scans without anything touching the disk."""
    from actors.system import open_services
    s = open_services(config, role="api")
    yield s
    real = getattr(s.db, "obj", s.db)
    if not real.is_closed():
        real.close()


@pytest.fixture
def live_server(quiet_services):
    from web.app import create_app
    server = LiveServer(create_app(quiet_services, run_workers=False)).start()
    yield server
    server.stop()
