"""A rescan after a publish does not count Metarr's own NFOs and artwork as new files (the
activity log said "45 files, 39 new … 0 items added" after every start-up)."""
from tests.trust.conftest import add_library, chain, data, drain  # noqa: F401 - chain is a fixture
from web.demo.media import make_clip


async def test_a_rescan_after_publish_reports_no_new_files(chain, tmp_path):  # noqa: F811
    api, services = chain
    root = tmp_path / "Movies"
    folder = root / "The General (1926)"
    make_clip(folder / "The General (1926).mkv")
    lid = await add_library(api, "Movies", "movie", root)
    assert (await drain(api))["dead"] == 0
    written = sorted(p.name for p in folder.iterdir())
    assert "The General (1926).nfo" in written and "The General (1926)-poster.jpg" in written
    before = len(await data(api, "/api/v1/activity?kind=scan&limit=500"))
    r = await api.post(f"/api/v1/libraries/{lid}/scan")
    jid = (await r.json())["data"]["job_id"]
    await drain(api)
    result = (await data(api, f"/api/v1/jobs/{jid}"))["result"]
    assert (result["new"], result["changed"], result["created"]) == (0, 0, 0), result
    ours = [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".mkv"]
    assert result["own"] == len(ours) > 2          # every file but the video is Metarr's
    assert len(await data(api, "/api/v1/activity?kind=scan&limit=500")) == before   # nothing to report
    # a file of the user's beside them is new, and only it
    (folder / "The General (1926).en.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    r = await api.post(f"/api/v1/libraries/{lid}/scan")
    jid = (await r.json())["data"]["job_id"]
    await drain(api)
    result = (await data(api, f"/api/v1/jobs/{jid}"))["result"]
    assert result["new"] == 1 and result["own"] == 0
    (entry, *_) = await data(api, "/api/v1/activity?kind=scan&limit=1")
    assert f"Movies: {len(ours) + 2} files, 1 new, 0 changed" in entry["message"], entry
