"""Fixtures for the asset domain: real images and a local aiohttp test server in a thread.

The downloader is blocking (it runs in actor threads), so the server gets its own event loop
in a background thread instead of pytest-aiohttp's in-test loop.
"""
from __future__ import annotations

import asyncio
import io
import shutil
import ssl
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from PIL import Image

from metarr.assets.download import DownloadPolicy
from metarr.assets.ssrf import AllowList
from metarr.assets.store import AssetStore
from web.demo.media import make_image

CAP = 256 * 1024  # small byte cap in tests so "oversized" bodies stay cheap


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A ~100-byte PNG whose IHDR declares width x height pixels (IDAT deliberately tiny)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def jpeg_bytes(w: int = 300, h: int = 450, pattern: int = 0, quality: int = 90) -> bytes:
    img = Image.new("RGB", (w, h), (120, 60, 200))
    for i in range(0, w, max(1, w // 8)):
        x = (i + pattern * 7) % w
        img.paste((255, 200, 40), (x, 0, min(w, x + 3), h))
    img.paste((10, 200, 90), (w // 4, h // 3, w // 2, h // 2))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@dataclass
class Server:
    base: str
    port: int
    raw_base: str
    tls_port: int = 0            # 0 when openssl is unavailable
    tls_ca: Path | None = None   # self-signed certificate for images.test
    data: dict[str, bytes] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _build_app(srv: Server) -> web.Application:
    good, bomb = srv.data["good"], srv.data["bomb"]

    @web.middleware
    async def record(request: web.Request, handler):
        srv.hits.append(request.path_qs)
        return await handler(request)

    async def good_jpg(request: web.Request) -> web.Response:
        return web.Response(body=good, content_type="image/jpeg")

    async def truncated(request: web.Request) -> web.Response:
        return web.Response(body=good[: len(good) // 2], content_type="image/jpeg")

    async def bomb_png(request: web.Request) -> web.Response:
        return web.Response(body=bomb, content_type="image/png")

    async def html(request: web.Request) -> web.Response:
        body = b"<!DOCTYPE html><html><body>Not found, but 200</body></html>" + b" " * 100
        return web.Response(body=body, headers={"Content-Type": "image/jpeg"})

    async def svg(request: web.Request) -> web.Response:
        body = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        return web.Response(body=body, headers={"Content-Type": "image/jpeg"})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def cover(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/good.jpg")  # Cover Art Archive answers 307

    async def chain(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(body=good, content_type="image/jpeg")
        raise web.HTTPFound(f"/chain/{n - 1}")

    async def big_cl(request: web.Request) -> web.Response:
        return web.Response(body=good[:32] + b"\0" * (CAP * 2), content_type="image/jpeg")

    async def big_chunked(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            await resp.write(good[:32])
            for _ in range(CAP * 4 // 16384):
                await resp.write(b"\0" * 16384)
        except (ConnectionResetError, ConnectionError):
            pass
        return resp

    async def slow(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            for i in range(0, len(good), 64):
                await resp.write(good[i:i + 64])
                await asyncio.sleep(0.2)
        except (ConnectionResetError, ConnectionError):
            pass
        return resp

    async def stall(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "image/jpeg", "Content-Length": str(len(good))})
        await resp.prepare(request)
        try:
            await resp.write(good[:100])
            await asyncio.sleep(3)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            pass
        return resp

    async def host_echo(request: web.Request) -> web.Response:
        # only answers the image when the Host header names the virtual host, not the IP
        if request.host.rsplit(":", 1)[0] != "images.test":
            return web.Response(status=421, text=f"wrong host {request.host}")
        return web.Response(body=good, content_type="image/jpeg")

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    async def big_image(request: web.Request) -> web.Response:
        return web.Response(body=srv.data["pixels"], content_type="image/png")

    app = web.Application(middlewares=[record])
    app.add_routes([
        web.get("/good.jpg", good_jpg), web.get("/same.jpg", good_jpg), web.get("/truncated.jpg", truncated),
        web.get("/bomb.png", bomb_png), web.get("/html.jpg", html), web.get("/svg.jpg", svg),
        web.get("/redirect", redirect), web.get("/cover", cover), web.get("/chain/{n}", chain),
        web.get("/big-cl", big_cl), web.get("/big-chunked", big_chunked), web.get("/slow", slow),
        web.get("/stall", stall), web.get("/host", host_echo), web.get("/status/{code}", status),
        web.get("/pixels.png", big_image),
    ])
    return app


async def _raw_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, good: bytes) -> None:
    """Hand-written responses aiohttp refuses to produce: lying Content-Length headers."""
    try:
        line = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        path = line.split()[1].decode()
        if path == "/cl-too-small":      # declares 1000 bytes, sends far more
            body, cl = good[:32] + b"\0" * (CAP * 2), 1000
        elif path == "/cl-too-big":      # declares more than it sends, then closes
            body, cl = good[:500], len(good)
        else:                            # no Content-Length, body until close, over the cap
            body, cl = good[:32] + b"\0" * (CAP * 2), None
        head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\n"
        if cl is not None:
            head += f"Content-Length: {cl}\r\n"
        writer.write(head.encode() + b"\r\n")
        for i in range(0, len(body), 65536):
            writer.write(body[i:i + 65536])
            await writer.drain()
    except (ConnectionError, IndexError):
        pass
    finally:
        writer.close()


def _self_signed(d: Path) -> tuple[Path, Path] | None:
    if not shutil.which("openssl"):
        return None
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=images.test",
                    "-addext", "subjectAltName=DNS:images.test"], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    d = tmp_path_factory.mktemp("srvdata")
    pem = _self_signed(d)
    data = {
        "good": jpeg_bytes(),
        "bomb": png_bomb(),
        "pixels": make_image(d / "px.png", 900, 900).read_bytes(),
    }
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    async def start() -> None:
        srv = Server(base="", port=0, raw_base="", data=data)
        runner = web.AppRunner(_build_app(srv), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        if pem is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*pem)
            tls = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
            await tls.start()
            srv.tls_port, srv.tls_ca = runner.addresses[1][1], pem[0]
        raw = await asyncio.start_server(lambda r, w: _raw_handler(r, w, data["good"]), "127.0.0.1", 0)
        raw_port = raw.sockets[0].getsockname()[1]
        srv.base, srv.port, srv.raw_base = f"http://127.0.0.1:{port}", port, f"http://127.0.0.1:{raw_port}"
        holder.update(srv=srv, runner=runner, raw=raw)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    t = threading.Thread(target=run, name="asset-test-server", daemon=True)
    t.start()
    assert ready.wait(10)
    yield holder["srv"]

    async def stop() -> None:
        holder["raw"].close()
        await holder["runner"].cleanup()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    t.join(5)


@pytest.fixture
def store(tmp_path: Path) -> AssetStore:
    return AssetStore(tmp_path / "data" / "cache")


@pytest.fixture
def policy() -> DownloadPolicy:
    return DownloadPolicy(allow=AllowList.parse("127.0.0.1"), max_bytes=CAP, total_timeout=3.0,
                          connect_timeout=2.0)


def leftovers(store: AssetStore) -> list[Path]:
    """Every file under the cache root (cache files and temp files alike)."""
    return sorted(p for p in store.cache_root.rglob("*") if p.is_file())
