"""What every player emulator shares: one aiohttp app on 127.0.0.1 that records each request and
can go down and come back on the same port."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str                  # HTTP method, or the JSON-RPC method for Kodi RPC records
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class PlayerServer:
    """One aiohttp app on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(self) -> None:
        self.requests: list[Call] = []
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        raise NotImplementedError

    async def _record(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(Call(request.method, request.path, dict(request.query), dict(request.headers), body))
        return body

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app(), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()
            self.runner = None

    # from the test thread
    def go_down(self) -> None:
        asyncio.run_coroutine_threadsafe(self.stop(), self.loop).result(10)

    def come_back(self) -> None:
        asyncio.run_coroutine_threadsafe(self.start(), self.loop).result(10)


