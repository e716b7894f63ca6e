"""Drop `movies_year`, the plain index on movies.year the model had from the start.

Migration 0031's partial indexes on (year, sort, id, title) over the live rows answer every list
filtered by year, and carry all a bounded count needs. Without planner statistics SQLite took the
plain index for that count instead (the same cost to it) and visited a row of the table for each of
up to 1,001 matches to check `deleted_at`: 1-13 ms at 166,667 movies against 0.1-0.3 ms from the
partial index. A list of deleted movies by year takes the `deleted_at IS NOT NULL` index instead.
"""


def up(db):
    db.execute_sql("DROP INDEX IF EXISTS movies_year")
