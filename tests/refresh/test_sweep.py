"""The even sweep (enrich.stale): a slice of the enriched items a day, every one within the period,
and a second run the same day queues nothing."""
import time
from types import SimpleNamespace

from metarr.db.database import write_tx
from metarr.db.feeds import FeedCursor
from metarr.db.media import Movie
from metarr.db.models import Job, Library
from metarr.service import settings


def test_sweep_slices_the_library_evenly(services):
    from actors.enrichment import enrich_stale
    now = time.time()
    with write_tx(services.db):
        lib = Library.create(name="M", kind="movie", path="/m", created_at=now, updated_at=now)
        Movie.insert_many([dict(library_id=lib.id, state="enriched", date_added=now, created_at=now, updated_at=now,
                                enriched_at=now - 86400, key=f"m{i}.mkv", folder=f"m{i}", title=f"M{i}")
                           for i in range(300)]).execute()
        Movie.insert_many([dict(library_id=lib.id, state="discovered", date_added=now, created_at=now, updated_at=now,
                                key=f"n{i}.mkv", folder=f"n{i}", title=f"N{i}") for i in range(30)]).execute()
    settings.put_many(services.db, {"refresh.sweep_days": 30})
    ctx = SimpleNamespace(services=services)
    out = enrich_stale(ctx, SimpleNamespace(payload=None, priority=9, id=1))
    assert out.data["stale"] == 10           # 300 enriched items / 30 days; never-enriched ones are not swept
    jobs = list(Job.select().where(Job.type == "enrich.movie"))
    assert len(jobs) == 10 and all(j.priority == 9 and j.payload.get("fresh") == ["*"] for j in jobs)
    assert enrich_stale(ctx, SimpleNamespace(payload=None, priority=9, id=2)).data["stale"] == 0   # same day
    # a week without a sweep: the missed days' slices are caught up (7 of 30)
    FeedCursor.update(cursor=FeedCursor.get(FeedCursor.provider == "sweep").cursor - 7).where(
        FeedCursor.provider == "sweep").execute()
    assert enrich_stale(ctx, SimpleNamespace(payload=None, priority=9, id=3)).data["stale"] == 70
