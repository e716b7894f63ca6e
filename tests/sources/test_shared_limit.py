"""The provider limit shared through the database (several worker processes): a slot is handed out
at the time it is taken, not at a time read before the wait for the database."""
from __future__ import annotations

import threading
import time

from metarr.db.database import connection, write_tx
from metarr.sources import shared

HOLD = 0.3


def test_a_slot_of_an_idle_limiter_is_not_already_late_when_the_database_made_the_caller_wait(services):
    """Another worker holds the limit row (or SQLite's write lock) for HOLD seconds. Once it lets go,
    this caller's slot must lie at the moment it got the row: a send time from before the wait would
    be HOLD seconds late on arrival, and the gateway gives late slots up (each one lost)."""
    db = services.db
    interval = 1 / 38
    shared.reserve(db, "tmdb", interval, 1)   # the row exists
    time.sleep(2 * interval)                  # and the limiter is idle again
    holding, released = threading.Event(), []

    def other_worker() -> None:
        with connection(db), write_tx(db):
            shared.reserve(db, "tmdb", interval, 1)   # locks the row (FOR UPDATE) until this commits
            holding.set()
            time.sleep(HOLD)
            released.append(time.time())

    t = threading.Thread(target=other_worker)
    t.start()
    assert holding.wait(5)
    asked = time.time()
    send_at = shared.reserve(db, "tmdb", interval, 1)
    t.join(5)
    # its slot follows the other worker's, so it may lie one interval after the moment it was asked;
    # what it may not do is lie before the release, by the time spent waiting for the row
    assert released and send_at >= released[0] - 0.05, (send_at - asked, released[0] - asked)
    assert send_at - time.time() < 1.0   # and not far in the future either
