"""Schedules on the real database (SQLite or PostgreSQL): each runs once at its time, a change
re-dates or withdraws its waiting job, "Run now" pulls that job forward instead of adding one."""
import time

import pytest

from metarr.db.models import Schedule
from metarr.jobs import scheduling, store
from metarr.jobs.model import JobResult, Outcome
from metarr.service import schedules


@pytest.fixture
def db(services):
    schedules.seed(services.db, {d[1] for d in schedules.DEFAULTS})
    return services.db


def run_due(db, now, ran):
    """What the ledger does with due jobs: claim them, record success (which reschedules)."""
    types = {d[1]: 10 for d in schedules.DEFAULTS}
    for job in store.claim(db, "w", types, now, 30):
        ran.append((job.schedule, job.payload.get("provider"), now))
        store.finish(db, [Outcome(job.id, job.lease_token, True, result=JobResult(data={"refreshed": 2}))], now)


def test_every_schedule_runs_once_in_the_first_five_minutes(db):
    # the ledger: ensure_schedules at start and every 60 s; due jobs claimed as they come
    t0 = time.time()
    ran: list = []
    store.ensure_schedules(db, t0)
    for second in range(0, 300):
        now = t0 + second
        if second and second % 60 == 0:
            store.ensure_schedules(db, now)
        run_due(db, now, ran)
    feeds = sorted(p for name, p, _ in ran if name.startswith("refresh-changes-"))
    assert feeds == ["fanart", "tmdb", "tvdb"], ran     # was: tmdb again and again, tvdb and fanart never
    assert sorted(name for name, _, _ in ran) == sorted(d[0] for d in schedules.DEFAULTS)
    assert all(60 <= at - t0 <= 61 for _, _, at in ran)


def test_the_list_says_when_each_runs_next_and_how_the_last_run_ended(db):
    t0 = time.time()
    store.ensure_schedules(db, t0)
    run_due(db, t0 + 61, [])
    rows = {s["name"]: s for s in scheduling.list_schedules(db, t0 + 62)}
    tmdb = rows["refresh-changes-tmdb"]
    assert (tmdb["job_type"], tmdb["interval_s"], tmdb["enabled"]) == ("refresh.changes", 86400, True)
    assert tmdb["last_run"] and tmdb["next_run"] > tmdb["last_run"]
    assert tmdb["last_result_text"] == "done: 2 refreshed"
    assert tmdb["interval_text"] == "every day" and tmdb["title"] == "Check TMDB for changes"


def test_turning_off_withdraws_the_waiting_job_and_on_brings_it_back(db):
    now = time.time()
    store.ensure_schedules(db, now)
    waiting = [j for j in store.list_jobs(db, ["pending"], limit=100)[0] if j["schedule"] == "verify-libraries"]
    assert len(waiting) == 1
    out = scheduling.change(db, "verify-libraries", now, None, False)
    assert out["cancelled"] == [waiting[0]["id"]]
    assert store.get_job(db, waiting[0]["id"])["status"] == "cancelled"
    store.ensure_schedules(db, now + 60)   # an off schedule gets no job from the ledger's round either
    assert not [j for j in store.list_jobs(db, ["pending"], limit=100)[0] if j["schedule"] == "verify-libraries"]
    out = scheduling.change(db, "verify-libraries", now, 3600, True)
    (jid,) = out["created"]
    job = store.get_job(db, jid)
    assert job["schedule"] == "verify-libraries" and job["status"] == "pending"
    assert Schedule.get(Schedule.name == "verify-libraries").interval_s == 3600


def test_a_new_interval_re_dates_the_waiting_job(db):
    now = time.time()
    Schedule.update(last_run=now - 100).where(Schedule.name == "orphan-cleanup").execute()
    store.ensure_schedules(db, now)
    scheduling.change(db, "orphan-cleanup", now, 7200, None)
    (job,) = [j for j in store.list_jobs(db, ["pending"], limit=100)[0] if j["schedule"] == "orphan-cleanup"]
    assert abs(job["run_after"] - (now - 100 + 7200)) < 1


def test_run_now_pulls_the_waiting_job_forward_once(db):
    now = time.time()
    store.ensure_schedules(db, now)
    (waiting,) = [j for j in store.list_jobs(db, ["pending"], limit=100)[0] if j["schedule"] == "purge-recycle-bin"]
    jid, created = scheduling.run_now(db, "purge-recycle-bin", now + 1)
    again, created_again = scheduling.run_now(db, "purge-recycle-bin", now + 2)
    assert jid == again == waiting["id"] and not created and not created_again
    job = store.get_job(db, jid)
    assert job["run_after"] <= now + 1 and job["priority"] == 3
    assert scheduling.run_now(db, "no-such-schedule", now) is None


@pytest.mark.parametrize("body, message", [
    ({"interval_s": 10}, "between 60"), ({"interval_s": "daily"}, "whole number"), ({"interval_s": 1.5}, "whole"),
    ({"enabled": "yes"}, "true or false"), ({}, "nothing to change"), ({"cron": "* * *"}, "only interval_s"),
    ({"interval_s": True}, "whole number")])
def test_a_bad_change_is_refused_in_words(body, message):
    with pytest.raises(scheduling.ScheduleError, match=message):
        scheduling.parse_change(body)
