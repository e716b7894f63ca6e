"""A large scan's enrich/publish jobs: one follow-up job chains them a page at a time (#32), each
item's job exactly once, also when a page or the scan itself is killed and run again."""
import time

import pytest

from metarr.db.media import Movie, ScanTarget
from metarr.db.models import Job, Library
from metarr.jobs import chain, leases, store
from metarr.jobs.model import Outcome
from metarr.scanning import apply_batch, followups, scanner
from tests.conftest import API_KEY, drain
from web.demo.media import make_clip

FILMS = 7


class Ctx:
    def __init__(self, services):
        self.services = services
        self.seen: list[tuple[int, int]] = []

    def progress(self, current, total, message=""):
        self.seen.append((current, total))


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs (not an Exception, so no handler catches it)."""


@pytest.fixture
def small(monkeypatch):
    # the limits of a library of thousands, at a handful of films
    monkeypatch.setattr(followups, "DIRECT_LIMIT", 3)
    monkeypatch.setattr(followups, "PAGE", 2)
    monkeypatch.setattr(scanner, "BATCH_UNITS", 2)


@pytest.fixture
def films(services, tmp_path):
    from actors.handlers import register_all
    register_all(services)   # which phases have a handler decides what follows a scan
    root = tmp_path / "Films"
    for i in range(FILMS):
        make_clip(root / f"Film {i} (200{i})" / f"Film {i} (200{i}).mkv")
    now = time.time()
    return Library.create(name="Films", kind="movie", path=str(root), created_at=now, updated_at=now,
                          auto_enrich=True)


def claim_one(services, jtype, now=None):
    got = store.claim(services.db, "w", {jtype: 1}, now or time.time(), 60)
    return got[0] if got else None


def run_job(services, job):
    from actors import scanning
    handler = {"scan.library": scanning.scan_library, "followups.scan": scanning.scan_followups}[job.type]
    return handler(Ctx(services), job)


def finish(services, job, result):
    return store.finish(services.db, [Outcome(job.id, job.lease_token, True, result=result)], time.time())


def kill_and_reclaim(services, job):
    """The process died with the job running: its lease is taken back and the job claimed again."""
    later = time.time() + 120
    assert (job.id, "pending") in leases.recover(services.db, later, "someone-else")
    again = claim_one(services, job.type, later)
    assert again.id == job.id
    return again


def enrich_subjects():
    return sorted(s for (s,) in Job.select(Job.subject).where(Job.type == "enrich.movie").tuples())


def all_movies():
    return sorted(f"movie:{m.id}" for m in Movie.select())


def run_pages(services, kill_each=False):
    pages = []
    while (job := claim_one(services, "followups.scan")) is not None:
        res = run_job(services, job)
        if kill_each:   # the page ran (and deleted the page before it), its success was never recorded
            job = kill_and_reclaim(services, job)
            res = run_job(services, job)
        finish(services, job, res)
        pages.append((job, res))
    return pages


def test_a_large_scan_chains_one_job_that_chains_every_item_once_a_page_at_a_time(services, films, small):
    (sid, _), = store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    res = run_job(services, job)
    assert res.data["targets"] == FILMS and res.data["created"] == FILMS   # the result says what it said
    assert [s.type for s in res.next] == ["followups.scan"]                # one job, not one per film
    assert res.next[0].payload["total"] == FILMS
    assert ScanTarget.select().where(ScanTarget.job_id == sid).count() == FILMS
    finish(services, job, res)
    assert enrich_subjects() == []
    pages = run_pages(services)
    assert enrich_subjects() == all_movies()   # every film, once
    # pages of two films each, then one that finds none and clears the last page's rows
    assert [len([s for s in r.next if s.type == "enrich.movie"]) for _, r in pages] == [2, 2, 2, 1, 0]
    assert pages[-1][1].data == {"scan_job": sid, "page": 4, "queued": 0, "done": FILMS, "total": FILMS}
    assert ScanTarget.select().count() == 0
    # no transaction created more than a page of jobs (and the next page's job)
    biggest = max(Job.select().where(Job.parent_id == j.id).count() for j, _ in pages)
    assert biggest == followups.PAGE + 1
    assert Job.select().where(Job.parent_id == sid).count() == 1
    assert all(j.priority == chain.PRIORITY["enrich"] for j in Job.select().where(Job.type == "enrich.movie"))


def test_a_page_killed_and_run_again_neither_loses_nor_doubles_a_job(services, films, small):
    store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    finish(services, job, run_job(services, job))
    pages = run_pages(services, kill_each=True)
    assert len(pages) == 5
    assert enrich_subjects() == all_movies()
    assert ScanTarget.select().count() == 0


def test_finished_enrich_jobs_are_not_queued_again_by_a_page_run_twice(services, films, small):
    store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    finish(services, job, run_job(services, job))
    page = claim_one(services, "followups.scan")
    finish(services, page, run_job(services, page))
    # the first page's jobs ran and finished: no active job is left to dedupe a second one against
    for j in store.claim(services.db, "w", {"enrich.movie": 10}, time.time(), 60):
        store.finish(services.db, [Outcome(j.id, j.lease_token, True)], time.time())
    page = claim_one(services, "followups.scan")
    run_job(services, page)
    page = kill_and_reclaim(services, page)   # killed after deleting the first page's rows
    finish(services, page, run_job(services, page))
    run_pages(services)
    assert enrich_subjects() == all_movies()


def test_a_scan_killed_after_writing_targets_chains_each_item_once_when_run_again(services, films, small,
                                                                                 monkeypatch):
    real = apply_batch.apply_unit
    applied = []

    def dies_in_the_third_batch(db, lib_, unit, *a, **kw):
        if len(applied) == 4:
            raise Killed()
        applied.append(unit)
        return real(db, lib_, unit, *a, **kw)
    monkeypatch.setattr(apply_batch, "apply_unit", dies_in_the_third_batch)
    (sid, _), = store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    with pytest.raises(Killed):
        run_job(services, job)
    assert ScanTarget.select().count() == 4   # the first two batches' films were past the limit
    monkeypatch.setattr(apply_batch, "apply_unit", real)
    job = kill_and_reclaim(services, job)
    res = run_job(services, job)
    assert [s.payload["total"] for s in res.next] == [FILMS]
    finish(services, job, res)
    run_pages(services)
    assert enrich_subjects() == all_movies()


def test_a_small_scan_chains_its_items_itself(services, films):
    # the webhook's and the watcher's scans: no follow-up job, no rows, as before
    (sid, _), = store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    res = run_job(services, job)
    assert sorted(s.subject for s in res.next) == all_movies()
    assert {s.type for s in res.next} == {"enrich.movie"}
    assert ScanTarget.select().count() == 0


def test_without_auto_enrich_or_publish_a_large_scan_chains_nothing_and_keeps_no_rows(services, films, small):
    Library.update(auto_enrich=False, auto_publish=False).where(Library.id == films.id).execute()
    store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    res = run_job(services, job)
    assert res.next == () and res.data["targets"] == FILMS
    assert ScanTarget.select().count() == 0


def test_purge_drops_the_rows_of_a_chain_that_never_finished(services, films, small):
    from actors.maintenance import purge_jobs
    (sid, _), = store.enqueue(services.db, [chain.library_job("scan", films.id)])
    job = claim_one(services, "scan.library")
    finish(services, job, run_job(services, job))
    page = claim_one(services, "followups.scan")
    store.cancel(services.db, page.id, time.time())   # the user cancelled it
    assert ScanTarget.select().count() == FILMS
    Job.update(finished_at=1.0).execute()            # long ago
    got = purge_jobs(Ctx(services), page)
    assert got["scan_targets"] == FILMS and ScanTarget.select().count() == 0


async def test_a_large_scan_through_the_actors_enriches_and_publishes_every_film(aiohttp_client, emu_env,
                                                                                emulators, tmp_path, small):
    """The real ledger and workers against the emulators: scan → followups.scan pages → enrich →
    cache → publish, each film once."""
    from actors.system import open_services
    from metarr.config import load_config
    from web.app import create_app
    services = open_services(load_config(emu_env))
    api = await aiohttp_client(create_app(services), headers={"X-Api-Key": API_KEY})
    root = tmp_path / "Movies"
    for title in ("Night of the Living Dead (1968)", "The General (1926)", "Nosferatu (1922)",
                  "Metropolis (1927)", "Sherlock Jr. (1924)"):
        make_clip(root / title / f"{title}.mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(root),
                                                  "watch": False, "auto_publish": True})
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    stats = await drain(api)
    assert stats["dead"] == 0
    assert len(Job.select().where(Job.type == "followups.scan")) == 4   # 5 films: pages of 2, 2, 1, 0
    assert enrich_subjects() == all_movies()
    published = Job.select().where((Job.type == "publish.movie") & (Job.status == "succeeded")).count()
    assert published >= 1
    night = Movie.get(Movie.title == "Night of the Living Dead")
    assert night.state == "published"
    assert ScanTarget.select().count() == 0
