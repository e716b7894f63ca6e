"""Freshness decisions (pure): which window of a provider's change feed to read, which feed answers
map to which of our items, and which slice of the library the even sweep refreshes today."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY = 86400

# provider -> (feed window in seconds: how far back the feed can be read, the feeds it has:
# (feed kind, our entity type, our id column))
FEEDS: dict[str, tuple[float, tuple[tuple[str, str, str], ...]]] = {
    "tmdb": (14 * DAY, (("movie", "movie", "tmdb_id"), ("tv", "series", "tmdb_id"))),
    "tvdb": (30 * DAY, (("series", "series", "tvdb_id"), ("episodes", "series", "tvdb_id"))),
    "fanart": (7 * DAY, (("movies", "movie", "tmdb_id"), ("tv", "series", "tvdb_id"))),
}
FIRST_LOOKBACK = DAY   # no cursor yet: the items were enriched recently, read the last day


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    fallback_from: float | None   # start of a gap older than the feed keeps (left to the sweep)


def plan_window(cursor: float | None, now: float, window: float) -> Window:
    """Read from the cursor to now; a cursor older than the feed's window reads the window and
    leaves the older gap to the periodic sweep."""
    if cursor is None:
        return Window(now - FIRST_LOOKBACK, now, None)
    start = min(cursor, now)
    if now - start > window:
        return Window(now - window, now, start)
    return Window(start, now, None)


def day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def date_chunks(start: float, end: float, days: int) -> list[tuple[str, str]]:
    """(start_date, end_date) pairs covering [start, end], each at most `days` days inclusive."""
    out, t = [], start
    while True:
        stop = min(end, t + (days - 1) * DAY)
        out.append((day(t), day(stop)))
        if day(stop) == day(end):
            return out
        t = stop + DAY


def sweep_buckets(last_day: int | None, today: int, period_days: int) -> list[int]:
    """Buckets (id % period) due today: one a day, plus the days missed since the last sweep
    (at most one whole period), so every item comes round once per period, evenly."""
    period = max(1, int(period_days))
    if last_day is None or last_day >= today:
        days = [today] if last_day is None else []
    else:
        days = list(range(max(last_day + 1, today - period + 1), today + 1))
    return sorted({d % period for d in days})
