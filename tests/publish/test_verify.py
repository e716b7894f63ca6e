"""Verification: a deleted poster is repaired from the cache, a hand-edited NFO is handled by the
policy, a corrupt cache file is detected (and restored from an intact library copy)."""
from pathlib import Path

from metarr.db.media import Movie, RecycleEntry
from metarr.jobs.model import JobSpec
from metarr.service import settings
from tests.conftest import wait_for
from tests.publish.test_publish import run_publish


def run_verify(services, lib_id, policy=None):
    from metarr.jobs import store
    payload = {"library_id": lib_id, **({"policy": policy} if policy else {})}
    jid, = services.actor("ledger").enqueue(JobSpec("verify.library", f"library:{lib_id}", payload)).get(timeout=5)
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["status"] in ("succeeded", "dead") and j, timeout=30)
    assert job["status"] == "succeeded", job["last_error"]
    wait_for(lambda: store.stats(services.db, 1e12).running == 0 and store.stats(services.db, 0).due == 0, timeout=30)
    return job["result"]


def published(world, services):
    m = world.movie()
    world.art("movie", m.id, "poster")
    run_publish(services, "movie", m.id)
    return m, Path(world.movies.path) / m.folder


def test_deleted_poster_is_repaired_from_cache(system, services, world):
    m, folder = published(world, services)
    poster = folder / f"{m.folder}-poster.jpg"
    original = poster.read_bytes()
    poster.unlink()
    res = run_verify(services, world.movies.id)
    assert [(f["problem"], f["action"]) for f in res["findings"]] == [("missing", "republishing")]
    wait_for(lambda: poster.exists())
    assert poster.read_bytes() == original
    assert run_verify(services, world.movies.id)["problems"] == 0


def test_hand_edited_nfo_republished_with_the_edit_kept_in_the_bin(system, services, world):
    m, folder = published(world, services)
    nfo = folder / f"{m.folder}.nfo"
    edited = nfo.read_text().replace("Night of the Living Dead", "Night of the Living Dead (my cut)")
    nfo.write_text(edited)
    res = run_verify(services, world.movies.id)
    assert res["findings"][0]["problem"] == "modified"
    wait_for(lambda: "(my cut)" not in nfo.read_text())
    entry = RecycleEntry.get(RecycleEntry.original_path == str(nfo))
    assert Path(entry.stored_path).read_text() == edited


def test_hand_edited_nfo_adopted_as_locked_user_value(system, services, world):
    settings.put_many(services.db, {"verify.policy": "adopt"})
    m, folder = published(world, services)
    nfo = folder / f"{m.folder}.nfo"
    nfo.write_text(nfo.read_text().replace("Night of the Living Dead", "Night of the Living Dead (my cut)"))
    res = run_verify(services, world.movies.id)
    assert res["findings"][0]["action"] == "adopted"
    from metarr import metadata as md
    assert Movie.get_by_id(m.id).title == "Night of the Living Dead (my cut)"
    assert md.locks_json("movie", m.id)["title"] == {"source": "user", "locked": True}
    assert run_verify(services, world.movies.id)["problems"] == 0


def test_corrupt_cache_file_detected_and_restored_from_library_copy(system, services, world):
    m, folder = published(world, services)
    from metarr.assets import cache
    from metarr.db.media import CacheFile
    cf = CacheFile.select().first()
    path = cache.absolute(services.config.data_dir, cf)
    good = path.read_bytes()
    path.write_bytes(good[:100])
    res = run_verify(services, world.movies.id, policy="report")
    assert [f["problem"] for f in res["findings"]] == ["cache_corrupt"]
    assert res["findings"][0]["action"] == "restored from the library copy"
    assert path.read_bytes() == good


def test_a_library_whose_share_is_not_mounted_is_not_republished_into_the_mount_point(system, services, world):
    """Every published file 'missing' because the folder is an empty mount point: the verification
    waits for the folder instead of writing the whole library into it, and runs once it is back."""
    import shutil

    from metarr.jobs import store
    m, folder = published(world, services)
    root = Path(world.movies.path)
    away = root.parent / "away"
    shutil.move(str(root), str(away))
    root.mkdir()
    payload = {"library_id": world.movies.id}
    jid, = services.actor("ledger").enqueue(JobSpec("verify.library", f"library:{world.movies.id}", payload,
                                                    library_id=world.movies.id)).get(timeout=5)
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["blocked_on"] and j, timeout=30)
    assert job["blocked_on"] == f"library:{world.movies.id}/unavailable" and job["attempts"] == 0
    assert "not mounted" in job["last_error"]
    assert list(root.iterdir()) == []   # nothing written into the empty mount point
    root.rmdir()
    shutil.move(str(away), str(root))
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["status"] == "succeeded" and j, timeout=40)
    assert job["result"]["problems"] == 0
