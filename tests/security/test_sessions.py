"""Sessions end when they should: logout (with its CSRF token) and a password change end them on the
server; the websocket takes the session cookie only from this service's own pages."""
from web import auth


async def _login(client, secret):
    r = await client.post("/login", data={"secret": secret, "next": "/"}, allow_redirects=False)
    assert r.status == 302, await r.text()
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[auth.SESSION_COOKIE].value


async def _csrf(client):
    html = await (await client.get("/")).text()
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def test_logout_ends_the_session_on_the_server_and_needs_its_csrf_token(api, services, aiohttp_client):
    from web.app import create_app
    from web.keys import api_key_key
    app = create_app(services, start_actors=False)
    client = await aiohttp_client(app)
    cookie = await _login(client, app[api_key_key])
    assert (await client.get("/api/v1/status")).status == 200
    # a cross-site form cannot log the user out
    r = await client.post("/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert r.status == 403
    r = await client.post("/logout", data={"csrf": await _csrf(client)}, allow_redirects=False)
    assert r.status == 302
    # the old cookie, replayed (as a thief who copied it would), no longer works
    thief = await aiohttp_client(app, cookies={auth.SESSION_COOKIE: cookie})
    assert (await thief.get("/api/v1/status")).status == 401


async def test_a_password_change_ends_every_session(api, services, aiohttp_client):
    from web.app import create_app
    await api.put("/api/v1/settings", json={"ui.password": "first password!"})
    app = create_app(services, start_actors=False)
    one, two = await aiohttp_client(app), await aiohttp_client(app)
    await _login(one, "first password!")
    await _login(two, "first password!")
    assert (await two.get("/api/v1/status")).status == 200
    r = await one.put("/api/v1/settings", json={"ui.password": "second password"},
                      headers={"X-CSRF-Token": (await _csrf(one))})
    assert r.status == 200
    assert (await two.get("/api/v1/status")).status == 401
    assert (await one.get("/api/v1/status")).status == 401


async def test_the_websocket_refuses_the_cookie_from_another_origin(api, services, aiohttp_client):
    from web.app import create_app
    from web.keys import api_key_key
    app = create_app(services, start_actors=False)
    client = await aiohttp_client(app)
    await _login(client, app[api_key_key])
    host = client.make_url("/").host + ":" + str(client.make_url("/").port)
    resp = await client.get("/api/v1/ws", headers={"Origin": "http://evil.example", "Connection": "Upgrade",
                                                   "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert resp.status == 403
    async with client.ws_connect("/api/v1/ws", headers={"Origin": f"http://{host}"}) as ws:
        assert '"hello"' in (await ws.receive(timeout=5)).data
    # API-key connections are not affected by the Origin
    async with api.ws_connect("/api/v1/ws", headers={"Origin": "http://elsewhere"}) as ws:
        assert '"hello"' in (await ws.receive(timeout=5)).data
