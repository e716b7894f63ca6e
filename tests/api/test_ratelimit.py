"""Per-client rate limiting: token buckets, 429 with Retry-After in the envelope, who counts as a
client (key / session / address, X-Forwarded-For only from trusted proxies), exemptions."""
from __future__ import annotations

import pytest

from tests.conftest import API_KEY
from web import ratelimit
from web.ratelimit import RateLimiter, TokenBuckets, client_address, ratelimit_key


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_burst_refill_and_retry_after():
    clock = Clock()
    b = TokenBuckets(60, clock=clock)          # one a second, burst of 60
    assert all(b.take("a") == 0 for _ in range(60))
    wait = b.take("a")
    assert 0.9 < wait <= 1.0
    assert b.take("b") == 0                    # another client has its own bucket
    clock.t += 2.5
    assert b.take("a") == 0 and b.take("a") == 0 and b.take("a") > 0
    clock.t += 3600
    assert sum(b.take("a") == 0 for _ in range(100)) == 60   # never more than one minute's burst
    assert b.rejected == 2 + 40 and b.allowed > 0


def test_zero_means_unlimited():
    b = TokenBuckets(0)
    assert all(b.take("a") == 0 for _ in range(10_000))


def test_bucket_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS", 100)
    b = TokenBuckets(10)
    for i in range(1000):
        b.take(f"client{i}")
    assert len(b.buckets) <= 101


class FakeRequest:
    def __init__(self, remote, xff=None):
        self.remote = remote
        self.headers = _Headers({"X-Forwarded-For": xff} if xff else {})


class _Headers(dict):
    def getall(self, key, default=()):
        return [self[key]] if key in self else list(default)


def test_forwarded_for_only_from_trusted_proxies():
    trusted = ratelimit._networks(["10.0.0.0/8", "192.168.1.5"])
    # not a trusted peer: the header is ignored (anyone can forge it)
    assert client_address(FakeRequest("203.0.113.9", "1.2.3.4"), trusted) == "203.0.113.9"
    assert client_address(FakeRequest("203.0.113.9", "1.2.3.4"), []) == "203.0.113.9"
    # through a trusted proxy: the right-most untrusted hop is the client
    assert client_address(FakeRequest("192.168.1.5", "1.2.3.4"), trusted) == "1.2.3.4"
    assert client_address(FakeRequest("10.1.1.1", "6.6.6.6, 1.2.3.4, 10.2.2.2"), trusted) == "1.2.3.4"
    # a trusted proxy with no header, or garbage in it
    assert client_address(FakeRequest("10.1.1.1"), trusted) == "10.1.1.1"
    assert client_address(FakeRequest("10.1.1.1", "not-an-ip"), trusted) == "10.1.1.1"


async def _set_rate(api, per_minute):
    r = await api.put("/api/v1/settings", json={"api.rate_limit_per_minute": per_minute})
    assert r.status == 200


async def test_429_with_retry_after_in_the_envelope(api):
    await _set_rate(api, 5)
    statuses = [(await api.get("/api/v1/jobs")).status for _ in range(5)]
    assert statuses == [200] * 5
    r = await api.get("/api/v1/jobs")
    body = await r.json()
    assert r.status == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert body["success"] is False and body["error"]["code"] == "rate_limited"
    assert body["error"]["details"]["retry_after"] == int(r.headers["Retry-After"])
    # health stays answerable (exempt), metrics and the document are limited like the API
    assert (await api.get("/api/v1/health")).status == 200
    assert (await api.get("/metrics")).status == 429
    # webhooks have their own bucket: an API flood does not make Radarr's calls fail
    r = await api.post(f"/api/v1/webhooks/radarr?apikey={API_KEY}", json={"eventType": "Test"})
    assert r.status == 200
    assert api.app[ratelimit_key].buckets.rejected >= 2


async def test_clients_are_separate(api):
    await _set_rate(api, 3)
    for _ in range(3):
        assert (await api.get("/api/v1/jobs")).status == 200
    assert (await api.get("/api/v1/jobs")).status == 429
    # a caller without the key is another client (and gets its 401, not the key holder's 429)
    r = await api.get("/api/v1/jobs", headers={"X-Api-Key": ""})
    assert r.status == 401
    # a wrong key does not buy a fresh bucket: wrong keys share the anonymous one
    codes = [(await api.get("/api/v1/jobs", headers={"X-Api-Key": f"guess{i}"})).status for i in range(4)]
    assert codes[:2] == [401, 401] and codes[-1] == 429


async def test_session_is_its_own_client(api):
    await _set_rate(api, 2)
    for _ in range(2):
        await api.get("/api/v1/jobs")
    assert (await api.get("/api/v1/jobs")).status == 429
    r = await api.post("/login", data={"secret": API_KEY}, allow_redirects=False, headers={"X-Api-Key": ""})
    assert r.status in (302, 303), await r.text()
    r = await api.get("/api/v1/jobs", headers={"X-Api-Key": ""})
    assert r.status == 200


async def test_zero_turns_it_off(api):
    await _set_rate(api, 0)
    for _ in range(50):
        assert (await api.get("/api/v1/jobs/stats")).status == 200
    await _set_rate(api, 1200)
    assert api.app[ratelimit_key].buckets.per_minute == 0   # read again on the next request
    await api.get("/api/v1/jobs/stats")
    assert api.app[ratelimit_key].buckets.per_minute == 1200


@pytest.mark.parametrize("value", [-1, "fast", True])
async def test_bad_rate_setting_is_400(api, value):
    r = await api.put("/api/v1/settings", json={"api.rate_limit_per_minute": value})
    assert r.status == 400


def test_limited_paths():
    assert ratelimit.limited("/api/v1/jobs") and ratelimit.limited("/metrics")
    assert ratelimit.limited("/api/v1/webhooks/radarr") and ratelimit.limited("/api/v1/openapi.json")
    assert not ratelimit.limited("/api/v1/health") and not ratelimit.limited("/api/v1/ws")
    assert not ratelimit.limited("/static/app.js") and not ratelimit.limited("/movies")


def test_limiter_reads_trusted_proxies_from_config():
    lim = RateLimiter(("127.0.0.1", "bogus", "::1"))
    assert len(lim.trusted) == 2
