"""Indexes for every sort and filter of the API's lists, and per-kind row counters (SQLite).

Each list sorts by one expression and the id (metarr/library/list_page.py: `COALESCE(sort_title,
title)`, `COALESCE(year, 0)`, `date_added`, `id`; NULL-free so that a cursor compares the same on
both databases). Over the live rows (`deleted_at IS NULL`, which every list filters on) there is an
index on (sort, id, title) for each, and one on (state, sort, id, title), (library_id, sort, id,
title) and (year, sort, id, title): a page, by offset or after a cursor, walks one of them in order and stops after `limit` rows
whatever the library's size, also when the filter keeps few rows. Migration 0005's year indexes are on `year`
(NULL-first on SQLite, NULL-last on PostgreSQL) and give way to `COALESCE(year, 0)` ones.

`entity_counts` (SQLite only) holds the rows per kind, library, state and live/deleted, kept by
triggers on the four list tables, so a list's `meta.total` above the exact-count limit is a sum of a
few rows (metarr/library/list_count.py). PostgreSQL takes the planner's estimate instead (a counter
row would serialise every writer of a kind).
"""
from metarr.db.database import is_sqlite

TABLES = {
    "movies": ("movie", {"title": "COALESCE(sort_title, title)", "year": "COALESCE(year, 0)", "added": "date_added",
                         "id": None}),
    "series": ("series", {"title": "COALESCE(sort_title, title)", "year": "COALESCE(year, 0)", "added": "date_added",
                          "id": None}),
    "artists": ("artist", {"name": "COALESCE(sort_name, name)", "added": "date_added", "id": None}),
    "albums": ("album", {"title": "title", "year": "COALESCE(year, 0)", "added": "date_added", "id": None}),
}
# (sort, id) indexes migration 0005 made already (they also carry the title, for a LIKE)
EXISTING = {("movies", "title"), ("movies", "added"), ("series", "title"), ("series", "added"),
            ("artists", "name"), ("albums", "title")}


def up(db):
    for table, (_kind, sorts) in TABLES.items():
        text = "name" if table == "artists" else "title"
        for name, expr in sorts.items():
            # the title rides along: a search of a common word walks the index in order and checks
            # the title there (metarr/library/list_search.py), without a visit to each row
            cols = f"{expr}, id, {text}" if expr else f"id, {text}"
            if expr and (table, name) not in EXISTING:
                _index(db, f"{table}_live_{name}_k", table, cols)
            _index(db, f"{table}_state_{name}", table, f"state, {cols}")
            _index(db, f"{table}_library_{name}", table, f"library_id, {cols}")
            if "year" in sorts:   # the year filter, under each sort
                _index(db, f"{table}_year_{name}", table, f"year, {cols}")
    for table in ("movies", "series"):
        db.execute_sql(f"DROP INDEX IF EXISTS {table}_live_year")
    if is_sqlite(db):
        _counters(db)


def _index(db, name: str, table: str, cols: str) -> None:
    db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols}) WHERE deleted_at IS NULL")


def _counters(db) -> None:
    db.execute_sql("CREATE TABLE IF NOT EXISTS entity_counts (kind VARCHAR(16) NOT NULL, library_id INTEGER NOT NULL, "
                   "state VARCHAR(16) NOT NULL, live INTEGER NOT NULL, n INTEGER NOT NULL, "
                   "PRIMARY KEY (kind, library_id, state, live))")
    for table, (kind, _sorts) in TABLES.items():
        add = ("INSERT INTO entity_counts (kind, library_id, state, live, n) "
               "VALUES ('{k}', {r}.library_id, {r}.state, {r}.deleted_at IS NULL, 1) "
               "ON CONFLICT (kind, library_id, state, live) DO UPDATE SET n = n + 1;")
        sub = ("UPDATE entity_counts SET n = n - 1 WHERE kind = '{k}' AND library_id = {r}.library_id "
               "AND state = {r}.state AND live = ({r}.deleted_at IS NULL);")
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {table}_count_ins AFTER INSERT ON {table} BEGIN "
                       f"{add.format(k=kind, r='NEW')} END")
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {table}_count_del AFTER DELETE ON {table} BEGIN "
                       f"{sub.format(k=kind, r='OLD')} END")
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {table}_count_upd AFTER UPDATE OF library_id, state, deleted_at "
                       f"ON {table} WHEN OLD.library_id IS NOT NEW.library_id OR OLD.state IS NOT NEW.state "
                       f"OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) BEGIN "
                       f"{sub.format(k=kind, r='OLD')} {add.format(k=kind, r='NEW')} END")
        db.execute_sql(f"INSERT INTO entity_counts (kind, library_id, state, live, n) "
                       f"SELECT '{kind}', library_id, state, deleted_at IS NULL, COUNT(*) FROM {table} "
                       f"GROUP BY library_id, state, deleted_at IS NULL")
