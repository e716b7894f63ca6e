"""The lists' indexes, for their slowest requests at 166,667 movies (#32).

- Drop `movies_year`, the plain index on movies.year the model had from the start. Migration 0031's
  partial indexes on (year, sort, id, title) over the live rows answer every list filtered by year
  and carry all a bounded count needs. Without planner statistics SQLite took the plain index for
  that count instead (the same cost to it) and visited a row of the table for each of up to 1,001
  matches to check `deleted_at`: 1-13 ms against 0.1-0.3 ms from the partial index. A list of
  deleted movies by year takes the `deleted_at IS NOT NULL` index instead.
- PostgreSQL: the trigram indexes of the search (0032) keep a pending list of at most 256 kB
  instead of `gin_pending_list_limit`'s 4 MB. New titles wait there, unsorted, until the list is
  full or a vacuum merges it, and every search reads all of it: 305 pages of it made "golden city"
  take 9-11 ms instead of 2.6-4. The list left now is merged at once.
"""
from metarr.db.database import is_sqlite

TRIGRAM_TABLES = ("movies", "series", "artists", "albums")
PENDING_KB = 256


def up(db):
    db.execute_sql("DROP INDEX IF EXISTS movies_year")
    if is_sqlite(db):
        return
    for table in TRIGRAM_TABLES:
        name = f"{table}_fold_trgm"
        if db.execute_sql("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None:
            continue   # no pg_trgm: the search scans, there is no index to tune
        db.execute_sql(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_KB})")
        db.execute_sql("SELECT gin_clean_pending_list(%s::regclass)", (name,))
