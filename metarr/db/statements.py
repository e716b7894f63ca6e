"""Statements whose SQL text depends only on the table and the columns named, built once per shape
and run again with fresh parameters.

Peewee rebuilds a query's text from its expression tree on every execute. For the scan's per-item
writes (a movie row, its field states, its lists, its artwork slots) that costs several times what
the database spends running them: py-spy put peewee's SQL generation at a third of a first scan and
the database itself at a fifteenth. Values go through each field's `db_value` (JSON, booleans,
numbers) exactly as peewee would convert them, and an insert fills the model's Python-side
defaults, so rows written here are the rows peewee would write.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import peewee as pw

from metarr.db import deferred
from metarr.db.database import is_sqlite


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _mark(sqlite: bool) -> str:
    return "?" if sqlite else "%s"


def mark(db: pw.Database) -> str:
    """The parameter placeholder of the database's driver (sqlite3: ?, psycopg: %s)."""
    return _mark(is_sqlite(db))


def marks(db: pw.Database, count: int) -> str:
    """`count` placeholders separated by commas, for an IN (…) list."""
    return ", ".join([mark(db)] * count)


# rows written by one multi-row statement on PostgreSQL (`insert_many`, `update_many`)
BATCH_PAGE = 200


def _execute_many(db: pw.Database, sql: str, params: list[tuple]) -> None:
    """SQLite: one executemany (no round trips to save)."""
    if len(params) == 1:
        db.execute_sql(sql, params[0])
    else:
        db.cursor().executemany(sql, params)


def _pages(rows: list, size: int = BATCH_PAGE):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


@lru_cache(maxsize=512)
def _insert_sql(table: str, columns: tuple[str, ...], sqlite: bool, returning: bool) -> str:
    marks = ", ".join([_mark(sqlite)] * len(columns))
    sql = f"INSERT INTO {_q(table)} ({', '.join(map(_q, columns))}) VALUES ({marks})"
    return sql + (' RETURNING "id"' if returning and not sqlite else "")


