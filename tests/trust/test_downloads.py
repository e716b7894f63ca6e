"""Artwork downloads under real conditions: a busy or failing image host must never make a worse
image win (only a permanent refusal rejects a candidate), and Metarr stays within the host's limit."""
import hashlib

from web.demo.media import make_clip

from .conftest import add_library, data, drain

FOLDER = "Night of the Living Dead (1968)"


async def _movie(api, tmp_path):
    make_clip(tmp_path / "Movies" / FOLDER / f"{FOLDER}.mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_busy_image_host_delays_the_best_artwork_but_never_replaces_it(chain, emulators, tmp_path):
    api, services = chain
    # the image host refuses the first dozen downloads: 429 with Retry-After, then 503s
    emulators.image_trouble.status, emulators.image_trouble.failures = 429, 8
    await _movie(api, tmp_path)
    await drain(api, timeout=20)
    emulators.image_trouble.status, emulators.image_trouble.failures = 503, 4
    stats = await drain(api, timeout=90)
    assert stats["dead"] == 0
    (m,) = await data(api, "/api/v1/movies")
    cands = await data(api, f"/api/v1/movies/{m['id']}/candidates")
    assert not [c for c in cands if c["rejected"]], "a transient failure rejected a candidate"
    detail = await data(api, f"/api/v1/movies/{m['id']}")
    for slot in ("poster", "fanart"):
        best = max((c for c in cands if c["slot"] == slot), key=lambda c: c["score"])
        assert best["selected"] and best["cached"] and best["reason"] is None
        others = [c for c in cands if c["slot"] == slot and c["id"] != best["id"]]
        assert all(c["reason"] == "lower_score" for c in others)
        published = tmp_path / "Movies" / FOLDER / f"{FOLDER}-{slot}.jpg"
        assert _sha(published) == detail["assets"][slot]["sha256"]
    assert (tmp_path / "Movies" / FOLDER / f"{FOLDER}-poster.jpg").exists()
    # the refusals were the injected ones, never the host's own limit
    assert emulators.stats["images"].throttled == 0


async def test_an_image_gone_for_good_falls_back_to_the_next_best_and_says_why(chain, emulators, tmp_path):
    api, services = chain
    emulators.image_trouble.gone = {"art/p10331.jpg"}    # Fanart.tv's poster: the best-scored one
    await _movie(api, tmp_path)
    assert (await drain(api, timeout=60))["dead"] == 0
    (m,) = await data(api, "/api/v1/movies")
    cands = await data(api, f"/api/v1/movies/{m['id']}/candidates?slot=poster")
    gone = next(c for c in cands if c["url"].endswith("/art/p10331.jpg"))
    assert gone["rejected"] and gone["reason"] == "http_404"
    used = next(c for c in cands if c["selected"])
    assert used["cached"] and used["id"] != gone["id"]
    assert used["score"] == max(c["score"] for c in cands if not c["rejected"])
    assert (tmp_path / "Movies" / FOLDER / f"{FOLDER}-poster.jpg").exists()
    page = await (await api.get(f"/movies/{m['id']}")).text()
    assert "the host no longer has it (404)" in page


async def test_a_maintenance_page_or_a_broken_transfer_never_replaces_the_best_artwork(chain, emulators, tmp_path):
    api, services = chain
    # the host sends its maintenance page (200, text/html) for a while, then breaks transfers off
    emulators.image_trouble.status, emulators.image_trouble.failures = "page", 6
    await _movie(api, tmp_path)
    await drain(api, timeout=20)
    emulators.image_trouble.status, emulators.image_trouble.failures = "cut", 4
    assert (await drain(api, timeout=90))["dead"] == 0
    (m,) = await data(api, "/api/v1/movies")
    cands = await data(api, f"/api/v1/movies/{m['id']}/candidates")
    assert not [c for c in cands if c["rejected"]], "a maintenance page rejected a candidate"
    for slot in ("poster", "fanart"):
        best = max((c for c in cands if c["slot"] == slot), key=lambda c: c["score"])
        assert best["selected"] and best["cached"] and best["reason"] is None
    assert (tmp_path / "Movies" / FOLDER / f"{FOLDER}-poster.jpg").exists()


async def test_cast_images_failing_for_now_make_the_cache_job_wait_and_say_why(chain, emulators, tmp_path):
    api, services = chain
    emulators.image_trouble.status, emulators.image_trouble.failures = 503, 12
    emulators.image_trouble.match = "/w185/a10331_"   # the cast's pictures only
    await _movie(api, tmp_path)
    assert (await drain(api, timeout=90))["dead"] == 0
    (job,) = await data(api, "/api/v1/jobs?type=cache.movie&limit=10")
    events = await data(api, f"/api/v1/jobs/{job['id']}")
    assert job["status"] == "succeeded" and job["attempts"] >= 2, job
    assert "download(s) to try again: http_503" in str(events), events
    assert (tmp_path / "Movies" / FOLDER / ".actors" / "Duane_Jones.jpg").exists()
