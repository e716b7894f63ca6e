"""A whole library's publish dry run (POST /libraries/{id}/publish?dry_run=true, a publish.dry_run
job): it says what a real publish then writes, file for file, and changes nothing on disk."""
import asyncio
import hashlib
import time
from pathlib import Path

from metarr import metadata as md
from metarr.db.media import LibraryFile, Movie, RecycleEntry
from metarr.jobs import chain, store
from metarr.publishing import library_plan
from tests.conftest import wait_for


def run_job(services, spec):
    jid, = services.actor("ledger").enqueue(spec).get(timeout=5)
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["status"] in ("succeeded", "dead") and j, timeout=60)
    assert job["status"] == "succeeded", job["last_error"]
    return job["result"]


def tree(root: Path) -> dict[str, str]:
    """Every file under the root with its content's hash (a byte-identical tree compares equal)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def changed_paths(summary: dict) -> dict[str, str]:
    return {c["path"]: c["op"] for s in summary["samples"] for c in s["changes"]}


def three_movies(world):
    """Two identified movies with a poster (one with a poster the user put there), one unidentified."""
    a = world.movie("Nosferatu", 1922)
    world.art("movie", a.id, "poster")
    world.art("movie", a.id, "fanart", 1280, 720, pattern=2)
    b = world.movie("Metropolis", 1927)
    world.art("movie", b.id, "poster", pattern=3)
    user_poster = Path(world.movies.path) / b.folder / f"{b.folder}-poster.jpg"
    user_poster.write_bytes(b"the user's own poster")
    c = world.movie("Unknown Film", 2001)
    Movie.update(tmdb_id=None, imdb_id=None, identify_reason="no_match").where(Movie.id == c.id).execute()
    return a, b, c


def test_the_dry_run_lists_exactly_what_the_publish_then_writes_and_writes_nothing(system, services, world):
    a, b, c = three_movies(world)
    root = Path(world.movies.path)
    before = tree(root)
    summary = run_job(services, chain.library_dry_run(world.movies.id, samples=100))
    # nothing on disk changed, nothing went to the bin, nothing was recorded as published
    assert tree(root) == before
    assert RecycleEntry.select().count() == 0 and LibraryFile.select().count() == 0
    assert Movie.select().where(Movie.published_at.is_null(False)).count() == 0
    assert summary["dry_run"] is True and summary["items"] == 3 and summary["changed"] == 2
    assert summary["skipped"] == {"unidentified": 1} and summary["errors"] == 0
    assert summary["files"]["write"] == {"fanart": 1, "nfo": 2, "poster": 1}
    assert summary["files"]["recycle_replace"] == {"poster": 1}
    assert summary["totals"]["recycle"] == 1 and not summary["samples_truncated"]
    planned = changed_paths(summary)
    assert planned[f"{b.folder}/{b.folder}-poster.jpg"] == "recycle_replace"

    run_job(services, chain.library_job("publish", world.movies.id))
    wait_for(lambda: Movie.select().where(Movie.published_at.is_null(False)).count() == 2, timeout=30)
    after = tree(root)
    written = {p for p, h in after.items() if before.get(p) != h}
    assert written == set(planned)
    assert RecycleEntry.select().count() == summary["totals"]["recycle"]
    assert not list((root / c.folder).glob("*.nfo"))


def test_an_unchanged_library_and_an_empty_one_have_nothing_to_do(system, services, world):
    empty = run_job(services, chain.library_dry_run(world.tv.id))
    assert (empty["items"], empty["changed"], empty["nothing_to_do"]) == (0, 0, True)
    a, b, c = three_movies(world)
    run_job(services, chain.library_job("publish", world.movies.id))
    wait_for(lambda: Movie.select().where(Movie.published_at.is_null(False)).count() == 2, timeout=30)
    root = Path(world.movies.path)
    before = tree(root)
    again = run_job(services, chain.library_dry_run(world.movies.id))
    assert again["nothing_to_do"] is True and again["changed"] == 0 and again["unchanged"] == 2
    assert again["samples"] == [] and sum(again["totals"].values()) == 0
    assert tree(root) == before
    words = library_plan.summary_lines(again)
    assert words[0].startswith("nothing to do: 3 item(s)")


def test_a_locked_field_is_what_the_dry_run_shows_and_the_publish_writes(system, services, world):
    m = world.movie("Nosferatu", 1922)
    run_job(services, chain.library_job("publish", world.movies.id))
    wait_for(lambda: Movie.get_by_id(m.id).published_at is not None, timeout=30)
    md.apply(services.db, "movie", m.id, md.Update("user", {"title": "Nosferatu, a Symphony of Horror"}, lock=True))
    md.apply(services.db, "movie", m.id, md.Update("provider:tmdb", {"title": "Nosferatu (provider)"}))
    assert Movie.get_by_id(m.id).title == "Nosferatu, a Symphony of Horror"
    summary = run_job(services, chain.library_dry_run(world.movies.id))
    (item,) = summary["samples"]
    nfo = f"{m.folder}/{m.folder}.nfo"
    assert [(c["op"], c["path"]) for c in item["changes"]] == [("replace", nfo)]
    diff = item["nfo_diff"][nfo]
    assert "+  <title>Nosferatu, a Symphony of Horror</title>" in diff and "provider" not in diff
    run_job(services, chain.library_job("publish", world.movies.id))
    wait_for(lambda: "Symphony" in (Path(world.movies.path) / nfo).read_text(), timeout=30)


def test_samples_are_bounded_and_the_counts_are_not(system, services, world):
    for i in range(5):
        m = world.movie(f"Film {i}", 1930 + i)
        world.art("movie", m.id, "poster", pattern=i)
    s = run_job(services, chain.library_dry_run(world.movies.id, samples=2))
    assert s["changed"] == 5 and len(s["samples"]) == 2 and s["samples_truncated"] is True
    assert s["files"]["write"] == {"nfo": 5, "poster": 5}
    # only the listed items carry an NFO diff (the others' are not even computed)
    assert all(item["nfo_diff"] for item in s["samples"])


async def test_the_api_answers_202_with_a_job_whose_result_is_the_summary(api, services, world):
    a, b, c = three_movies(world)
    root = Path(world.movies.path)
    before = tree(root)
    r = await api.post(f"/api/v1/libraries/{world.movies.id}/publish?dry_run=true&samples=1")
    assert r.status == 202, await r.text()
    body = (await r.json())["data"]
    assert body["dry_run"] is True
    end = time.monotonic() + 30
    while True:
        job = (await (await api.get(f"/api/v1/jobs/{body['job_id']}")).json())["data"]
        if job["status"] in ("succeeded", "dead") or time.monotonic() > end:
            break
        await asyncio.sleep(0.1)
    assert job["status"] == "succeeded" and job["type"] == "publish.dry_run"
    res = job["result"]
    assert res["changed"] == 2 and len(res["samples"]) == 1 and res["samples_truncated"] is True
    assert tree(root) == before and RecycleEntry.select().count() == 0
    assert (await api.post(f"/api/v1/libraries/{world.movies.id}/publish?dry_run=true&samples=5000")).status == 400
    assert (await api.post("/api/v1/libraries/999/publish?dry_run=true")).status == 404


def test_the_cli_says_it_in_words_and_exits_2_when_something_would_change(services, world, env, tmp_path):
    import subprocess
    import sys
    a, b, c = three_movies(world)
    root = Path(world.movies.path)
    before = tree(root)
    repo = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))",
                        "publish", "Movies", "--dry-run"], env={**env, "PYTHONPATH": str(repo), "HOME": str(tmp_path)},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr + r.stdout
    out = r.stdout
    assert "Movies (" in out and "dry run: nothing was written" in out
    assert "2 of 3 item(s) would change: 4 file(s) to write, 1 to replace, 0 to remove, 1 into the recycle bin" in out
    assert "skipped 1: not identified" in out
    assert f"recycle_replace {b.folder}/{b.folder}-poster.jpg" in " ".join(out.split())
    assert tree(root) == before and RecycleEntry.select().count() == 0


def test_files_are_counted_by_kind_every_backdrop_as_fanart():
    from metarr.publishing.desired import Desired
    from metarr.publishing.publish import Action

    def art(slot):
        return Action("write", f"x/{slot}.jpg", "missing on disk", Desired(f"x/{slot}.jpg", "artwork", "movie", 1, "s",
                                                                          slot=slot))
    assert [library_plan.file_kind(art(s)) for s in ("poster", "fanart", "fanart2", "actor:Max Schreck")] == [
        "poster", "fanart", "fanart", "actor"]
    assert library_plan.file_kind(Action("remove", "x/old.nfo", "gone")) == "nfo"
    assert library_plan.recycles(Action("remove", "x/a.jpg", "gone"), on_disk=False) is False
    assert library_plan.recycles(Action("remove", "x/a.jpg", "gone"), on_disk=True) is True