@lru_cache(maxsize=512)
def _upsert_sql(table: str, columns: tuple[str, ...], conflict: tuple[str, ...], update: tuple[str, ...],
                sqlite: bool) -> str:
    action = ("DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in update)) if update else "DO NOTHING"
    return (_insert_sql(table, columns, sqlite, False)
            + f" ON CONFLICT ({', '.join(map(_q, conflict))}) {action}")


@lru_cache(maxsize=512)
def _values_sql(table: str, columns: tuple[str, ...], count: int, conflict: tuple[str, ...] | None,
                update: tuple[str, ...]) -> str:
    """PostgreSQL: one INSERT of `count` rows (a statement per row made a first scan's field states,
    file links and artwork slots a third of its statements, each parsed and planned on its own)."""
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {_q(table)} ({', '.join(map(_q, columns))}) VALUES {', '.join([row] * count)}"
    if conflict is None:
        return sql
    action = ("DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in update)) if update else "DO NOTHING"
    return sql + f" ON CONFLICT ({', '.join(map(_q, conflict))}) {action}"


def merged_rows(rows: Sequence[Mapping[str, Any]], conflict: tuple[str, ...], update: tuple[str, ...]
                ) -> list[dict[str, Any]]:
    """Rows that share a conflict key as one: what inserting them one after the other leaves (the
    first one's values, the `update` fields of the last). One statement may not touch a row twice."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = tuple(r[c] for c in conflict)
        have = out.get(key)
        if have is None:
            out[key] = dict(r)
        else:
            have.update({u: r[u] for u in update})
    return list(out.values())


def _pg_type(db: pw.Database, field: pw.Field) -> str:
    ctx = db.get_sql_context()
    sql = db.get_sql_context().sql(field.ddl_datatype(ctx)).query()[0]
    return {"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}.get(sql, sql)


@lru_cache(maxsize=512)
def _update_values_sql(table: str, columns: tuple[str, ...], types: tuple[str, ...], key: str, count: int) -> str:
    """PostgreSQL: one UPDATE of `count` rows by key from a VALUES list (the first row's values cast
    to the columns' types: a list of NULLs or numbers is not known to be text, say)."""
    first = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    row = "(" + ", ".join(["%s"] * len(types)) + ")"
    names = ", ".join(map(_q, (*columns, key)))
    return (f"UPDATE {_q(table)} SET {', '.join(f'{_q(c)} = v.{_q(c)}' for c in columns)} "
            f"FROM (VALUES {', '.join([first] + [row] * (count - 1))}) AS v ({names}) "
            f"WHERE {_q(table)}.{_q(key)} = v.{_q(key)}")


@lru_cache(maxsize=512)
def _update_sql(table: str, columns: tuple[str, ...], where: tuple[str, ...], sqlite: bool) -> str:
    m = _mark(sqlite)
    return (f"UPDATE {_q(table)} SET {', '.join(f'{_q(c)} = {m}' for c in columns)} "
            f"WHERE {' AND '.join(f'{_q(c)} = {m}' for c in where)}")


def _fields(model: type[pw.Model], names: Iterable[str]) -> list[pw.Field]:
    fields = model._meta.fields
    return [fields[n] for n in names]


def _with_defaults(model: type[pw.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` plus the model's Python-side defaults for the fields it leaves out (what peewee's
    insert adds; the database itself knows none of them)."""
    row = dict(values)
    for f, default in model._meta.defaults.items():
        if f.name not in row:
            row[f.name] = default() if callable(default) else default
    return row


def _params(fields: Sequence[pw.Field], row: Mapping[str, Any]) -> tuple:
    return tuple(f.db_value(row[f.name]) for f in fields)


def insert(db: pw.Database, model: type[pw.Model], values: Mapping[str, Any]) -> int:
    """Insert one row (defaults filled in); returns its id."""
    row = _with_defaults(model, values)
    names = tuple(row)
    fields = _fields(model, names)
    sqlite = is_sqlite(db)
    table = model._meta.table_name
    drawn = None if sqlite or "id" in row or not isinstance(model._meta.primary_key, pw.AutoField) \
        else deferred.new_id(db, table)
    if drawn is not None:   # inside deferred writes: the id drawn ahead, the INSERT held (no RETURNING)
        row = {"id": drawn, **row}
        fields = _fields(model, tuple(row))
        db.execute_sql(_insert_sql(table, tuple(f.column_name for f in fields), sqlite, False), _params(fields, row))
        return drawn
    sql = _insert_sql(table, tuple(f.column_name for f in fields), sqlite, True)
    cur = db.execute_sql(sql, _params(fields, row))
    return cur.lastrowid if sqlite else cur.fetchone()[0]


def insert_many(db: pw.Database, model: type[pw.Model], rows: Sequence[Mapping[str, Any]],
                conflict: tuple[str, ...] = (), update: tuple[str, ...] = ()) -> None:
    """Insert rows that all name the same fields, in one executemany. With `conflict` (the fields of
    a unique index): an existing row gets the `update` fields of the new one (none: it is kept)."""
    if not rows:
        return
    full = [_with_defaults(model, r) for r in rows]
    names = tuple(full[0])
    if any(tuple(r) != names for r in full):
        raise ValueError("insert_many: every row must name the same fields in the same order")
    fields = _fields(model, names)
    cols = tuple(f.column_name for f in fields)
    table, sqlite = model._meta.table_name, is_sqlite(db)
    conflict_cols = tuple(c.column_name for c in _fields(model, conflict))
    update_cols = tuple(c.column_name for c in _fields(model, update))
    if not sqlite and len(full) > 1:
        if conflict:
            full = merged_rows(full, conflict, update)
        for page in _pages(full):
            db.execute_sql(_values_sql(table, cols, len(page), conflict_cols if conflict else None, update_cols),
                           [v for r in page for v in _params(fields, r)])
        return
    if conflict:
        sql = _upsert_sql(table, cols, conflict_cols, update_cols, sqlite)
    else:
        sql = _insert_sql(table, cols, sqlite, False)
    _execute_many(db, sql, [_params(fields, r) for r in full])


def update(db: pw.Database, model: type[pw.Model], values: Mapping[str, Any], **where: Any) -> None:
    """UPDATE model SET values WHERE field = value AND …"""
    set_fields = _fields(model, values)
    where_fields = _fields(model, where)
    sql = _update_sql(model._meta.table_name, tuple(f.column_name for f in set_fields),
                      tuple(f.column_name for f in where_fields), is_sqlite(db))
    db.execute_sql(sql, _params(set_fields, values) + _params(where_fields, where))


def update_many(db: pw.Database, model: type[pw.Model], names: tuple[str, ...], key: str,
                rows: Sequence[Sequence[Any]]) -> None:
    """One UPDATE per row in one executemany: each row holds the values of `names`, then its `key`."""
    if not rows:
        return
    set_fields, (key_field,) = _fields(model, names), _fields(model, (key,))
    params = [tuple(f.db_value(v) for f, v in zip((*set_fields, key_field), r, strict=True)) for r in rows]
    if not is_sqlite(db) and len(params) > 1:
        params = list({p[-1]: p for p in params}.values())   # a key given twice: the last row wins, as in turn
        cols = tuple(f.column_name for f in set_fields)
        types = tuple(_pg_type(db, f) for f in (*set_fields, key_field))
        for page in _pages(params):
            db.execute_sql(_update_values_sql(model._meta.table_name, cols, types, key_field.column_name, len(page)),
                           [v for p in page for v in p])
        return
    sql = _update_sql(model._meta.table_name, tuple(f.column_name for f in set_fields), (key_field.column_name,),
                      is_sqlite(db))
    _execute_many(db, sql, params)


@lru_cache(maxsize=512)
def _delete_sql(table: str, where: tuple[str, ...], column: str, count: int, sqlite: bool) -> str:
    m = _mark(sqlite)
    return (f"DELETE FROM {_q(table)} WHERE {' AND '.join(f'{_q(c)} = {m}' for c in where)}"
            f" AND {_q(column)} IN ({', '.join([m] * count)})")


def delete_in(db: pw.Database, model: type[pw.Model], field: str, values: Sequence[Any], **where: Any) -> None:
    """DELETE FROM model WHERE field = value AND … AND `field` IN `values`."""
    if not values:
        return
    where_fields, (in_field,) = _fields(model, where), _fields(model, (field,))
    sql = _delete_sql(model._meta.table_name, tuple(f.column_name for f in where_fields), in_field.column_name,
                      len(values), is_sqlite(db))
    db.execute_sql(sql, _params(where_fields, where) + tuple(in_field.db_value(v) for v in values))
