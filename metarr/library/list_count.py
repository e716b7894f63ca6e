"""`meta.total` of a list without counting a whole library at every page.

The rows are counted exactly up to the setting `api.exact_total_limit` (default 1,000; a count of a
`LIMIT` subquery, so it never reads more rows than that). Above it the total is an estimate, said
so with `total_estimated: true`:
- SQLite: the live/deleted rows per kind, library and state are kept in `entity_counts` by triggers
  (migration 0031), so the list's library/state/deleted filters are summed from there; a list with
  other filters (`q`, year, genre…) scales that by the share of matches among the newest 2,000 rows
  (for a search of a common word that estimate comes first, and only a small one is then counted).
- PostgreSQL: the planner's estimate of the list's query (`EXPLAIN`), no rows read; asked first, and
  the rows are counted (up to the limit) only when it is under three times the limit.
"""
from __future__ import annotations

import dataclasses
import json
import time

import peewee as pw

from metarr import metadata as md
from metarr.db.database import is_sqlite
from metarr.library import filters as item_filters
from metarr.library import list_search
from metarr.service import settings

DEFAULT_LIMIT = 1000
LIMIT_SETTING = "api.exact_total_limit"
SAMPLE = 2000
PG_TRUST = 3   # PostgreSQL: a planner's estimate this many times the limit is not counted
# PostgreSQL: a walk by cursor asks the planner for the same list's estimate at every page, one
# round trip of two; its statistics change only at the next ANALYZE, so a page after a cursor takes
# the estimate made this many seconds ago at most (a first page, or one by offset, asks anew)
ESTIMATE_REUSE = 30.0
_estimates: dict[tuple[int, str, tuple], tuple[float, int]] = {}   # (db, sql, params) -> (when, estimate)
# PostgreSQL: a list's last Plan says which statement to send first: the page with its plan (and
# count) in one round trip, where the plan was a round trip of its own before it. Only a guess, kept
# this long: a plan read with the page that calls for another statement gets that statement
GUESS_FOR = 300.0
_guesses: dict[tuple[int, str, tuple], tuple[float, Plan]] = {}


def total(kind: str, query, q: str | None, filters: dict, *, reuse_estimate: bool = False,
          asked: tuple[int, int] | None = None) -> tuple[int, bool]:
    """(total, estimated) for the list `query` (the filtered select, unordered). `reuse_estimate`
    (a page after a cursor): PostgreSQL's estimate of the same list asked moments ago is taken again.
    `asked`: (limit, PostgreSQL's estimate) read already for this request."""
    model = md.ENTITY_MODELS[kind]
    db = model._meta.database
    limit = exact_limit(db) if asked is None else asked[0]
    est = None
    if asked is not None:
        est = asked[1]
        if est > PG_TRUST * limit:
            return est, True
    elif not is_sqlite(db):
        # the planner's estimate first (no rows read): well above the limit, it is the answer. A
        # bounded count of a filter matching a few percent of the rows costs 10-30 ms at 166,667
        # (a sequential scan, or the sort's index, until `limit` matches)
        est = _pg_estimate(db, query, reuse_estimate)
        if est > PG_TRUST * limit:
            return est, True
    elif q and list_search.many_matches(kind, q):
        # a common word: its rows are found by walking the list, so counting even `limit` of them
        # can mean a long walk; the sample's estimate says first whether that is needed
        est = _sqlite_estimate(kind, model, query, q, filters)
        if est > 3 * limit:
            return est, True
    sql, params = bounded_count(query, limit)
    n = db.execute_sql(sql, params).fetchone()[0]
    if n > limit and est is None:
        est = _sqlite_estimate(kind, model, query, q, filters) if is_sqlite(db) else _pg_estimate(db, query)
    return of_count(n, limit, est)


