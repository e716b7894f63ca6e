"""Hostile input from a key holder: deep or non-standard JSON, non-finite settings, ids that int()
would reinterpret. Each gets a clear 4xx, never a 500, and changes nothing."""
import math

import aiohttp

from metarr.db.database import connection
from metarr.db.models import Setting
from metarr.service import settings


async def test_deeply_nested_json_is_a_400_with_a_message(api):
    deep = "[" * 100_000 + "]" * 100_000
    for method, path in (("POST", "/api/v1/libraries"), ("PATCH", "/api/v1/settings"),
                         ("POST", "/api/v1/webhooks/radarr")):
        r = await api.request(method, path, data=deep, headers={"Content-Type": "application/json"})
        assert r.status == 400, (path, r.status)
        assert "nested too deeply" in (await r.json())["error"]["message"]


async def test_the_websocket_answers_deep_json_with_an_error_message_and_stays_usable(api):
    async with api.ws_connect("/api/v1/ws") as ws:
        assert '"hello"' in (await ws.receive(timeout=5)).data
        await ws.send_str("[" * 3000 + "]" * 3000)   # small enough for a frame, too deep to parse
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.TEXT and "nested too deeply" in msg.data
        await ws.send_json({"type": "ping"})
        assert '"pong"' in (await ws.receive(timeout=5)).data


async def test_settings_refuse_nan_infinity_and_out_of_range_numbers(api, services):
    for body in ('{"enrich.min_confidence": NaN}', '{"enrich.min_confidence": Infinity}',
                 '{"enrich.min_confidence": 1e308}', '{"scan.probe_concurrency": 0}',
                 '{"scan.probe_concurrency": 2.5}'):
        r = await api.patch("/api/v1/settings", data=body, headers={"Content-Type": "application/json"})
        assert r.status == 400, body
    # a value stored before the check existed reads as the default, and GET stays valid JSON
    with connection(services.db):
        Setting.delete().where(Setting.key == "enrich.min_confidence").execute()
        Setting.insert(key="enrich.min_confidence", value=math.nan, updated_at=0).execute()
    r = await api.get("/api/v1/settings")
    assert r.status == 200 and "NaN" not in await r.text()
    with connection(services.db):
        assert settings.get(services.db, "enrich.min_confidence") == 0.75


async def test_ids_in_other_digits_or_forms_are_refused_not_reinterpreted(api):
    await api.post("/api/v1/libraries", json={"name": "x", "kind": "movie", "path": "/tmp", "watch": False})
    for raw in ("%D9%A1", "+1", "%201", "1_0", "１"):
        r = await api.get(f"/api/v1/libraries/{raw}")
        assert r.status == 404, raw
    assert (await api.get("/api/v1/libraries/1")).status in (200, 404)
    r = await api.get("/api/v1/jobs?limit=%D9%A3")
    assert r.status == 400
