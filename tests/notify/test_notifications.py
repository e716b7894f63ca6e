"""Notifications: channels with event filters, sent as retried jobs to a real local webhook."""
import asyncio
import json

from aiohttp import web

from web.demo.media import make_clip


async def test_webhook_channel_gets_filtered_events_and_retries(api, services, tmp_path):
    got: list[dict] = []
    fail_first = {"n": 1}

    async def receive(request):
        if fail_first["n"]:
            fail_first["n"] -= 1
            return web.Response(status=503)   # the first delivery fails: the job retries
        got.append(json.loads(await request.read()))
        return web.Response(status=204)
    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"
    try:
        r = await api.post("/api/v1/notification-channels", json={"name": "hook", "url": url,
                                                                  "events": ["scan.completed"]})
        assert r.status == 201
        cid = (await r.json())["data"]["id"]
        r = await api.post("/api/v1/notification-channels", json={"name": "bad", "url": url, "events": 5})
        assert r.status == 400
        root = tmp_path / "Films"
        make_clip(root / "The General (1926)" / "The General (1926).mkv")
        r = await api.post("/api/v1/libraries", json={"name": "F", "kind": "movie", "path": str(root), "watch": False,
                                                      "auto_enrich": False})
        lid = (await r.json())["data"]["id"]
        await asyncio.sleep(0.2)
        await api.post(f"/api/v1/libraries/{lid}/scan")
        # the retry after the 503 waits the backoff (2.5-5 s)
        for _ in range(150):
            if got:
                break
            await asyncio.sleep(0.1)
        assert len(got) == 1 and got[0]["event"]["event"] == "scan.completed"
        assert got[0]["title"] == "Metarr: scan.completed"
        jobs = (await (await api.get("/api/v1/jobs?type=notify.send")).json())["data"]
        assert jobs[0]["attempts"] == 2 and jobs[0]["status"] == "succeeded"
        r = await api.post(f"/api/v1/notification-channels/{cid}/test")
        assert (await r.json())["data"]["ok"] is True
    finally:
        await runner.cleanup()
