"""Body size limits hold for every POST/PUT/PATCH route: 413 in the envelope, before any handler
reads (or ignores) the body; bounded reads for bodies sent without a length."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.conftest import API_KEY
from web import limits
from web.keys import bridge_key
from web.limits import body_limit

FILL = {"id": "1", "cid": "1", "kind": "movies", "phase": "scan", "slot": "poster", "source": "radarr",
        "field": "title", "name": "tmdb", "sha": "0" * 64}


def _fill(path: str, schema_params: list[dict]) -> str:
    for p in schema_params:
        if p["in"] == "path":
            enum = p["schema"].get("enum")
            path = path.replace("{" + p["name"] + "}", str(enum[0]) if enum else FILL[p["name"]])
    return path


async def _raw(host: str, port: int, method: str, path: str, length: int) -> tuple[int, dict]:
    """Declare a body of `length` bytes, send none of it, read the answer."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"{method} {path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {API_KEY}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode())
    await writer.drain()
    status = int((await asyncio.wait_for(reader.readline(), 10)).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        k, v = line.decode().split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 10)
    writer.close()
    return status, json.loads(body)


async def test_every_write_route_refuses_an_oversized_body(api):
    doc = await (await api.get("/api/v1/openapi.json")).json()
    checked = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("post", "put", "patch"):
                continue
            url = _fill(path, op["parameters"])
            limit = body_limit(url)
            status, body = await _raw(api.server.host, api.server.port, method.upper(), url, limit + 1)
            assert status == 413, (method, url, status, body)
            assert body["success"] is False and body["error"]["code"] == "too_large"
            checked.append((method, path))
    assert len(checked) > 30
    # the limits themselves
    assert body_limit("/api/v1/libraries") == 1024 * 1024
    assert body_limit("/api/v1/webhooks/radarr") == 4 * 1024 * 1024
    assert body_limit("/api/v1/movies/1/artwork/poster") == 50 * 1024 * 1024


async def test_a_body_within_the_limit_passes(api):
    # 1 MB of JSON is still read and judged on its content (400, not 413)
    r = await api.post("/api/v1/libraries", data=json.dumps({"name": "x" * (1024 * 1024 - 100)}))
    assert r.status == 400


async def test_chunked_bodies_are_cut_off(api):
    """No Content-Length: the handlers' reads stop at the limit."""
    async def chunks(total):
        sent = 0
        while sent < total:
            yield b" " * 65536
            sent += 65536
    r = await api.post("/api/v1/libraries", data=chunks(2 * 1024 * 1024))
    assert r.status == 413 and (await r.json())["error"]["code"] == "too_large"
    r = await api.post(f"/api/v1/webhooks/radarr?apikey={API_KEY}", data=chunks(5 * 1024 * 1024))
    assert r.status == 413


@pytest.fixture
def movie_id(api):
    from metarr.db.media import Movie
    from metarr.db.models import Library

    async def make():
        def create():
            now = time.time()
            lib = Library.create(name="m", kind="movie", path="/nowhere", created_at=now, updated_at=now)
            return Movie.create(library_id=lib.id, key="a/a.mkv", folder="a", title="A", date_added=now,
                                created_at=now, updated_at=now).id
        return await api.app[bridge_key].run(create)
    return make


async def test_multipart_upload_is_bounded(api, movie_id, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UPLOAD", 100_000)
    mid = await movie_id()
    import aiohttp

    async def chunks():
        for _ in range(40):
            yield b"\x00" * 65536
    with aiohttp.MultipartWriter("form-data") as mp:
        part = mp.append(chunks(), {"Content-Type": "image/png"})
        part.set_content_disposition("form-data", name="file", filename="big.png")
    r = await api.post(f"/api/v1/movies/{mid}/artwork/poster", data=mp)
    assert r.status == 413 and (await r.json())["error"]["code"] == "too_large"


async def test_a_malformed_multipart_upload_is_a_clear_400(api, movie_id):
    mid = await movie_id()
    # the closing boundary where a part's headers should be: what the fuzzer found (a 500 before)
    r = await api.post(f"/api/v1/movies/{mid}/artwork/poster", data=b"--b0und\r\n--b0und--\r\n",
                       headers={"Content-Type": "multipart/form-data; boundary=b0und"})
    assert r.status == 400, await r.text()
    assert (await r.json())["error"]["message"].startswith("malformed multipart body")


async def test_bodies_in_pieces_are_read_whole(api):
    """A webhook whose body arrives in several pieces is read to the end (not cut at the first)."""
    payload = json.dumps({"eventType": "Test", "instanceName": "Radarr", "padding": "x" * 200_000}).encode()

    async def pieces():
        for i in range(0, len(payload), 50_000):
            yield payload[i:i + 50_000]
            await asyncio.sleep(0.01)
    r = await api.post(f"/api/v1/webhooks/radarr?apikey={API_KEY}", data=pieces(),
                       headers={"Content-Type": "application/json"})
    assert r.status == 200, await r.text()
    assert (await r.json())["data"]["event"] == "Test"
