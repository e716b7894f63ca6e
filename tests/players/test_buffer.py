"""The durable debounce buffer (metarr.players.buffer): a flush that dies leaves its changes for the
next one; a flush that succeeded has its rows removed; nothing is claimed twice by live flushes."""
from __future__ import annotations

from metarr.db.database import connection
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from metarr.players import buffer
from metarr.players.model import Change


def change(i: int) -> Change:
    return Change(1, "movie", "/lib", f"/lib/Movie {i}", "movie", file=f"/lib/Movie {i}/m.mkv")


def flush_job(db, n: int) -> int:
    ((jid, _),) = store.enqueue(db, [JobSpec("sync.flush", subject=f"players-{n}", dedupe=False)])
    return jid


def set_status(db, jid: int, status: str) -> None:
    db.execute_sql(("UPDATE jobs SET status = ? WHERE id = ?" if store.is_sqlite(db)
                    else "UPDATE jobs SET status = %s WHERE id = %s"), (status, jid))


def test_changes_survive_a_dead_flush_and_are_sent_once(services):
    db = services.db
    with connection(db):
        buffer.add(db, [change(1), change(2)])
        assert buffer.waiting(db) == 2 and buffer.flush_pending(db) is False
        a = flush_job(db, 1)
        assert buffer.flush_pending(db) is True
        # flush A claims both, then its process is killed: the ledger runs A again and A finds them again
        assert buffer.claim(db, a) == [change(1), change(2)]
        assert buffer.waiting(db) == 0
        buffer.add(db, [change(3)])
        assert buffer.claim(db, a) == [change(1), change(2), change(3)]
        # A gives up for good (dead): flush B inherits its rows
        set_status(db, a, "dead")
        b = flush_job(db, 2)
        assert buffer.claim(db, b) == [change(1), change(2), change(3)]
        # B succeeds; the next flush deletes B's rows and claims only what came after
        set_status(db, b, "succeeded")
        buffer.add(db, [change(4)])
        c = flush_job(db, 3)
        assert buffer.claim(db, c) == [change(4)]
        n = db.execute_sql("SELECT COUNT(*) FROM sync_changes").fetchone()[0]
        assert n == 1
