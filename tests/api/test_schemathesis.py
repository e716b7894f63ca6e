"""Schemathesis against the live app, from its own OpenAPI document: positive and negative cases for
every operation, a few examples each, and not one 500 (a client mistake is always a clear 4xx)."""
from __future__ import annotations

import os

import pytest
import requests

from tests.conftest import API_KEY

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

MAX_EXAMPLES = int(os.environ.get("METARR_FUZZ_EXAMPLES", "6"))
# operations that reach the outside world (a player at a generated URL, a real provider) are left
# out: the fuzzer must not make network calls; their input checks are covered by unit tests
SKIP = {("POST", "/api/v1/players/{id}/test"), ("POST", "/api/v1/providers/{name}/test"),
        ("GET", "/api/v1/{kind}/{id}/identify")}


def _seed(url: str, s: requests.Session) -> None:
    """A little of everything, so that generated ids sometimes hit real rows; no rate limit (one
    client sends thousands of requests here; the limiter has its own tests)."""
    s.put(f"{url}/api/v1/settings", json={"api.rate_limit_per_minute": 0}).raise_for_status()
    s.post(f"{url}/api/v1/path-mappings", json={"scope": "radarr", "from": "/a", "to": "/b"}).raise_for_status()
    s.post(f"{url}/api/v1/players", json={"name": "k", "kind": "kodi", "url": "http://127.0.0.1:9"}).raise_for_status()
    s.post(f"{url}/api/v1/player-groups", json={"name": "g"}).raise_for_status()


def test_no_server_errors(live_server, tmp_path):
    session = requests.Session()
    session.headers["X-Api-Key"] = API_KEY
    _seed(live_server.url, session)
    doc = session.get(f"{live_server.url}/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(doc)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    ran = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = op.as_strategy(generation_mode=mode)
            except Exception:   # nothing to negate (e.g. no parameters)
                continue

            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                headers = dict(case.headers or {})
                headers["X-Api-Key"] = API_KEY
                r = case.call(base_url=live_server.url, session=session, headers=headers, timeout=30)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} {case.method} {case.formatted_path} query={case.query} "
                                    f"body={str(case.body)[:200]!r} -> {r.text[:300]}")
            try:
                run()
            except Unsatisfiable:   # negative mode with nothing to break (no parameters, no body)
                continue
            ran += 1
    print(ran, sorted(statuses.items()))
    assert ran > 100
    assert not failures, "\n".join(dict.fromkeys(failures))
