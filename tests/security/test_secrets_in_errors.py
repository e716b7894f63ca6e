"""No secret leaves through an error. Fake providers answer with a redirect loop (the HTTP client's
"too many redirects" names the request URL, key included) and with a 401 that echoes the request
URL; keys come from the UI (stored by an earlier start: known to redaction only if read at start)
and from the environment. After the provider tests and a failing enrich chain, every API answer,
page, websocket event and log file is searched for the keys; the other secrets (player token and
password, a notification URL's credentials, the API key, the session secret) are masked from the
first start too."""
import asyncio
import json
import logging
from urllib.parse import quote

import pytest
from aiohttp import web

from metarr.config import load_config

try:
    from metarr.service import redact
except ImportError:      # the code before the redaction module: the searches below still run and fail
    redact = None
from tests.conftest import API_KEY
from web.demo.media import make_clip

UI_KEYS = {"tmdb": "tmdbUIkey+0123456789abcdef", "fanart": "fanartUIkey0123456789abcdef"}
ENV_KEY = "omdbENVkey0123456789"
PLAYER_TOKEN, PLAYER_PASSWORD = "plexTOKENabcdef0123456789", "kodiPASSWORDxyz987"
HOOK_PASSWORD = "hookPASSWORD55aa66bb"


def _spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1]}


@pytest.fixture
async def fake_providers(aiohttp_server):
    async def loop(request):        # a redirect loop: the client gives up naming the URL
        raise web.HTTPFound(str(request.rel_url))

    async def echo(request):        # a 401 whose body quotes the request
        return web.Response(status=401, text=f"Invalid API key. You requested {request.method} {request.url}")
    app = web.Application()
    app.router.add_route("*", "/loop/{tail:.*}", loop)
    app.router.add_route("*", "/echo/{tail:.*}", echo)
    return await aiohttp_server(app)


@pytest.fixture
def leak_env(env, fake_providers):
    base = f"http://127.0.0.1:{fake_providers.port}"
    env.update({"METARR_TMDB_URL": f"{base}/loop/3", "METARR_FANART_URL": f"{base}/echo/v3",
                "METARR_OMDB_URL": f"{base}/echo/omdb", "METARR_OMDB_API_KEY": ENV_KEY,
                "METARR_MUSICBRAINZ_URL": f"{base}/echo/mb", "METARR_COVERART_URL": f"{base}/echo/caa",
                "METARR_TVDB_URL": f"{base}/echo/tvdb"})
    return env


@pytest.fixture
def fresh_process(monkeypatch):
    """What a new process knows: nothing yet (the registry is per process)."""
    def new():
        if redact is not None:
            monkeypatch.setattr(redact, "SECRETS", redact.Secrets())
    new()
    return new


@pytest.fixture
def file_logs(leak_env):
    from metarr.service.logsetup import setup_logging
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    config = load_config(leak_env)
    setup_logging(config.log_dir, "INFO", config.secrets(), console=False)
    yield config.log_dir
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    for h in saved:
        root.addHandler(h)
    root.setLevel(level)


def _first_start(config):
    """An earlier run: keys entered in the UI, a player and a notification channel, then stopped."""
    from actors.system import open_services
    from metarr.db.database import close_database, connection
    from metarr.db.integrations import NotificationChannel, Player
    from metarr.sources import keys as provider_keys
    s = open_services(config)
    with connection(s.db):
        for name, key in UI_KEYS.items():
            provider_keys.put(s.db, name, key)
        Player.create(name="plex", kind="plex", url="http://192.168.1.9:32400", token=PLAYER_TOKEN, created_at=0)
        Player.create(name="kodi", kind="kodi", url="http://192.168.1.8:8080", username="kodi",
                      password=PLAYER_PASSWORD, created_at=0)
        NotificationChannel.create(name="hook", url=f"https://user:{HOOK_PASSWORD}@hooks.example/x", events=["*"],
                                   enabled=True, created_at=0)
    close_database(s.db)


async def _crawl(client, app, ids):
    """Every GET route of the app without a parameter, and those with an id we know of."""
    answers = {}
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if not path or "/static" in path or path == "/api/v1/ws" or not any(
                r.method == "GET" for r in resource):
            continue
        paths = [path] if "{" not in path else [path.replace("{id}", str(i)) for i in ids.get(path, [])]
        for p in paths:
            r = await client.get(p, allow_redirects=False)
            answers[p] = await r.text()
    return answers