def bounded_count(query, limit: int) -> tuple[str, list]:
    """The SELECT counting `query`'s rows up to `limit` + 1 (never reading more), and its parameters."""
    bounded = query.select(pw.SQL("1")).order_by().limit(limit + 1)
    sql, params = pw.Select([bounded.alias("b")], [pw.fn.COUNT(pw.SQL("*"))]).bind(query.model._meta.database).sql()
    return sql, list(params)


def of_count(n: int, limit: int, est: int | None) -> tuple[int, bool]:
    """(total, estimated) from a bounded count `n` and, above the limit, the estimate `est`."""
    if n <= limit:
        return n, False
    return max(limit + 1, est), True


def exact_limit(db) -> int:
    """Up to how many rows a list's total is counted (the setting `api.exact_total_limit`)."""
    # a fixed text, not settings.get's query built anew: a page after a cursor asks this every time
    row = db.execute_sql(f"SELECT value FROM settings WHERE key = {db.param}", (LIMIT_SETTING,)).fetchone()
    return int(settings.of_stored(LIMIT_SETTING, row[0] if row else None, DEFAULT_LIMIT))


def pg_estimate(db, query, reuse: bool = False) -> int:
    """The planner's estimate of the rows of `query` (PostgreSQL)."""
    return _pg_estimate(db, query, reuse)


@dataclasses.dataclass(frozen=True)
class Plan:
    """PostgreSQL: what decides how a list is read and counted: the exact-count limit (the setting)
    and the planner's estimate of the list's rows."""
    cap: int
    est: int

    def path(self, searched: bool) -> str:
        """How the list is read: "estimate" (the total is the estimate), "count" (the page as usual
        and a bounded count) or "small" (the page and its exact count from one scan, list_small)."""
        if self.est > PG_TRUST * self.cap:
            return "estimate"
        return "count" if self.est > self.cap and not searched else "small"


@dataclasses.dataclass(frozen=True)
class Listed:
    """A list's rows as the planner is asked about them (`SELECT 1 FROM … WHERE …`), built once
    for a request: its text, parameters, and the key of its estimate and plan."""
    key: tuple
    sql: str
    params: list

    def bounded_count(self, limit: int) -> tuple[str, list]:
        """`bounded_count` of the same rows, from this text (not rendered again)."""
        return f'SELECT COUNT(*) FROM ({self.sql} LIMIT %s) AS "b"', [*self.params, limit + 1]


def listed(db, query) -> Listed:
    sql, params = query.select(pw.SQL("1")).order_by().sql()
    return Listed((id(db), sql, tuple(params)), sql, list(params))


def last_plan(lst: Listed) -> Plan | None:
    """The plan this list had when last asked (within GUESS_FOR): which statement to send first,
    never an answer (`plan_columns` reads the plan again with the page)."""
    hit = _guesses.get(lst.key)
    return hit[1] if hit is not None and time.monotonic() - hit[0] < GUESS_FOR else None


def plan_columns(db, lst: Listed, reuse: bool = False) -> list[tuple[str, list]]:
    """Two scalar SELECT expressions, with their parameters, for a page's statement: the estimate
    (as `pg_plan` asks it; `reuse` as there) and the setting's stored value; `plan_of` reads them."""
    recent = _recent_estimate(lst.key, time.monotonic()) if reuse else None
    if recent is not None:
        est = ("%s", [recent])
    else:
        est = ("SELECT metarr_plan_rows(%s)", [db.cursor().mogrify(lst.sql, lst.params).decode()])
    return [est, ("SELECT value FROM settings WHERE key = %s", [LIMIT_SETTING])]


def plan_of(lst: Listed, columns: list[tuple[str, list]], values: list) -> Plan:
    """The Plan from the values of `plan_columns`' expressions."""
    key = lst.key
    plan = Plan(int(settings.of_stored(LIMIT_SETTING, values[1], DEFAULT_LIMIT)), int(values[0]))
    now = time.monotonic()
    if columns[0][0] != "%s":   # asked anew, not the estimate reused
        _remember(key, now, plan.est)
    _guess(key, now, plan)
    return plan


