"""Websocket hub: each client has a bounded queue and its own writer task, so a client that does
not read is dropped instead of slowing the others (Home Assistant's pattern)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web

from metarr.events import Event

from .envelope import dumps

log = logging.getLogger(__name__)

QUEUE_SIZE = 512


@dataclass(eq=False)
class Client:
    ws: web.WebSocketResponse
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    topics: set[str] | None = None  # None = everything
    writer: asyncio.Task | None = None
    dropped: bool = False

    def wants(self, event: Event) -> bool:
        return self.topics is None or event.topic in self.topics or event.type in self.topics


class Hub:
    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.sent = 0
        self.dropped = 0

    def publish_nowait(self, event: Event) -> None:
        """Called on the loop thread (via the bridge). Never awaits."""
        if not self.clients:
            return
        text = dumps(event.to_json())
        for c in list(self.clients):
            if c.dropped or not c.wants(event):
                continue
            try:
                c.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._drop(c)

    def _drop(self, c: Client) -> None:
        c.dropped = True
        self.dropped += 1
        self.clients.discard(c)
        log.info("websocket client dropped: too slow")
        if c.writer:
            c.writer.cancel()
        asyncio.ensure_future(c.ws.close(code=1008, message=b"too slow"))

    async def _write(self, c: Client) -> None:
        while True:
            text = await c.queue.get()
            if text is None:
                return
            await c.ws.send_str(text)
            self.sent += 1

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=64 * 1024)
        await ws.prepare(request)
        c = Client(ws)
        c.writer = asyncio.create_task(self._write(c))
        self.clients.add(c)
        await c.queue.put(dumps({"type": "hello", "ts": 0, "data": {"topics": None}}))
        try:
            async for msg in ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                self._on_message(c, msg.data)
        finally:
            self.clients.discard(c)
            if c.writer and not c.writer.done():
                with contextlib.suppress(asyncio.QueueFull):
                    c.queue.put_nowait(None)
                try:
                    await asyncio.wait_for(c.writer, 1.0)
                except (TimeoutError, asyncio.CancelledError, Exception):
                    c.writer.cancel()
        return ws

    def _on_message(self, c: Client, data: str) -> None:
        import json
        try:
            msg = json.loads(data)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "subscribe" and isinstance(msg.get("topics"), list):
            c.topics = {str(t) for t in msg["topics"]} or None
        elif msg.get("type") == "unsubscribe":
            c.topics = None
        elif msg.get("type") == "ping":
            with contextlib.suppress(asyncio.QueueFull):
                c.queue.put_nowait(dumps({"type": "pong", "ts": 0, "data": {}}))

    async def close_all(self) -> None:
        for c in list(self.clients):
            with contextlib.suppress(Exception):
                await c.ws.close(code=1001, message=b"server shutdown")
