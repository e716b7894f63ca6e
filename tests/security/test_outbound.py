"""Outbound requests to user-configured addresses (players, notification webhooks) go through the
artwork downloads' guard: LAN yes; loopback, link-local, cloud metadata and unspecified only when
METARR_ALLOW_HOSTS names them; no redirects; no echo of what the other side answered."""
import pytest
from aiohttp import web

from metarr.assets.errors import BlockedAddress
from metarr.assets.ssrf import AllowList, resolve_target


def test_lan_policy_allows_private_lan_and_refuses_special_addresses():
    resolve_target("http://192.168.1.20:8080/jsonrpc", AllowList(), lan=True)
    resolve_target("http://10.0.0.5/", AllowList(), lan=True)
    for url in ("http://127.0.0.1:8080/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:80/",
                "http://[::1]/", "http://2130706433/", "http://0x7f000001/", "http://[fe80::1]/"):
        with pytest.raises(BlockedAddress):
            resolve_target(url, AllowList(), lan=True)
    resolve_target("http://127.0.0.1:8080/", AllowList.parse("127.0.0.1"), lan=True)
    with pytest.raises(BlockedAddress):   # downloads stay public-only
        resolve_target("http://192.168.1.20/poster.jpg", AllowList())


@pytest.fixture
def strict_env(env):
    env.pop("METARR_ALLOW_HOSTS")      # as a real install: nothing on loopback is allowed


async def _server(aiohttp_server, handler):
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return await aiohttp_server(app)


async def test_a_notification_test_send_to_loopback_is_refused_and_says_how_to_allow_it(strict_env, api,
                                                                                       aiohttp_server):
    hits = []

    async def handler(request):
        hits.append(request.path)
        return web.Response(text="ok")
    srv = await _server(aiohttp_server, handler)
    for url in (f"http://127.0.0.1:{srv.port}/hook", f"http://2130706433:{srv.port}/hook"):
        r = await api.post("/api/v1/notification-channels", json={"name": "x", "url": url, "events": ["*"]})
        cid = (await r.json())["data"]["id"]
        res = (await (await api.post(f"/api/v1/notification-channels/{cid}/test")).json())["data"]
        assert res["ok"] is False and "METARR_ALLOW_HOSTS" in res["message"]
    assert hits == []


async def test_player_errors_never_echo_the_answer_and_redirects_are_not_followed(api, aiohttp_server):
    target_hits = []

    async def elsewhere(request):
        target_hits.append(request.path)
        return web.json_response({"result": "pong"})
    other = await _server(aiohttp_server, elsewhere)

    async def banner(request):
        if request.path.startswith("/redirect"):
            raise web.HTTPFound(f"http://127.0.0.1:{other.port}/jsonrpc")
        return web.Response(status=500, text="SSH-2.0-OpenSSH_9.2 SECRET-BANNER")
    srv = await _server(aiohttp_server, banner)
    for path, word in (("/", "HTTP 500"), ("/redirect", "not followed")):
        r = await api.post("/api/v1/players", json={"name": path, "kind": "kodi", "url": f"http://127.0.0.1:{srv.port}{path}"})
        pid = (await r.json())["data"]["id"]
        res = (await (await api.post(f"/api/v1/players/{pid}/test")).json())["data"]
        assert res["ok"] is False and word in res["message"], res
        assert "SECRET" not in str(res) and "OpenSSH" not in str(res)
    assert target_hits == []
