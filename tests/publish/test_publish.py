"""Publishing through the Publisher actor and the ledger: Kodi names, NFO content, idempotency,
nothing of the user's lost, confinement, dry-run plans."""
import time
from pathlib import Path

import pytest

from metarr.db.media import CastMember, LibraryFile, RecycleEntry
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from metarr.nfo.read import parse_nfo
from metarr.publishing import desired as publish_desired
from metarr.publishing import publish
from tests.conftest import wait_for


def run_publish(services, kind, eid, phase="publish"):
    jid, = services.actor("ledger").enqueue(JobSpec(f"{phase}.{kind}", f"{kind}:{eid}",
                                                    {"entity_type": kind, "entity_id": eid})).get(timeout=5)
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["status"] in ("succeeded", "dead") and j, timeout=30)
    assert job["status"] == "succeeded", job["last_error"]
    return job["result"]


def test_movie_publish_writes_kodi_names_and_a_readable_nfo(system, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    world.art("movie", m.id, "clearlogo", 400, 155, fmt=".png")
    res = run_publish(services, "movie", m.id)
    folder = Path(world.movies.path) / m.folder
    assert (folder / f"{m.folder}-poster.jpg").exists()
    assert (folder / f"{m.folder}-clearlogo.png").exists()
    nfo = parse_nfo((folder / f"{m.folder}.nfo").read_bytes())
    assert nfo.ok, nfo.error
    doc = nfo.doc
    assert (doc.title, doc.year, doc.uniqueids["tmdb"], doc.uniqueids["imdb"]) == ("Night of the Living Dead", 1968,
                                                                                   "10331", "tt0063350")
    assert doc.default_id == "tmdb" and doc.genres == ("Horror",)
    assert doc.ratings[0].name == "themoviedb" and doc.ratings[0].max == 10
    assert doc.streamdetails.video[0].codec == "h264" and doc.dateadded == "2023-11-14 22:13:20"
    # no image of him is cached: he is listed without a thumb rather than with a path to nothing
    assert [(a.name, a.role, a.thumb) for a in doc.actors] == [("Duane Jones", "Ben", None)]
    assert res["written"] == 3 and LibraryFile.select().count() == 3


def test_an_actor_with_a_cached_image_gets_a_thumb_beside_the_nfo(system, services, world):
    m = world.movie()
    cf = world.art("movie", m.id, "poster")
    CastMember.update(cache_file_id=cf.id).where(CastMember.name == "Duane Jones").execute()
    run_publish(services, "movie", m.id)
    folder = Path(world.movies.path) / m.folder
    doc = parse_nfo((folder / f"{m.folder}.nfo").read_bytes()).doc
    # relative to the NFO's folder, as Kodi resolves it: the file is there, with the cached bytes
    assert [(a.name, a.thumb) for a in doc.actors] == [("Duane Jones", ".actors/Duane_Jones.jpg")]
    assert (folder / ".actors" / "Duane_Jones.jpg").read_bytes() == (folder / f"{m.folder}-poster.jpg").read_bytes()


def test_publishing_twice_writes_nothing_the_second_time(system, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    run_publish(services, "movie", m.id)
    folder = Path(world.movies.path) / m.folder
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    time.sleep(0.02)
    res = run_publish(services, "movie", m.id)
    assert res["written"] == res["replaced"] == res["recycled"] == 0 and res["kept"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_temp_files_of_a_killed_publish_are_swept_by_the_next_one(system, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    folder = Path(world.movies.path) / m.folder
    folder.mkdir(parents=True, exist_ok=True)
    # what a kill -9 in the middle of atomic_write leaves: a half-written temp file of this movie's
    # publish; and one of another entity's publish that may still be writing beside it
    ours = folder / f".metarr-tmp-{publish.temp_tag('movie', m.id)}x1y2z3"
    ours.write_bytes(b"half a poster")
    theirs = folder / f".metarr-tmp-{publish.temp_tag('movie', m.id + 10)}a1b2c3"
    theirs.write_bytes(b"someone else's")
    res = run_publish(services, "movie", m.id)
    assert res["swept"] == 1 and not ours.exists() and theirs.exists()
    assert (folder / f"{m.folder}-poster.jpg").exists()


def test_a_folder_renamed_before_its_publish_is_not_brought_back(system, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    folder = Path(world.movies.path) / m.folder
    # Radarr renames the folder between the scan and the publish job
    folder.rename(folder.with_name(m.folder + " [1080p]"))
    res = run_publish(services, "movie", m.id)
    assert "not there any more" in res["skipped"]
    assert not folder.exists() and LibraryFile.select().count() == 0


def test_publish_and_enrich_of_a_deleted_item_are_no_ops_not_failures(system, services, world):
    from metarr.db.media import Movie
    m = world.movie()
    world.art("movie", m.id, "poster")
    Movie.update(deleted_at=time.time()).where(Movie.id == m.id).execute()
    assert "no longer exists" in run_publish(services, "movie", m.id)["skipped"]
    assert "no longer exists" in run_publish(services, "movie", m.id, phase="enrich")["skipped"]
    assert not list((Path(world.movies.path) / m.folder).glob("*.nfo"))


def test_a_hand_placed_file_goes_to_the_recycle_bin_not_lost(system, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    target = Path(world.movies.path) / m.folder / f"{m.folder}-poster.jpg"
    target.write_bytes(b"my own poster, made by hand")
    run_publish(services, "movie", m.id)
    entry = RecycleEntry.get(RecycleEntry.original_path == str(target))
    assert Path(entry.stored_path).read_bytes() == b"my own poster, made by hand"
    assert "not written by Metarr" in entry.reason
    # a hand edit of a file we wrote is also kept
    target.write_bytes(b"edited later")
    run_publish(services, "movie", m.id)
    assert RecycleEntry.select().where(RecycleEntry.reason.contains("changed since Metarr wrote it")).count() == 1


def test_new_artwork_replaces_our_file_and_a_cleared_slot_is_recycled(system, services, world):
    from metarr.db.media import ArtworkSlot
    m = world.movie()
    world.art("movie", m.id, "poster")
    world.art("movie", m.id, "banner", 758, 140)
    run_publish(services, "movie", m.id)
    new = world.art("movie", m.id, "poster", pattern=5)
    ArtworkSlot.delete().where(ArtworkSlot.slot == "banner").execute()
    res = run_publish(services, "movie", m.id)
    folder = Path(world.movies.path) / m.folder
    import hashlib
    assert hashlib.sha256((folder / f"{m.folder}-poster.jpg").read_bytes()).hexdigest() == new.sha256
    assert res["replaced"] == 1 and res["removed"] == 1 and not (folder / f"{m.folder}-banner.jpg").exists()
    assert RecycleEntry.select().where(RecycleEntry.reason.contains("no longer wanted")).count() == 1


def test_multi_episode_file_gets_stacked_episodedetails_and_season_art_in_show_folder(system, services, world):
    s, season, eps = world.series()
    world.art("season", season.id, "poster", season=None)
    world.art("series", s.id, "poster")
    run_publish(services, "series", s.id)
    show = Path(world.tv.path) / s.key
    assert (show / "tvshow.nfo").exists() and (show / "poster.jpg").exists()
    assert (show / "season01-poster.jpg").exists()
    multi = parse_nfo((show / "Season 01" / "Sherlock Holmes - S01E02E03.nfo").read_bytes())
    assert [(e.season, e.episode) for e in multi.doc.episodes] == [(1, 2), (1, 3)]
    single = parse_nfo((show / "Season 01" / "Sherlock Holmes - S01E01.nfo").read_bytes())
    assert single.doc.episodes[0].title == "Case 1"


def test_paths_are_confined_to_the_library(services, world):
    m = world.movie(folder="../../escape")
    with pytest.raises(publish_desired.PublishError):
        publish.make_plan(services.config.data_dir, "movie", m.id)


async def test_dry_run_returns_the_plan_and_writes_nothing(api, services, world):
    m = world.movie()
    world.art("movie", m.id, "poster")
    r = await api.post(f"/api/v1/movies/{m.id}/publish?dry_run=true")
    plan = (await r.json())["data"]
    assert r.status == 200 and plan["changes"] == 2
    assert {a["op"] for a in plan["actions"]} == {"write"}
    nfo_rel = f"{m.folder}/{m.folder}.nfo"
    assert "+  <title>Night of the Living Dead</title>" in plan["nfo_diff"][nfo_rel]
    assert not (Path(world.movies.path) / nfo_rel).exists()
    r = await api.post(f"/api/v1/movies/{m.id}/publish")
    assert r.status == 202


def test_paths_to_notify():
    assert publish.paths_to_notify(["a.nfo"], ["a.nfo", "b.jpg"], 1) == ["a.nfo"]
    assert publish.paths_to_notify([], ["a.nfo", "b.jpg"], 1) == []
    assert publish.paths_to_notify([], ["a.nfo", "b.jpg"], 2) == ["a.nfo", "b.jpg"]
