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

    from tests.faults.tools import Share
    root = Path(world.movies.path)
    share = Share(root.parent / "mnt")   # the library's files on a share mounted at its folder
    share.mount()
    try:
        for p in root.iterdir():
            shutil.move(str(p), str(share.at / p.name))
        root.rmdir()
        root.symlink_to(share.at)
        _unmounted_verify(services, world, share, root)
    finally:
        share.close()


def _unmounted_verify(services, world, share, root):
    from metarr.db.models import Library
    from metarr.jobs import store
    from metarr.scanning import availability
    m, folder = published(world, services)
    availability.remember_device(services.db, Library.get_by_id(world.movies.id))
    share.unmount()
    payload = {"library_id": world.movies.id}
    jid, = services.actor("ledger").enqueue(JobSpec("verify.library", f"library:{world.movies.id}", payload,
                                                    library_id=world.movies.id)).get(timeout=5)
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["blocked_on"] and j, timeout=30)
    assert job["blocked_on"] == f"library:{world.movies.id}/unavailable" and job["attempts"] == 0
    assert "not mounted" in job["last_error"]
    assert list(root.iterdir()) == []   # nothing written into the empty mount point
    share.mount()
    job = wait_for(lambda: (j := store.get_job(services.db, jid))["status"] == "succeeded" and j, timeout=40)
    assert job["result"]["problems"] == 0


def test_a_verification_lists_the_first_findings_and_counts_and_repairs_them_all(system, services, world, monkeypatch):
    """The job's result (GET /libraries/{id}/verification) lists at most KEPT_FINDINGS findings: a
    library whose 500,000 files were all changed by another tool is not one huge row; every finding
    is still counted by problem and repaired."""
    from actors import phases
    monkeypatch.setattr(phases, "KEPT_FINDINGS", 1)
    m, folder = published(world, services)
    poster, nfo = folder / f"{m.folder}-poster.jpg", folder / f"{m.folder}.nfo"
    poster.unlink()
    nfo.unlink()
    res = run_verify(services, world.movies.id)
    assert res["problems"] == 2 and res["by_problem"] == {"missing": 2} and res["findings_listed"] == 1
    assert len(res["findings"]) == 1
    wait_for(lambda: poster.exists() and nfo.exists())
