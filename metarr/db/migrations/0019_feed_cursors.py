"""feed_cursors: each provider's change-feed cursor; the periodic refresh becomes a daily even
sweep (the weekly burst's schedule row moves to a daily interval)."""
from metarr.db.feeds import FeedCursor
from metarr.db.models import Schedule


def up(db):
    db.create_tables([FeedCursor], safe=True)
    Schedule.update(interval_s=86400).where((Schedule.name == "refresh-stale-metadata")
                                            & (Schedule.interval_s == 7 * 86400)).execute()
