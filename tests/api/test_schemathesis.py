"""Schemathesis against the live app, from its own OpenAPI document: positive and negative cases for
every operation, a few examples each, and not one 500 (a client mistake is always a clear 4xx).

The database holds one of every kind (libraries of each kind, a movie, a show with a season and an
episode, an artist with an album, a job, a cached image with a candidate, a recycled file, a
player, a group, a mapping, a notification channel), and every example of an operation on an id is
sent twice: with the generated ids, and with the seeded row's, so that each operation reaches real
rows (a route that only fails on a real album is found)."""
from __future__ import annotations

import os
import re
import time

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
RESOURCE = re.compile(r"^/api/v1/([a-z-]+)/\{")


@pytest.fixture
def env(env):
    """Every provider at a closed local port: an operation that asks one (identify checks a picked
    id) gets the documented 503 `provider_unavailable`, and nothing leaves the machine."""
    closed = "http://127.0.0.1:9"
    return {**env, **{f"METARR_{n}_URL": closed for n in ("TMDB", "TVDB", "FANART", "MUSICBRAINZ", "COVERART", "OMDB")}}


def server_error(r: requests.Response) -> bool:
    """A 5xx other than the answer that a provider is down (503 `provider_unavailable`, retry later)."""
    if r.status_code == 503:
        try:
            return r.json()["error"]["code"] != "provider_unavailable"
        except (ValueError, KeyError, TypeError):
            return True
    return r.status_code >= 500


def _seed(url: str, s: requests.Session, services, root) -> dict[str, object]:
    """One of every kind; returns {resource (the path's plural) or path parameter: seeded value}.
    No rate limit (one client sends thousands of requests here; the limiter has its own tests)."""
    from metarr.assets import cache
    from metarr.db.database import connection
    from metarr.db.media import Album, Artist, AssetCandidate, Collection, Episode, Movie, Season, Series
    from metarr.jobs import store
    from metarr.library.recyclebin import recycle_path
    from web.demo.media import make_image

    def post(path: str, body: dict) -> int:
        r = s.post(f"{url}/api/v1/{path}", json=body)
        r.raise_for_status()
        return r.json()["data"]["id"]

    s.put(f"{url}/api/v1/settings", json={"api.rate_limit_per_minute": 0}).raise_for_status()
    libs = {}
    for kind in ("movie", "tv", "music"):
        (root / kind).mkdir(parents=True)
        libs[kind] = post("libraries", {"name": kind, "kind": kind, "path": str(root / kind), "watch": False})
    seeded: dict[str, object] = {
        "libraries": libs["movie"],
        "path-mappings": post("path-mappings", {"scope": "radarr", "from": "/a", "to": "/b"}),
        "players": post("players", {"name": "k", "kind": "kodi", "url": "http://127.0.0.1:9"}),
        "player-groups": post("player-groups", {"name": "g"}),
        "notification-channels": post("notification-channels", {"name": "n", "url": "json://127.0.0.1:9/hook"}),
    }
    r = s.post(f"{url}/api/v1/libraries/{libs['movie']}/scan")   # queued (no workers here): a job
    r.raise_for_status()
    seeded["jobs"] = r.json()["data"]["job_id"]
    now = time.time()
    common = dict(date_added=now, created_at=now, updated_at=now, state="enriched", enriched_at=now)
    with connection(services.db):
        col = Collection.create(tmdb_id=1000, name="Universal Monsters Collection", created_at=now, updated_at=now)
        m = Movie.create(library_id=libs["movie"], key="A (2001)/A (2001).mkv", folder="A (2001)", title="A",
                         year=2001, tmdb_id=10331, collection_id=col.id, **common)
        (root / "movie" / "A (2001)").mkdir()
        sr = Series.create(library_id=libs["tv"], key="S (2002)", title="S", year=2002, tvdb_id=75597, **common)
        se = Season.create(library_id=libs["tv"], series_id=sr.id, number=1, **common)
        ep = Episode.create(library_id=libs["tv"], series_id=sr.id, season=1, episode=1, title="E", **common)
        ar = Artist.create(library_id=libs["music"], key="Scott Joplin", name="Scott Joplin",
                           musicbrainz_id="3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a", **common)
        al = Album.create(library_id=libs["music"], artist_id=ar.id, key="Scott Joplin/Ragtime (1902)",
                          title="Ragtime", year=1902, musicbrainz_id="6a2b5c1d-1111-2222-3333-444455556666", **common)
        img = make_image(root / "poster.jpg", 400, 600)
        cf = cache.ingest_local(services.db, cache.open_store(services.config.data_dir), services.config.data_dir, img)
        cand = AssetCandidate.create(entity_type="movie", entity_id=m.id, slot="poster", provider="tmdb",
                                     url="https://image.tmdb.org/t/p/original/a.jpg", width=400, height=600,
                                     language="en", score=5.0, created_at=now)
        gone = root / "movie" / "A (2001)" / "old.nfo"
        gone.write_text("<movie/>")
        rec = recycle_path(services.db, services.config.recycle_dir, gone, "seeded", libs["movie"], now)
        assert store.get_job(services.db, seeded["jobs"]) is not None
    seeded.update({"movies": m.id, "series": sr.id, "seasons": se.id, "episodes": ep.id, "artists": ar.id,
                   "albums": al.id, "collections": col.id, "recycle-bin": rec.id, "sha": cf.sha256, "cid": cand.id})
    return seeded


