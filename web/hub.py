"""Websocket hub: each client has a bounded queue and its own writer task, so a client that does
not read is dropped instead of slowing the others (Home Assistant's pattern)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web

from metarr.service import jsonsafe
from metarr.service.events import Event

from .envelope import dumps

log = logging.getLogger(__name__)

# A burst of events (a scan publishing progress from an actor thread) can reach the loop in one
# go, so the queue is deep enough for a burst; what marks a client as too slow is a queue that stays
# full, or one send that does not finish within `send_timeout` (the client stopped reading).
QUEUE_SIZE = 4096
SEND_TIMEOUT = 5.0


@dataclass(eq=False)
class Client:
    ws: web.WebSocketResponse
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    topics: set[str] | None = None  # None = everything
    writer: asyncio.Task | None = None
    dropped: bool = False
    transport: asyncio.BaseTransport | None = None
    session: str | None = None   # the UI session it was opened with (None: the API key)

    def wants(self, event: Event) -> bool:
        return self.topics is None or event.topic in self.topics or event.type in self.topics


class Hub:
    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.sent = 0
        self.dropped = 0
        self.send_timeout = SEND_TIMEOUT

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
        if c.writer and c.writer is not asyncio.current_task():
            c.writer.cancel()
        asyncio.ensure_future(self._close(c, 1008, b"too slow"))

    @staticmethod
    async def _close(c: Client, code: int, message: bytes) -> None:
        """Close politely if the client still reads; a client that stopped reading cannot take the close
        frame either, so its connection is cut."""
        try:
            await asyncio.wait_for(c.ws.close(code=code, message=message), 1.0)
        except Exception:
            if c.transport is not None:
                c.transport.abort()

    async def _write(self, c: Client) -> None:
        while True:
            batch = [await c.queue.get()]
            while len(batch) < 256 and not c.queue.empty():
                batch.append(c.queue.get_nowait())
            try:
                # one deadline per batch (no task per message): a healthy client takes 256 small
                # messages in far less; one that stopped reading blocks on the socket until it fires
                async with asyncio.timeout(self.send_timeout):
                    for text in batch:
                        if text is None:
                            return
                        await c.ws.send_str(text)
                        self.sent += 1
            except TimeoutError:
                if not c.dropped:
                    self._drop(c)
                return
            except ConnectionError:
                return

    async def serve(self, request: web.Request, session: str | None = None) -> web.WebSocketResponse:
        # no permessage-deflate: events are small, and compressing each one once per client costs
        # more CPU than the bytes it saves (100 clients x a scan's progress events)
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=64 * 1024, compress=False)
        await ws.prepare(request)
        c = Client(ws, transport=request.transport, session=session)
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
        try:
            msg = jsonsafe.loads(data)
        except jsonsafe.BadJson as e:
            with contextlib.suppress(asyncio.QueueFull):
                c.queue.put_nowait(dumps({"type": "error", "ts": 0, "data": {"message": str(e)}}))
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

    async def end_sessions(self, sids: set[str] | None = None) -> int:
        """Close the websockets opened with these UI sessions (None: with any session): a logout or
        a password change ends the feed too, not only the next request."""
        gone = [c for c in list(self.clients) if c.session is not None and (sids is None or c.session in sids)]
        for c in gone:
            c.dropped = True
            self.clients.discard(c)
        await asyncio.gather(*(self._close(c, 1008, b"session ended") for c in gone))
        return len(gone)

    async def close_all(self) -> None:
        await asyncio.gather(*(self._close(c, 1001, b"server shutdown") for c in list(self.clients)))
