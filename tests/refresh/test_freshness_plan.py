"""The pure freshness decisions: feed windows and the even sweep's slices."""
from metarr.enrichment import freshness
from metarr.enrichment.freshness import DAY


def test_window_from_cursor_and_fallback_beyond_the_feed():
    now = 100 * DAY
    assert freshness.plan_window(now - DAY, now, 14 * DAY) == freshness.Window(now - DAY, now, None)
    w = freshness.plan_window(now - 40 * DAY, now, 14 * DAY)
    assert (w.start, w.fallback_from) == (now - 14 * DAY, now - 40 * DAY)
    assert freshness.plan_window(None, now, 14 * DAY).start == now - freshness.FIRST_LOOKBACK


def test_date_chunks_never_exceed_the_feed_range():
    chunks = freshness.date_chunks(0, 20 * DAY, 14)
    assert chunks == [("1970-01-01", "1970-01-14"), ("1970-01-15", "1970-01-21")]


def test_sweep_covers_every_bucket_once_per_period_evenly():
    period, seen, last = 90, [], None
    for today in range(1000, 1000 + period):
        b = freshness.sweep_buckets(last, today, period)
        assert len(b) == 1
        seen += b
        last = today
    assert sorted(seen) == list(range(period))
    # a missed week is caught up, at most one whole period
    assert len(freshness.sweep_buckets(1000, 1007, period)) == 7
    assert len(freshness.sweep_buckets(1000, 1500, period)) == period
    assert freshness.sweep_buckets(1007, 1007, period) == []
