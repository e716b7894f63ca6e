"""After a login the browser is sent only to a path of this service: a `next` that a browser would
read as another site (tab, CR, LF or backslash after the first slash) becomes "/"."""
from urllib.parse import urlsplit

import pytest


def _as_browser_reads(location: str) -> str:
    # what a browser does with a Location: tabs and line breaks dropped, backslashes read as slashes
    return location.translate({9: None, 10: None, 13: None}).replace("\\", "/")


@pytest.mark.parametrize("nxt", ["/\t/evil.example/x", "/\n/evil.example/x", "/\r/evil.example/x",
                                 "/\\evil.example/x", "//evil.example/x", "https://evil.example/x"])
async def test_login_never_redirects_to_another_site(services, aiohttp_client, nxt):
    from web.app import create_app
    from web.keys import api_key_key
    app = create_app(services, start_actors=False)
    client = await aiohttp_client(app)
    page = await (await client.get("/login", params={"next": nxt})).text()
    assert "evil.example" not in page          # not even carried in the form
    r = await client.post("/login", data={"secret": app[api_key_key], "next": nxt}, allow_redirects=False)
    assert r.status == 302
    seen = urlsplit(_as_browser_reads(r.headers["Location"]))
    assert not seen.netloc and not seen.scheme and seen.path.startswith("/"), r.headers["Location"]


async def test_a_path_with_a_query_is_still_followed(services, aiohttp_client):
    from web.app import create_app
    from web.keys import api_key_key
    app = create_app(services, start_actors=False)
    client = await aiohttp_client(app)
    r = await client.post("/login", data={"secret": app[api_key_key], "next": "/movies?q=star wars"},
                          allow_redirects=False)
    assert r.status == 302 and r.headers["Location"].startswith("/movies?q=star")
