"""Pages of the API's lists in time independent of the library's size: the sort expressions (the very
expressions the indexes of migration 0031 are built on), keyset pagination with an opaque cursor,
and the page itself with its `next_cursor`.

A cursor is the last row's sort value and id (plus the sort it was made for), base64url JSON. The
next page is the rows strictly after it in (sort value, id) order, written as
`k >= v AND (k > v OR id > i)`: the first term is a range on the index's leading column (SQLite does
not take a row-value comparison `(k, id) > (v, i)` on an expression index as a range and walks from
the start), the second drops the ties already shown. Rows added or removed between two pages never
make another row appear twice or go missing: the position is a value, not a count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import peewee as pw

from metarr import metadata as md
from metarr.db import cursors
from metarr.db.cursors import BadCursor, BadQuery, encode_cursor  # noqa: F401 (the lists' API)
from metarr.db.database import is_sqlite

# per kind: sort name -> (column names, value when NULL); several columns are COALESCEd in order
SORT_COLUMNS: dict[str, dict[str, tuple[tuple[str, ...], Any]]] = {
    "movie": {"title": (("sort_title", "title"), None), "year": (("year",), 0), "added": (("date_added",), None),
              "id": (("id",), None)},
    "series": {"title": (("sort_title", "title"), None), "year": (("year",), 0), "added": (("date_added",), None),
               "id": (("id",), None)},
    "artist": {"name": (("sort_name", "name"), None), "added": (("date_added",), None), "id": (("id",), None)},
    "album": {"title": (("title",), None), "year": (("year",), 0), "added": (("date_added",), None),
              "id": (("id",), None)},
}
DEFAULT_SORT = {"artist": "name"}
# the columns a list's rows are read with: what `browse.summary` shows (a wide row, plot and JSON
# included, costs twice the time to read and build); a field summary() reads must be named here
SUMMARY_FIELDS = {
    "movie": ("id", "state", "library_id", "identify_reason", "title", "year", "tmdb_id", "imdb_id", "tvdb_id"),
    "series": ("id", "state", "library_id", "identify_reason", "title", "year", "tmdb_id", "imdb_id", "tvdb_id",
               "status"),
    "artist": ("id", "state", "library_id", "identify_reason", "name", "musicbrainz_id"),
    "album": ("id", "state", "library_id", "title", "year", "artist_id", "musicbrainz_id"),
}


def sort_expr(kind: str, key: str):
    """The SQL expression a sort orders by; NULL-free, so that it compares the same on both databases."""
    model = md.ENTITY_MODELS[kind]
    cols, null_value = SORT_COLUMNS[kind][key]
    fields = [getattr(model, c) for c in cols]
    if null_value is not None:
        fields.append(pw.SQL(str(int(null_value))))   # a literal: SQLite matches an index's expression only so
    return pw.fn.COALESCE(*fields) if len(fields) > 1 else fields[0]


def parse_sort(kind: str, sort: str | None) -> tuple[str, bool]:
    sort = sort or DEFAULT_SORT.get(kind, "title")
    desc = sort.startswith("-")
    key = sort[1:] if desc else sort
    if key not in SORT_COLUMNS[kind]:
        raise BadQuery(f"sort must be one of {', '.join(sorted(SORT_COLUMNS[kind]))} (prefix - for descending)")
    return key, desc


def decode_cursor(cursor: str, kind: str, sort: str) -> tuple[Any, int]:
    """The (sort value, id) a cursor of this list stands for; BadCursor in words otherwise."""
    return cursors.decode_cursor(cursor, kind, sort, lambda value: _value_ok(kind, sort, value))


def _value_ok(kind: str, sort: str, value: Any) -> bool:
    key = sort.lstrip("-")
    if key in ("title", "name"):
        return isinstance(value, str) and "\x00" not in value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if key == "added":
        return math.isfinite(value) and abs(value) < 1e15
    return isinstance(value, int) and abs(value) < 2**63


def after_condition(kind: str, key: str, desc: bool, value: Any, row_id: int, *, row_value: bool = False):
    """The rows after (value, row_id) in the list's order. `row_value` (PostgreSQL): as the row
    comparison `(k, id) > (v, i)`, which its B-tree takes whole as the index range; the SQLite form
    ranges on `k` alone and filters the ties one by one (5,000 movies without a year, 1,500 of one
    year: 1-7 ms of a cursor page at 166,667 movies)."""
    model = md.ENTITY_MODELS[kind]
    k = sort_expr(kind, key)
    if key == "id":
        return model.id < row_id if desc else model.id > row_id
    if row_value:
        here, there = pw.Tuple(k, model.id), pw.Tuple(value, row_id)
        return here < there if desc else here > there
    if desc:
        return (k <= value) & ((k < value) | (model.id < row_id))
    return (k >= value) & ((k > value) | (model.id > row_id))


_texts: dict[tuple[bool, str, str, bool], tuple[str, str]] = {}   # bounded: databases x kinds x sorts


def _page_texts(kind: str, key: str, desc: bool) -> tuple[str, str]:
    """The text of a page's columns (SUMMARY_FIELDS, then the sort value) and of its ORDER BY,
    rendered by peewee once per sort: rendering their expressions anew took 0.13 ms of every list
    request, more than half of building its statement."""
    model = md.ENTITY_MODELS[kind]
    name = (is_sqlite(model._meta.database), kind, key, desc)
    texts = _texts.get(name)
    if texts is None:
        fields = [getattr(model, f) for f in SUMMARY_FIELDS[kind]]
        order = order_by(kind, ("-" if desc else "") + key)
        sql, _ = model.select(*fields, sort_expr(kind, key).alias("_sort_value")).order_by(*order).sql()
        head, _, tail = sql.partition(" FROM ")
        texts = _texts[name] = (head.removeprefix("SELECT "), tail.partition(" ORDER BY ")[2])
    return texts


def order_by(kind: str, sort: str | None) -> list:
    """The ORDER BY of a list: its sort expression, then the id, in the sort's direction."""
    key, desc = parse_sort(kind, sort)
    model = md.ENTITY_MODELS[kind]
    k = sort_expr(kind, key)
    order = [k.desc(), model.id.desc()] if desc else [k.asc(), model.id.asc()]
    return order[1:] if key == "id" else order