def _guess(key: tuple, now: float, plan: Plan) -> None:
    _bounded_put(_guesses, key, (now, plan))


def pg_plan(db, query, reuse: bool = False) -> tuple[int, int]:
    """PostgreSQL: (the exact-count limit, the planner's estimate of `query`'s rows) from one
    statement (`metarr_plan_rows`, migration 0044), where the setting and the EXPLAIN were a round
    trip each. `reuse`: as `pg_estimate`'s."""
    lst = listed(db, query)
    key = lst.key
    now = time.monotonic()
    recent = _recent_estimate(key, now) if reuse else None
    if recent is not None:
        return exact_limit(db), recent
    text = db.cursor().mogrify(lst.sql, lst.params).decode()   # the text EXPLAIN plans: literals, as psycopg2 sends it
    est, raw = db.execute_sql("SELECT metarr_plan_rows(%s), (SELECT value FROM settings WHERE key = %s)",
                              (text, LIMIT_SETTING)).fetchone()
    plan = Plan(int(settings.of_stored(LIMIT_SETTING, raw, DEFAULT_LIMIT)), int(est))
    _remember(key, now, plan.est)
    _guess(key, now, plan)
    return plan.cap, plan.est


def _pg_estimate(db, query, reuse: bool = False) -> int:
    lst = listed(db, query)
    key = lst.key
    now = time.monotonic()
    recent = _recent_estimate(key, now) if reuse else None
    if recent is not None:
        return recent
    plan = db.execute_sql("EXPLAIN (FORMAT JSON) " + lst.sql, lst.params).fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    est = int(plan[0]["Plan"]["Plan Rows"])
    _remember(key, now, est)
    return est


def _remember(key: tuple, now: float, est: int) -> None:
    _bounded_put(_estimates, key, (now, est))


def _recent_estimate(key: tuple, now: float) -> int | None:
    """The estimate of this list made within ESTIMATE_REUSE seconds, if any."""
    hit = _estimates.get(key)
    return hit[1] if hit is not None and now - hit[0] < ESTIMATE_REUSE else None


def _bounded_put(cache: dict, key: tuple, value: tuple) -> None:
    if len(cache) >= 512:   # a crude bound: lists asked again soon fill it anew at once
        cache.clear()
    cache[key] = value


def _spec(kind: str, filters: dict) -> item_filters.FilterSpec:
    spec = filters.get("spec")
    if spec is None:
        spec = item_filters.parse(kind, {k: v for k, v in filters.items() if k in item_filters.PARAMS})
    return spec


def _sqlite_estimate(kind: str, model, query, q: str | None, filters: dict) -> int:
    db = model._meta.database
    spec = _spec(kind, filters)
    where, params = ["kind = ?", "live = ?"], [kind, 0 if filters.get("deleted") else 1]
    for name, values in (("library_id", spec.library_ids), ("state", spec.states)):
        if values:
            where.append(f"{name} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    base = db.execute_sql(f"SELECT COALESCE(SUM(n), 0) FROM entity_counts WHERE {' AND '.join(where)}",
                          params).fetchone()[0]
    if not q and dataclasses.replace(spec, library_ids=(), states=()) == item_filters.FilterSpec():
        return int(base)
    # the share of the newest SAMPLE rows (of the library/state/deleted rows) that match
    conds = [model.deleted_at.is_null(not filters.get("deleted"))]
    if spec.library_ids:
        conds.append(model.library_id.in_(spec.library_ids))
    if spec.states:
        conds.append(model.state.in_(spec.states))
    edge = (model.select(model.id).where(*conds).order_by(model.id.desc()).offset(SAMPLE - 1).limit(1).scalar())
    if edge is None:
        return int(base)
    hits = query.where(model.id >= edge).select(pw.SQL("1")).order_by().count()
    return int(base * hits / SAMPLE)
