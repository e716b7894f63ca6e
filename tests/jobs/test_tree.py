"""The jobs a command started, and only those: what `metarr scan` waits for and reports."""
import time

import pytest

from metarr.jobs import store, tree
from metarr.jobs.model import JobResult, JobSpec, Outcome


@pytest.fixture
def db(services):
    return services.db


def test_tree_counts_the_command_and_what_it_chained_not_jobs_others_added_meanwhile(db):
    now = time.time()
    (root, _), = store.enqueue(db, [JobSpec("scan.library", "library:1")], now)
    # a schedule or the watcher adds work of its own while the command runs
    (other, _), = store.enqueue(db, [JobSpec("scan.library", "library:2")], now)
    claimed = {j.id: j for j in store.claim(db, "w", {"scan.library": 10}, now, lease=60)}
    assert tree.tree_counts([root]) == {"running": 1}
    assert not tree.tree_done(tree.tree_counts([root]))
    store.finish(db, [Outcome(root, claimed[root].lease_token, True,
                              result=JobResult(next=(JobSpec("enrich.item", "movie:1"), JobSpec("enrich.item", "movie:2"))))],
                 time.time())
    counts = tree.tree_counts([root])
    assert counts == {"succeeded": 1, "pending": 2}     # the chained jobs, not library:2's scan
    assert not tree.tree_done(counts)
    children = sorted(tree.tree_ids([root]) - {root})
    assert other not in children and len(children) == 2
    jobs = {j.id: j for j in store.claim(db, "w", {"enrich.item": 10}, time.time(), lease=60)}
    store.finish(db, [Outcome(c, jobs[c].lease_token, True) for c in children]
                 + [Outcome(other, claimed[other].lease_token, False, error="boom", retryable=False)], time.time())
    counts = tree.tree_counts([root])
    assert counts == {"succeeded": 3} and tree.tree_done(counts)   # library:2's failure is not ours
