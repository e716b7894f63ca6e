"""PostgreSQL: a list the planner expects to be short (a search of a rare word, a narrow filter):
its page and its exact total from one scan, in one statement.

Such a list's total is counted (metarr/library/list_count.py), so the page and the count each found
the same rows: for a search, two scans of the trigram index (8–25 ms each for "golden city" at
166,667 movies, most of a request's time) and two round trips. Here the matching rows, at most the
count's limit + 1, are taken once (a MATERIALIZED CTE bounded by LIMIT), counted, and the page is
sorted out of them; a LEFT JOIN keeps the count's row when the page is empty. More rows than the
limit (the estimate was wrong) answers None, and the list is read the usual way.
"""
from __future__ import annotations

from metarr import metadata as md
from metarr.library import list_page


def page_and_count(kind: str, query, *, sort: str | None, limit: int, offset: int, after: str | None,
                   cap: int, poster_sql: str) -> tuple[list, str | None, int] | None:
    """(rows, next cursor, exact total), or None when the list has more than `cap` rows. Each row
    has `_poster`, the value of `poster_sql` (an expression of `p.id`)."""
    key, desc = list_page.parse_sort(kind, sort)
    sort_name = ("-" if desc else "") + key
    model = md.ENTITY_MODELS[kind]
    names = list(list_page.SUMMARY_FIELDS[kind])
    fields = [getattr(model, f) for f in names]
    inner = query.select(*fields, list_page.sort_expr(kind, key).alias("_sort_value")).order_by().limit(cap + 1)
    inner_sql, params = inner.sql()
    params = list(params)
    where = ""
    if after:
        if offset:
            raise list_page.BadQuery("give either 'after' (a cursor) or 'offset', not both")
        value, row_id = list_page.decode_cursor(after, kind, sort_name)
        lt = "<" if desc else ">"
        if key == "id":
            where, extra = f"WHERE m.id {lt} %s", [row_id]
        else:
            where, extra = f"WHERE m._sort_value {lt}= %s AND (m._sort_value {lt} %s OR m.id {lt} %s)", \
                [value, value, row_id]
        params += extra
    direction = "DESC" if desc else "ASC"
    order = f"m.id {direction}" if key == "id" else f"m._sort_value {direction}, m.id {direction}"
    cols = ", ".join(f'p."{model._meta.fields[n].column_name}"' for n in names)
    sql = (f"WITH m AS MATERIALIZED ({inner_sql}) "
           f"SELECT c.n, {cols}, p._sort_value, {poster_sql} FROM (SELECT COUNT(*) AS n FROM m) AS c "
           f"LEFT JOIN LATERAL (SELECT * FROM m {where} ORDER BY {order} LIMIT %s OFFSET %s) AS p ON TRUE")
    params += [limit + 1, offset]
    found = model._meta.database.execute_sql(sql, params).fetchall()
    n = found[0][0]
    if n > cap:
        return None
    spec = list_page.converters(model, names)
    rows = [list_page.row_of(model, names, r[1:], spec) for r in found if r[1] is not None]
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = list_page.encode_cursor(kind, sort_name, list_page.plain(rows[-1]._sort_value), rows[-1].id) \
        if more and rows else None
    return rows, cursor, n

