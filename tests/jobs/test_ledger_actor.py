"""The JobLedger actor end to end: chains run through worker pools and the database."""
import time
from pathlib import Path

from metarr.jobs import store
from metarr.jobs.model import JobSpec
from tests.conftest import wait_for


def test_chains_complete_through_the_actors(system, services, tmp_path):
    effects = tmp_path / "effects.txt"
    events = []
    services.bus.subscribe(lambda e: events.append(e.type))
    ledger = services.actor("ledger")
    specs = [JobSpec("test.append", subject=f"c{i}:0",
                     payload={"chain": f"c{i}", "step": 0, "depth": 5, "file": str(effects)}) for i in range(20)]
    ids = ledger.enqueue(specs).get(timeout=10)
    assert len(set(ids)) == 20
    wait_for(lambda: store.stats(services.db, time.time()).succeeded == 100, timeout=20)
    lines = Path(effects).read_text().split()
    assert sorted(lines) == sorted(f"c{i}:{s}" for i in range(20) for s in range(5))
    assert events.count("job.succeeded") == 100 and events.count("job.created") == 100


def test_a_failing_handler_does_not_kill_the_ledger(system, services, tmp_path):
    ledger = services.actor("ledger")
    # a payload without the keys the handler needs: the handler raises, the job is retried later
    jid, = ledger.enqueue(JobSpec("test.append", subject="bad", payload={}, max_attempts=1)).get(timeout=5)
    wait_for(lambda: store.get_job(services.db, jid)["status"] == "dead")
    assert "KeyError" in store.get_job(services.db, jid)["last_error"]
    # the ledger still works
    jid2, = ledger.enqueue(JobSpec("test.noop", subject="ok")).get(timeout=5)
    wait_for(lambda: store.get_job(services.db, jid2)["status"] == "succeeded")
    # a garbage message to the ledger is logged, not fatal
    ledger.finished.defer("not an outcome")
    assert ledger.ping().get(timeout=5) is True


def test_stop_and_restart_recovers_running_jobs(services, tmp_path):
    """Jobs left running by a stopped system are taken back by the next one."""
    from actors.system import ActorSystem
    effects = tmp_path / "e.txt"
    s1 = ActorSystem(services)
    s1.start()
    ledger = services.actor("ledger")
    ledger.enqueue([JobSpec("test.append", subject=f"s{i}:0",
                            payload={"chain": f"s{i}", "step": 0, "depth": 1, "file": str(effects), "sleep": 0.3})
                    for i in range(4)]).get(timeout=5)
    wait_for(lambda: store.stats(services.db, time.time()).running > 0)
    s1.stop()
    s2 = ActorSystem(services)
    s2.start()
    try:
        wait_for(lambda: store.stats(services.db, time.time()).succeeded == 4, timeout=20)
    finally:
        s2.stop()
    assert sorted(Path(effects).read_text().split()) == [f"s{i}:0" for i in range(4)]
