"""Indexes for the API's browse lists (scripts/bench_api.py: 50,000 movies, a page of 50, sorted and
filtered by a title substring).

One partial index per sort of the lists (title, year, date added) over the live rows only
(`deleted_at IS NULL`, which every list filters on), each carrying `title` and `deleted_at` so that
both the page query and its `COUNT(*)` are answered from the index alone: a `LIKE '%…%'` filter
then reads the narrow index instead of every wide row, and the page walks the index in sort order
and stops after `offset + limit` matches. The title sort is on `COALESCE(sort_title, title)`,
exactly the expression `metarr.library.browse` orders by.

The full index on `deleted_at` of these tables (a column that is NULL on nearly every row) is replaced
by a partial one over the deleted rows, which is all it was good for: without planner statistics
(SQLite has none unless someone runs ANALYZE) SQLite took `deleted_at IS NULL` for a selective
lookup through that index, visiting every row in index order — 3x slower than the list indexes.
"""
INDEXES = (
    ("movies_live_title", "movies", "COALESCE(sort_title, title), id, title, deleted_at"),
    ("movies_live_year", "movies", "year, id, title, deleted_at"),
    ("movies_live_added", "movies", "date_added, id, title, deleted_at"),
    ("series_live_title", "series", "COALESCE(sort_title, title), id, title, deleted_at"),
    ("series_live_year", "series", "year, id, title, deleted_at"),
    ("series_live_added", "series", "date_added, id, title, deleted_at"),
    ("artists_live_name", "artists", "COALESCE(sort_name, name), id, name, deleted_at"),
    ("albums_live_title", "albums", "title, id, deleted_at"),
)


TABLES = ("movies", "series", "artists", "albums")


def up(db):
    for name, table, columns in INDEXES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}) WHERE deleted_at IS NULL")
    for table in TABLES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {table}_deleted ON {table} (deleted_at) WHERE deleted_at IS NOT NULL")
        db.execute_sql(f"DROP INDEX IF EXISTS {table}_deleted_at")
