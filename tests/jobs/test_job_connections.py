"""On PostgreSQL the jobs of one process share a fixed number of server connections: a serve and
three workers once met the server's default limit of 100 ("sorry, too many clients already"), and
a job that could not connect went dead."""
from __future__ import annotations

import threading
import time

import pytest

from metarr.db.database import job_connection, open_database
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="connection budget is a PostgreSQL matter")


def _server_connections(admin, app: str) -> int:
    return admin.execute_sql("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = %s",
                             (app,)).fetchone()[0]


def test_twenty_job_threads_hold_at_most_the_budget_of_connections_and_all_finish(db_url):
    app = f"metarr-budget-{time.monotonic_ns()}"
    db = open_database(f"{db_url}&job_connections=3&application_name={app}")
    admin = open_database(db_url)
    seen: list[int] = []
    done: list[int] = []
    lock = threading.Lock()

    def job(n: int) -> None:
        with job_connection(db):
            db.execute_sql("SELECT pg_sleep(0.05)")
            with lock:
                seen.append(_server_connections(admin, app))
                done.append(n)
        # the thread lives on, like a job worker between jobs

    threads = [threading.Thread(target=job, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(done) == list(range(20))
    assert max(seen) <= 3, seen
    # idle, the pool keeps at most what the budget let it open
    assert _server_connections(admin, app) <= 3
    db.close_all()


def test_a_job_thread_gives_its_connection_back_when_the_job_ends(db_url):
    db = open_database(f"{db_url}&job_connections=1")
    with job_connection(db):
        db.execute_sql("SELECT 1")
        assert not db.is_closed()
    assert db.is_closed()
    # the one slot is free again: a second job gets it at once
    t0 = time.monotonic()
    with job_connection(db):
        db.execute_sql("SELECT 1")
    assert time.monotonic() - t0 < 5
    db.close_all()


def test_a_bad_budget_in_the_url_is_refused(db_url):
    with pytest.raises(ValueError, match="job_connections"):
        open_database(f"{db_url}&job_connections=zero")


def test_doctor_says_whether_the_server_has_room_for_another_process(db_url, monkeypatch, tmp_path, capsys):
    from web.cli import cmd_doctor
    monkeypatch.setenv("METARR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("METARR_DATABASE_URL", db_url)
    cmd_doctor(None)
    out = capsys.readouterr().out
    assert "ok   postgresql connections: " in out and "a Metarr process takes up to 25" in out
    # a budget the server cannot give (its max_connections is 100 here)
    monkeypatch.setenv("METARR_DATABASE_URL", f"{db_url}&job_connections=500")
    assert cmd_doctor(None) == 1
    assert "FAIL postgresql connections: " in capsys.readouterr().out


def test_jobs_waiting_on_something_else_hold_no_connection_meanwhile(db_url):
    """Two jobs and one connection: both wait (on a provider, say) at the same time, and each
    queries again after its wait."""
    from metarr.db.database import waiting
    app = f"metarr-wait-{time.monotonic_ns()}"
    db = open_database(f"{db_url}&job_connections=1&application_name={app}")
    admin = open_database(db_url)
    spans: dict[int, tuple[float, float]] = {}
    during: list[int] = []

    def job(n: int) -> None:
        with job_connection(db):
            db.execute_sql("SELECT 1")
            with waiting(db):
                t0 = time.monotonic()
                time.sleep(0.4)
                during.append(_server_connections(admin, app))
                spans[n] = (t0, time.monotonic())
            assert db.execute_sql("SELECT 2").fetchone()[0] == 2

    threads = [threading.Thread(target=job, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    (a0, a1), (b0, b1) = spans.values()
    assert max(a0, b0) < min(a1, b1), "the second job could not start while the first one waited"
    assert max(during) <= 1
    db.close_all()


def test_a_job_inside_a_transaction_keeps_its_connection_while_it_waits(db_url):
    from metarr.db.database import waiting, write_tx
    db = open_database(f"{db_url}&job_connections=1")
    with job_connection(db):
        with write_tx(db):
            db.execute_sql("SELECT 1")
            with waiting(db):
                assert not db.is_closed()
            db.execute_sql("SELECT 1")
    db.close_all()
