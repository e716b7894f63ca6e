"""Provider state kept in the database: the rate-limit reservation shared by every worker process
(so N processes together stay under a provider's limit), pauses after a 429/503, daily counts,
and the response cache."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import peewee as pw

from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import ProviderCache
from metarr.db.models import ProviderLimit
from metarr.sources.ratelimit import gcra_reserve


def reserve(db, provider: str, interval: float, burst: int) -> float:
    """Reserve the next request slot; returns the epoch time to send at. The time is read once the
    row is locked, the moment the slot is taken: a time read before the round trip would hand an
    idle limiter's slot out already in the past (by the wait for the database), and the caller
    would find it late."""
    with write_tx(db):
        q = ProviderLimit.select().where(ProviderLimit.provider == provider)
        if not is_sqlite(db):
            q = q.for_update()
        row = q.first()
        if row is None:
            ProviderLimit.insert(provider=provider, next_free=0, paused_until=0, requests_today=0,
                                 day="").on_conflict_ignore().execute()
            row = ProviderLimit.select().where(ProviderLimit.provider == provider).for_update().first() \
                if not is_sqlite(db) else ProviderLimit.get(ProviderLimit.provider == provider)
        now = time.time()
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        start = max(now, row.paused_until)
        tat, wait = gcra_reserve(row.next_free, start, interval, burst)
        count = row.requests_today + 1 if row.day == day else 1
        ProviderLimit.update(next_free=tat, requests_today=count, day=day).where(
            ProviderLimit.provider == provider).execute()
    return start + wait


def count_requests(db, provider: str, n: int, now: float | None = None) -> None:
    """Add `n` requests to today's count (the in-memory pacer of a one-process deployment reports its
    requests in batches)."""
    day = datetime.fromtimestamp(now or time.time(), UTC).strftime("%Y-%m-%d")
    with write_tx(db):
        ProviderLimit.insert(provider=provider, next_free=0, paused_until=0, requests_today=0,
                             day=day).on_conflict_ignore().execute()
        ProviderLimit.update(requests_today=pw.Case(None, [(ProviderLimit.day == day, ProviderLimit.requests_today + n)], n),
                             day=day).where(ProviderLimit.provider == provider).execute()


def pause(db, provider: str, until: float) -> None:
    """Stop the whole provider (every process) until `until` (after a 429, or 503 from MusicBrainz)."""
    with write_tx(db):
        ProviderLimit.update(paused_until=until).where(
            (ProviderLimit.provider == provider) & (ProviderLimit.paused_until < until)).execute()


def state(db) -> dict[str, dict]:
    now = time.time()
    return {r.provider: {"paused_until": r.paused_until if r.paused_until > now else None,
                         "requests_today": r.requests_today, "day": r.day} for r in ProviderLimit.select()}


def cache_get(key: str, now: float | None = None):
    row = ProviderCache.get_or_none(ProviderCache.key == key)
    if row is None or row.expires_at < (now or time.time()):
        return None, False
    return json.loads(row.body), True


def cache_put(db, key: str, provider: str, value, ttl: float, now: float | None = None) -> None:
    now = now or time.time()
    body = json.dumps(value, separators=(",", ":"))
    with write_tx(db):
        ProviderCache.insert(key=key, provider=provider, body=body, expires_at=now + ttl).on_conflict(
            conflict_target=[ProviderCache.key],
            update={ProviderCache.body: body, ProviderCache.expires_at: now + ttl}).execute()