def with_seeded(path: str, params: dict, seeded: dict) -> dict | None:
    """The path parameters pointing at the seeded rows (None when the operation names no row)."""
    out = dict(params)
    if "id" in params:
        m = RESOURCE.match(path)
        plural = params.get("kind") if path.startswith("/api/v1/{kind}/") else (m.group(1) if m else None)
        if plural not in seeded:
            return None
        out["id"] = seeded[plural]
    for key in ("sha", "cid"):
        if key in params:
            out[key] = seeded[key]
    return out if out != params else None


def test_no_server_errors(live_server, quiet_services, tmp_path):
    session = requests.Session()
    session.headers["X-Api-Key"] = API_KEY
    seeded = _seed(live_server.url, session, quiet_services, tmp_path / "seed")
    doc = session.get(f"{live_server.url}/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(doc)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    unbuilt: list[str] = []
    on_seeded: set[str] = set()
    ran = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue
        # negative cases break a parameter or the body (not the credentials, which the fuzzer leaves
        # alone); an operation with neither has nothing to break
        breakable = bool(op.body) or any(p.location.value in ("path", "query") for p in op.iter_parameters())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode == GenerationMode.NEGATIVE and not breakable:
                continue
            try:
                strategy = op.as_strategy(generation_mode=mode)
            except Exception as e:   # noqa: BLE001 - counted and reported below
                unbuilt.append(f"{op.method.upper()} {op.path} {mode.name}: {type(e).__name__}: {e}")
                continue

            def send(case, path_parameters=None):
                headers = dict(case.headers or {})
                headers["X-Api-Key"] = API_KEY
                generated = case.path_parameters
                if path_parameters is not None:
                    case.path_parameters = path_parameters
                try:
                    r = case.call(base_url=live_server.url, session=session, headers=headers, timeout=30)
                finally:
                    case.path_parameters = generated
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if server_error(r):
                    failures.append(f"{r.status_code} {case.method} {r.request.path_url} "
                                    f"body={str(case.body)[:200]!r} -> {r.text[:300]}")
                return r

            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                send(case)
                real = with_seeded(case.path, dict(case.path_parameters or {}), seeded)
                if real is not None:
                    send(case, real)
                    on_seeded.add(f"{case.method.upper()} {case.path}")
            try:
                run()
            except Unsatisfiable as e:
                unbuilt.append(f"{op.method.upper()} {op.path} {mode.name}: no case satisfies the schema ({e})")
                continue
            ran += 1
    print(ran, sorted(statuses.items()), len(on_seeded), "operations reached seeded rows")
    assert not unbuilt, "operations the fuzzer could not build:\n" + "\n".join(unbuilt)
    assert ran > 100
    with_ids = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item
                if re.search(r"\{(id|sha|cid)\}", p) and (m.upper(), p) not in SKIP}
    assert with_ids - on_seeded == set(), "operations that never reached a seeded row"
    assert not failures, "\n".join(dict.fromkeys(failures))
