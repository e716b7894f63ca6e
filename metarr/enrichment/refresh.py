"""The daily change-feed refresh and the even sweep: read a provider's feed since its cursor, match
the ids against the libraries, and plan enrichment for exactly those items (maintenance priority).
The caller (a job handler) passes the provider call; nothing here talks HTTP itself."""
from __future__ import annotations

from dataclasses import dataclass, field

from metarr.db.database import write_tx
from metarr.db.feeds import FeedCursor
from metarr.db.media import ENTITY_MODELS
from metarr.enrichment import freshness
from metarr.jobs import chain, store
from metarr.jobs.model import PRIORITY, JobSpec
from metarr.sources import fanart, tmdb, tvdb
from metarr.sources.http import Call

CHUNK = 500   # ids per IN (...) query


@dataclass
class FeedRun:
    provider: str
    window: freshness.Window
    feed_ids: int = 0
    pages: int = 0
    items: list[tuple[str, int, int]] = field(default_factory=list)   # (entity type, id, library id)


def read_feed(call: Call, provider: str, kind: str, w: freshness.Window) -> tuple[set[int], int]:
    if provider == "tmdb":
        ids, pages = set(), 0
        for a, b in freshness.date_chunks(w.start, w.end, tmdb.FEED_DAYS):
            got, n = tmdb.changes(call, kind, a, b)
            ids |= got
            pages += n
        return ids, pages
    if provider == "tvdb":
        return tvdb.updates(call, int(w.start), kind)
    return fanart.latest(call, kind, int(w.start))


def match(entity_type: str, column: str, ids: set[int]) -> list[tuple[str, int, int]]:
    """Our live, already enriched items whose provider id is in the feed."""
    model = ENTITY_MODELS[entity_type]
    col = getattr(model, column)
    out, ordered = [], sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        rows = model.select(model.id, model.library_id).where(
            col.in_(ordered[i:i + CHUNK]) & model.deleted_at.is_null(True) & model.enriched_at.is_null(False)).tuples()
        out += [(entity_type, eid, lib) for eid, lib in rows]
    return out


def cursor_row(provider: str) -> FeedCursor | None:
    return FeedCursor.get_or_none(FeedCursor.provider == provider)


def run_feed(call: Call, provider: str, now: float) -> FeedRun:
    """Read every feed of the provider over the planned window (raises ProviderError untouched: the
    cursor is only moved by `commit`)."""
    window, feeds = freshness.FEEDS[provider]
    row = cursor_row(provider)
    run = FeedRun(provider, freshness.plan_window(row.cursor if row else None, now, window))
    seen: set[tuple[str, int]] = set()
    for kind, entity_type, column in feeds:
        ids, pages = read_feed(call, provider, kind, run.window)
        run.feed_ids += len(ids)
        run.pages += pages
        for item in match(entity_type, column, ids):
            if item[:2] not in seen:
                seen.add(item[:2])
                run.items.append(item)
    return run


def enrich_spec(entity_type: str, eid: int, library_id: int, fresh: list[str]) -> JobSpec:
    return chain.entity_job("enrich", entity_type, eid, library_id, PRIORITY["maintenance"], fresh=fresh)


def _save(db, provider: str, **values) -> None:
    if FeedCursor.update(**values).where(FeedCursor.provider == provider).execute() == 0:
        FeedCursor.insert(provider=provider, **values).on_conflict_ignore().execute()


def commit(db, run: FeedRun, now: float) -> int:
    """Move the cursor and enqueue the refreshes in one transaction: a crash in between can neither
    lose the changed ids nor read them twice."""
    specs = [enrich_spec(et, eid, lib, [run.provider]) for et, eid, lib in run.items]
    with write_tx(db):
        store.enqueue_in_tx(db, specs, now)   # one batch: its keys locked in one order (no deadlock)
        _save(db, run.provider, cursor=run.window.end, last_run_at=now, last_ok_at=now, refreshed=len(specs),
              feed_ids=run.feed_ids, pages=run.pages, fallback_from=run.window.fallback_from, last_error=None)
    return len(specs)


def failed(db, provider: str, now: float, error: str) -> None:
    """A failed read keeps the cursor (the next try reads the same window)."""
    with write_tx(db):
        _save(db, provider, last_run_at=now, last_error=error[:500])


def sweep(db, now: float, period_days: int, roots: tuple[str, ...]) -> int:
    """The even sweep: today's slice (id % period) of every enriched item, refreshed with fresh
    answers from every provider (MusicBrainz has no feed and relies on this)."""
    today = int(now // freshness.DAY)
    row = cursor_row("sweep")
    buckets = freshness.sweep_buckets(int(row.cursor) if row and row.cursor is not None else None, today,
                                      period_days)
    period = max(1, int(period_days))
    specs = []
    # id mod period, spelled out: peewee's % is LIKE, and integer division is the same on both engines
    for et in roots:
        model = ENTITY_MODELS[et]
        for b in buckets:
            q = model.select(model.id, model.library_id).where(
                (model.id - (model.id / period) * period == b) & model.enriched_at.is_null(False) & model.deleted_at.is_null(True)).tuples()
            specs += [enrich_spec(et, eid, lib, ["*"]) for eid, lib in q]
    with write_tx(db):
        store.enqueue_in_tx(db, specs, now)
        _save(db, "sweep", cursor=float(today), last_run_at=now, last_ok_at=now, refreshed=len(specs),
              feed_ids=0, pages=0, fallback_from=None, last_error=None)
    return len(specs)


def status(now: float | None = None) -> dict[str, dict]:
    """Per provider: the cursor, the last run, how many items it refreshed (for status and the UI)."""
    from metarr.service.timefmt import iso
    out = {}
    for r in FeedCursor.select().order_by(FeedCursor.provider):
        out[r.provider] = {"cursor": (iso(r.cursor) if r.provider != "sweep" and r.cursor else
                                      (freshness.day(r.cursor * freshness.DAY) if r.cursor is not None else None)),
                           "last_run": iso(r.last_run_at) if r.last_run_at else None,
                           "last_ok": iso(r.last_ok_at) if r.last_ok_at else None,
                           "refreshed": r.refreshed, "feed_ids": r.feed_ids, "pages": r.pages,
                           "fallback_from": iso(r.fallback_from) if r.fallback_from else None,
                           "last_error": r.last_error}
    return out
