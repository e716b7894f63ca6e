"""Where each provider's change feed was last read up to (and the periodic sweep's position), so a
daily refresh reads only what is new and a failed read loses nothing."""
from __future__ import annotations

import peewee as pw

from metarr.db.models import BaseModel


class FeedCursor(BaseModel):
    # "tmdb", "tvdb", "fanart", or "sweep" for the periodic refresh
    provider = pw.CharField(max_length=32, unique=True)
    # epoch seconds the feed was read up to (sweep: the last day number swept)
    cursor = pw.DoubleField(null=True)
    last_run_at = pw.DoubleField(null=True)
    last_ok_at = pw.DoubleField(null=True)
    refreshed = pw.IntegerField(default=0)      # items enqueued by the last successful run
    feed_ids = pw.IntegerField(default=0)       # ids the feed named in that run (ours or not)
    pages = pw.IntegerField(default=0)
    fallback_from = pw.DoubleField(null=True)   # a gap the feed no longer covered, left to the sweep
    last_error = pw.TextField(null=True)

    class Meta:
        table_name = "feed_cursors"
