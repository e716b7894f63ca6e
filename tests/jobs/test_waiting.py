"""Jobs that wait for the environment (#28 item 3): which failures are a place's (a library, the
data dir, the database) and not the job's, the growing pause, when a probe resumes them, and the
ledger's storage: no attempt used, the place named, every waiting job released at once."""
import errno
import os
import time

import peewee

from metarr.jobs import chain, store, waiting
from metarr.jobs.model import Outcome


def _err(code: int, name: str | None = None, name2: str | None = None) -> OSError:
    return OSError(code, os.strerror(code), name, None, name2) if name2 else OSError(code, os.strerror(code), name)


def test_file_errors_name_their_place_and_trouble(tmp_path):
    lib, data = str(tmp_path / "Movies"), str(tmp_path / "data")
    c = waiting.classify
    assert c(_err(errno.EROFS, f"{lib}/A/a.nfo"), "publish.movie", 3, lib, data).code == "library:3/read-only"
    assert c(_err(errno.ENOSPC, f"{data}/cache/x.jpg"), "cache.movie", 3, lib, data).code == "data/full"
    # a copy from the cache into the library: the file written is the one in trouble
    assert c(_err(errno.ENOSPC, f"{data}/cache/x.jpg", f"{lib}/A/.metarr-tmp-1"), "publish.movie", 3, lib,
             data).code == "library:3/full"
    # no file named (a short write): a publish writes into its library, anything else into the data dir
    assert c(_err(errno.ENOSPC), "publish.movie", 3, lib, data).code == "library:3/full"
    assert c(_err(errno.EIO), "cache.movie", None, None, data).code == "data/io"
    assert c(_err(errno.EACCES, f"{lib}/A"), "publish.movie", 3, lib, data).words == "cannot write: permission denied"
    wrapped = RuntimeError("publish failed")
    wrapped.__cause__ = _err(errno.ENOSPC, f"{lib}/A/a.nfo")
    assert c(wrapped, "publish.movie", 3, lib, data).words == "cannot write: disk full"


def test_the_jobs_own_failures_and_other_hosts_are_not_the_environment(tmp_path):
    data = str(tmp_path)
    assert waiting.classify(ValueError("bad"), "publish.movie", 1, data, data) is None
    assert waiting.classify(_err(errno.ENOENT, "/x"), "publish.movie", 1, data, data) is None
    assert waiting.classify(ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "sync.entity", 1, data, data) is None
    b = waiting.classify(peewee.OperationalError("database or disk is full"), "enrich.movie", 1, data, data)
    assert b.code == "database/full"
    b = waiting.classify(peewee.OperationalError("database is locked"), "enrich.movie", 1, data, data)
    assert b.code == "database/busy" and b.words == "the database is busy"


def test_the_pause_grows_and_is_capped():
    assert waiting.wait_pause(0) == 5.0
    assert waiting.wait_pause(40) == 40
    assert waiting.wait_pause(10 ** 6) == 1800.0


def test_a_probe_resumes_after_it_failed_or_when_a_full_disk_gains_room():
    w = waiting.Waits()
    assert w.note("library:1/full", 100.0) == 5.0
    assert w.note("library:1/full", 130.0) == 30.0
    # a nearly full disk takes the probe's few kilobytes: that alone is no news
    assert not w.look("library:1/full", True, 20_000, 131.0, "Library A", 2)
    assert w.sentences() == ["Library A: cannot write: disk full; 2 job(s) wait and resume by themselves once it "
                             "works again"]
    assert not w.look("library:1/full", True, 30_000, 133.0)
    assert w.look("library:1/full", True, 20_000 + waiting.GROWTH, 135.0)
    assert w.sentences() == []
    # read-only: the probe fails, then works
    assert not w.look("library:2/read-only", False, None, 140.0)
    assert w.look("library:2/read-only", True, None, 142.0)
    # the database: a real write that works is enough
    assert w.look("database/unreachable", True, None, 150.0, enough_if_ok=True)


def test_probe_place_writes_and_removes_a_temp_file(tmp_path):
    ok, free, why = waiting.probe_place(tmp_path)
    assert ok and free and why == "" and list(tmp_path.iterdir()) == []
    ok, _, why = waiting.probe_place(tmp_path / "missing")
    assert not ok and why


def test_a_waiting_job_keeps_its_attempts_and_all_waiting_on_a_place_are_released(services):
    db, now = services.db, time.time()
    ids = [jid for jid, _ in store.enqueue(db, [chain.entity_job("publish", "movie", i, 1, 5) for i in (1, 2)], now)]
    for job in store.claim(db, "w", {"publish.movie": 2}, now, 30):
        changes = store.finish(db, [Outcome(job.id, job.lease_token, False, error="OSError: read-only",
                                            retry_delay=600.0, blocked="library:1/read-only")], now)
        assert changes[0]["status"] == "retrying" and changes[0]["waiting"] == "library:1/read-only"
    for jid in ids:
        j = store.get_job(db, jid)
        assert (j["status"], j["attempts"], j["blocked_on"]) == ("pending", 0, "library:1/read-only")
        assert j["events"][-1]["kind"] == "waiting"
    assert store.blocked_groups(db) == {"library:1/read-only": (2, now)}
    # many waits never make a job dead
    for _ in range(8):
        later = store.get_job(db, ids[0])["run_after"] + 1
        (job,) = store.claim(db, "w", {"publish.movie": 1}, later, 30)
        store.finish(db, [Outcome(job.id, job.lease_token, False, error="x", blocked="library:1/read-only")], later)
    assert store.get_job(db, ids[0])["status"] == "pending"
    assert sorted(store.release_blocked(db, "library:1/read-only", now + 1)) == ids
    assert store.blocked_groups(db) == {}
    assert {j.id for j in store.claim(db, "w", {"publish.movie": 2}, now + 1, 30)} == set(ids)