@dataclass
class ListPage:
    """One page of a list. Unpacks as `(rows, total)`, as `list_entities` answered before."""
    rows: list = field(default_factory=list)
    total: int = 0
    total_estimated: bool = False
    next_cursor: str | None = None

    def __iter__(self):
        return iter((self.rows, self.total))


def fetch(kind: str, query, *, sort: str | None, limit: int, offset: int, after: str | None,
          poster_sql: str | None = None):
    """The page's rows (row_of's, at most `limit`) and the cursor of the next page (None at
    the end). One query: `limit + 1` rows are read to know whether there is a next page.
    `poster_sql` (an expression of `p.id`): each row also gets it as `_poster`, computed for the
    page's rows only (an outer select of the page; PostgreSQL keeps a subquery with LIMIT apart)."""
    rows, cursor, _ = fetch_with(kind, query, sort=sort, limit=limit, offset=offset, after=after,
                                 poster_sql=poster_sql)
    return rows, cursor


def fetch_with(kind: str, query, *, sort: str | None, limit: int, offset: int, after: str | None,
               poster_sql: str | None = None, extra: list[tuple[str, list]] = ()):
    """`fetch`, and the values of `extra` (scalar SELECT expressions and their parameters, with
    `poster_sql` only) sent in the same statement: (rows, cursor, those values, or None when the
    page is empty)."""
    key, desc = parse_sort(kind, sort)
    sort_name = ("-" if desc else "") + key
    model = md.ENTITY_MODELS[kind]
    if after:
        if offset:
            raise BadQuery("give either 'after' (a cursor) or 'offset', not both")
        value, row_id = decode_cursor(after, kind, sort_name)
        query = query.where(after_condition(kind, key, desc, value, row_id,
                                            row_value=not is_sqlite(model._meta.database)))
    names = list(SUMMARY_FIELDS[kind])
    columns, order = _page_texts(kind, key, desc)   # the same text as the expressions' own
    page = query.select(pw.SQL(columns)).order_by(pw.SQL(order)).limit(limit + 1).offset(offset)
    sql, params = page.sql()
    if poster_sql is not None:
        cols = ", ".join(f'p."{model._meta.fields[n].column_name}"' for n in names)
        # uncorrelated subqueries: each run once for the statement, not per row
        more_sql = "".join(f", ({x})" for x, _ in extra)
        params = [*(p for _, ps in extra for p in ps), *params]
        sql = f"SELECT {cols}, p._sort_value, {poster_sql}{more_sql} FROM ({sql}) AS p"
    found = model._meta.database.execute_sql(sql, params).fetchall()
    values = None
    if extra and found and poster_sql is not None:
        values = list(found[0][-len(extra):])
        found = [r[:-len(extra)] for r in found]
    spec = converters(model, names)
    rows = [row_of(model, names, r, spec) for r in found]
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(kind, sort_name, plain(rows[-1]._sort_value), rows[-1].id) if more and rows else None
    return rows, cursor, values


# fields whose python_value answers a value of this type unchanged (exact classes: a subclass such
# as a JSON text field converts)
_PLAIN = {pw.AutoField: int, pw.IntegerField: int, pw.BigIntegerField: int, pw.CharField: str, pw.TextField: str}
_converters: dict[tuple, list] = {}   # (model, names) -> [(name, plain type, python_value)]; bounded: kinds


def converters(model, names: list[str]) -> list:
    """What `row_of` converts the `names` columns with: [(name, plain type, python_value)]."""
    key = (model, tuple(names))
    spec = _converters.get(key)
    if spec is None:
        fields = model._meta.fields
        spec = _converters[key] = [(n, _PLAIN.get(type(fields[n])), fields[n].python_value) for n in names]
    return spec


def row_of(model, names: list[str], values, spec: list | None = None) -> SimpleNamespace:
    """A list's row as attributes: the `names` columns, then `_sort_value`, then `_poster` when
    the row has it. Not a model instance: building 51 of those took more of a list request's time
    than its statements (0.45 ms of 1.2 on SQLite). `spec`: `converters(model, names)`, asked once
    for a page's rows."""
    # a value the driver gave as the field's own type is what python_value would answer: not called
    # for it (9 calls a row were half of building a page's rows)
    row = SimpleNamespace(**{n: v if v is None or type(v) is t else conv(v)
                             for (n, t, conv), v in zip(spec or converters(model, names), values, strict=False)})
    row._sort_value = values[len(names)]
    row._poster = values[len(names) + 1] if len(values) > len(names) + 1 else None
    return row


def plain(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str) else str(value)