async def test_keys_never_leave_through_errors_answers_pages_events_or_logs(
        leak_env, fresh_process, file_logs, aiohttp_client, tmp_path):
    from actors.system import open_services
    from web.app import create_app
    config = load_config(leak_env)
    _first_start(config)
    fresh_process()                                   # the restart: only what start-up reads is known
    services = open_services(config)
    app = create_app(services)
    client = await aiohttp_client(app, headers={"X-Api-Key": API_KEY})
    events = []
    ws = await client.ws_connect("/api/v1/ws")

    async def listen():
        async for msg in ws:
            events.append(msg.data)
    listener = asyncio.ensure_future(listen())

    # the connection tests answer with what went wrong
    tests = {name: (await (await client.post(f"/api/v1/providers/{name}/test")).json())["data"]
             for name in ("tmdb", "fanart", "omdb")}
    assert not any(t["ok"] for t in tests.values())
    assert "too many redirects" in tests["tmdb"]["message"]
    assert "authentication failed" in tests["fanart"]["message"]

    # a library whose enrichment meets the same failures in jobs
    root = tmp_path / "Movies"
    make_clip(root / "The General (1926)" / "The General (1926).mkv")
    r = await client.post("/api/v1/libraries", json={"name": "M", "kind": "movie", "path": str(root), "watch": False})
    lid = (await r.json())["data"]["id"]
    await client.post(f"/api/v1/libraries/{lid}/scan")

    async def failed_jobs():
        jobs = (await (await client.get("/api/v1/jobs", params={"limit": "100"})).json())["data"]
        return [j for j in jobs if j.get("last_error") and j["type"].startswith("enrich.")]
    for _ in range(300):
        if await failed_jobs() and any('"job.failed"' in e and "enrich." in e for e in events):
            break
        await asyncio.sleep(0.1)
    failed = await failed_jobs()
    assert failed and "too many redirects" in failed[0]["last_error"], "no enrich job failed against the fake providers"
    movies = (await (await client.get("/api/v1/movies")).json())["data"]
    all_jobs = (await (await client.get("/api/v1/jobs", params={"limit": "200"})).json())["data"]
    ids = {"/api/v1/jobs/{id}": [j["id"] for j in all_jobs], "/api/v1/movies/{id}": [m["id"] for m in movies],
           "/movies/{id}": [m["id"] for m in movies], "/api/v1/libraries/{id}": [lid]}
    answers = await _crawl(client, app, ids)
    assert "too many redirects" in answers["/api/v1/providers"] and "too many redirects" in answers["/settings"]
    await ws.close()
    listener.cancel()
    logs = {p.name: p.read_text() for p in file_logs.glob("*.log*")}
    assert any("too many redirects" in text for text in logs.values())

    everything = {**{f"answer {p}": t for p, t in answers.items()}, **{f"test {n}": json.dumps(t) for n, t in
                  tests.items()}, **{f"event {i}": e for i, e in enumerate(events)}, **{f"log {n}": t for n, t in
                  logs.items()}}
    for secret in [*UI_KEYS.values(), ENV_KEY]:
        leaks = [where for where, text in everything.items() if any(s in text for s in _spellings(secret))]
        assert not leaks, f"{secret} leaked in {leaks}"

    # the other secrets are masked from the first start, whatever text would carry them
    from web.keys import api_key_key
    api_key = app[api_key_key]
    session = (config.data_dir / "session_secret").read_text().strip()
    text = redact.scrub(f"{PLAYER_TOKEN} {PLAYER_PASSWORD} {HOOK_PASSWORD} {api_key} {session}")
    assert set(text.split()) == {redact.MASK}


def test_credentials_in_any_url_are_masked_even_when_unknown():
    text = ("GET https://api.example/3/movie?query=x&api_key=abc123def456&page=2 failed; "
            "http://admin:hunter2hunter2@10.0.0.5:8080/jsonrpc; /library?X-Plex-Token=zzzzzzzzzz")
    out = redact.Secrets().scrub(text)
    assert "abc123def456" not in out and "hunter2hunter2" not in out and "zzzzzzzzzz" not in out
    assert "query=x" in out and "page=2" in out and "10.0.0.5:8080/jsonrpc" in out


async def test_notification_urls_are_listed_with_their_credentials_masked(api):
    secret_url = "json://hook.example.org:8080/notify?token=Zq8rT2mX9vLp4Kd7&user=alice"
    basic_url = "https://bob:Pa55wordThatIsLong@hooks.example.org/x"
    for name, url in (("tok", secret_url), ("basic", basic_url)):
        r = await api.post("/api/v1/notification-channels", json={"name": name, "url": url, "events": ["*"]})
        assert r.status == 201, await r.text()
    listed = (await (await api.get("/api/v1/notification-channels")).json())["data"]
    text = repr(listed)
    assert "Zq8rT2mX9vLp4Kd7" not in text and "Pa55wordThatIsLong" not in text
    urls = {c["name"]: c["url"] for c in listed}
    assert urls["tok"] == "json://hook.example.org:8080/notify?token=***&user=alice"
    assert urls["basic"] == "https://bob:***@hooks.example.org/x"
