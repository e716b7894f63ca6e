"""Apprise notification URLs go through the outbound guard like plain webhooks and players: json://,
form://, xml:// (and every other apprise service) reach loopback or link-local addresses (cloud
metadata) only when METARR_ALLOW_HOSTS names them, redirects included; services that cannot be
guarded are refused when the channel is made."""
import pytest
from aiohttp import web

pytest.importorskip("apprise")


@pytest.fixture
def strict_env(env):
    env.pop("METARR_ALLOW_HOSTS")      # as a real install: nothing on loopback is allowed


async def _server(aiohttp_server, hits, redirect_to=None):
    async def handler(request):
        hits.append((request.method, request.path, dict(request.headers)))
        if redirect_to:
            raise web.HTTPTemporaryRedirect(redirect_to)
        return web.Response(text="ok")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return await aiohttp_server(app)


async def _test_send(api, url):
    r = await api.post("/api/v1/notification-channels", json={"name": "n", "url": url, "events": ["*"]})
    assert r.status == 201, await r.text()
    cid = (await r.json())["data"]["id"]
    return (await (await api.post(f"/api/v1/notification-channels/{cid}/test")).json())["data"]


async def test_apprise_urls_to_loopback_and_cloud_metadata_are_refused(strict_env, api, aiohttp_server):
    hits = []
    srv = await _server(aiohttp_server, hits)
    for url in (f"json://127.0.0.1:{srv.port}/hook?-X-Evil=1", f"form://127.0.0.1:{srv.port}/hook",
                f"xml://127.0.0.1:{srv.port}/hook", f"json://2130706433:{srv.port}/hook",
                f"json://localhost:{srv.port}/hook?:method=PUT", "json://169.254.169.254/latest/meta-data/",
                "jsons://169.254.169.254/latest/meta-data/"):
        res = await _test_send(api, url)
        assert res["ok"] is False and "METARR_ALLOW_HOSTS" in res["message"], (url, res)
    assert hits == []


async def test_a_redirect_from_an_allowed_target_is_checked_again(api, aiohttp_server):
    # the test environment allows 127.0.0.1, not the cloud metadata address it redirects to
    hits = []
    srv = await _server(aiohttp_server, hits, redirect_to="http://169.254.169.254/latest/meta-data/")
    res = await _test_send(api, f"json://127.0.0.1:{srv.port}/hook")
    assert res["ok"] is False and "169.254.169.254" in res["message"] and "METARR_ALLOW_HOSTS" in res["message"]
    assert len(hits) == 1


async def test_allowed_apprise_targets_are_delivered(api, aiohttp_server):
    hits = []
    srv = await _server(aiohttp_server, hits)
    res = await _test_send(api, f"json://127.0.0.1:{srv.port}/hook")
    assert res == {"ok": True, "message": "sent"}
    assert [(m, p) for m, p, _ in hits] == [("POST", "/hook")]


async def test_services_that_cannot_be_guarded_are_refused_when_the_channel_is_made(api):
    for url in ("syslog://", "rsyslog://169.254.169.254", "irc://127.0.0.1/chan"):   # no HTTP, no e-mail
        r = await api.post("/api/v1/notification-channels", json={"name": "n", "url": url, "events": ["*"]})
        assert r.status == 400, (url, r.status)
        assert "guard" in (await r.json())["error"]["message"]
    r = await api.post("/api/v1/notification-channels", json={"name": "n", "url": "nonsense://x", "events": ["*"]})
    assert r.status == 400
