"""Identify checks the id with the provider first: an unknown id is refused with nothing changed or
locked; a provider that cannot answer is a "try again", never a silent lock."""
from metarr.db.database import connection
from metarr.db.media import Movie
from web.demo.media import make_clip

from .conftest import add_library, data, drain


async def _dracula(api, tmp_path):
    make_clip(tmp_path / "Movies" / "Dracula" / "Dracula.mkv")   # two films of that name: ambiguous
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    await drain(api)
    (m,) = await data(api, "/api/v1/movies")
    assert m["state"] == "ambiguous"
    return m


async def test_an_id_the_provider_does_not_know_is_refused_and_nothing_is_locked(chain, tmp_path):
    api, services = chain
    m = await _dracula(api, tmp_path)
    r = await api.post(f"/api/v1/movies/{m['id']}/identify", json={"provider": "tmdb", "id": 99999999})
    assert r.status == 422
    err = (await r.json())["error"]
    assert err["code"] == "unknown_id" and "99999999" in err["message"]
    after = await data(api, f"/api/v1/movies/{m['id']}")
    assert after["state"] == "ambiguous" and after["tmdb_id"] is None
    assert "tmdb_id" not in {k for k, v in (after.get("locks") or {}).items() if v.get("locked")}
    assert (await drain(api))["dead"] == 0
    # a real pick goes through, with what the provider calls it
    r = await api.post(f"/api/v1/movies/{m['id']}/identify", json={"provider": "tmdb", "id": 138})
    assert r.status == 202
    assert (await r.json())["data"]["year"] == 1931
    await drain(api)
    assert (await data(api, f"/api/v1/movies/{m['id']}"))["tmdb_id"] == 138


async def test_a_provider_that_cannot_answer_is_503_with_retry_advice(chain, emulators, tmp_path):
    api, services = chain
    m = await _dracula(api, tmp_path)
    emulators.faults.rate_503 = 1.0     # TMDB (and every emulated service) answers 503 for now
    r = await api.post(f"/api/v1/movies/{m['id']}/identify", json={"provider": "tmdb", "id": 138})
    assert r.status == 503 and int(r.headers["Retry-After"]) >= 5
    assert "try again" in (await r.json())["error"]["message"]
    with connection(services.db):
        row = Movie.get_by_id(m["id"])
        assert row.tmdb_id is None and row.state == "ambiguous"


async def test_a_batch_identify_takes_the_best_candidate_only_when_asked(chain, tmp_path):
    """`identify` alone leaves an ambiguous item for the user; with `take_best` it takes the top-scored
    candidate as the user's pick (locked) and the chain fetches that film."""
    api, services = chain
    m = await _dracula(api, tmp_path)
    with connection(services.db):
        top = Movie.get_by_id(m["id"]).candidates[0]
    r = await api.post("/api/v1/movies/batch", json={"ids": [m["id"]], "action": "identify"})
    assert r.status == 202
    await drain(api)
    assert (await data(api, f"/api/v1/movies/{m['id']}"))["state"] == "ambiguous"
    r = await api.post("/api/v1/movies/batch", json={"ids": [m["id"]], "action": "identify", "take_best": True})
    assert r.status == 202
    assert (await drain(api))["dead"] == 0
    after = await data(api, f"/api/v1/movies/{m['id']}")
    assert after["tmdb_id"] == int(top["id"]) and after["state"] in ("enriched", "published")
    assert after["year"] == top["year"] and after["locks"]["tmdb_id"]["locked"] is True
