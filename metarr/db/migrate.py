"""A small numbered-migration runner: `migrations/NNNN_name.py` files with `up(db)`.

Applied in order inside one write transaction each, recorded in `schema_migrations`. On PostgreSQL
an advisory lock keeps two starting processes from migrating at once. Released migrations are
never edited; a change to the schema is a new file.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
import time

import peewee as pw

from metarr.db import migrations as migrations_pkg
from metarr.db.database import is_sqlite, write_tx

log = logging.getLogger(__name__)


def available() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(migrations_pkg.__path__) if m.name[:4].isdigit()]
    return sorted(names)


def applied(db: pw.Database) -> set[str]:
    db.execute_sql("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(200) PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
    return {row[0] for row in db.execute_sql("SELECT name FROM schema_migrations").fetchall()}


def migrate(db: pw.Database) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    done: list[str] = []
    with db.connection_context() if db.is_closed() else _noop():
        if not is_sqlite(db):
            with db.atomic():
                db.execute_sql("SELECT pg_advisory_lock(727274)")
        try:
            have = applied(db)
            for name in available():
                if name in have:
                    continue
                module = importlib.import_module(f"{migrations_pkg.__name__}.{name}")
                with write_tx(db):
                    module.up(db)
                    db.execute_sql("INSERT INTO schema_migrations (name, applied_at) VALUES (%s, %s)"
                                   .replace("%s", "?" if is_sqlite(db) else "%s"), (name, time.time()))
                log.info("applied migration %s", name)
                done.append(name)
        finally:
            if not is_sqlite(db):
                db.execute_sql("SELECT pg_advisory_unlock(727274)")
    return done


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def add_column_if_missing(db: pw.Database, model: type[pw.Model], field_name: str) -> None:
    """For migrations that add a column to a table an earlier migration created from the models
    (a fresh install already has the column)."""
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
    from playhouse.migrate import migrate as run
    table = model._meta.table_name
    if field_name in {c.name for c in db.get_columns(table)}:
        return
    migrator = SqliteMigrator(db) if is_sqlite(db) else PostgresqlMigrator(db)
    run(migrator.add_column(table, field_name, model._meta.fields[field_name]))
