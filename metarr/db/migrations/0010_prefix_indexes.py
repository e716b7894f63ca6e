"""PostgreSQL: indexes that serve `path LIKE 'folder/%'` (the scanner's "inside this folder" test)
whatever the database's collation; with a byte-order (C) collation the plain indexes already do,
with a locale collation every folder of a scan would read all of the library's rows. SQLite seeks
its plain indexes with a range instead (metarr.scanning.folder_sql.under) and needs nothing here."""
from metarr.db.database import is_sqlite

PREFIX_INDEXES = (("media_files", "path"), ("movies", "key"), ("series", "key"), ("artists", "key"))


def up(db):
    if is_sqlite(db):
        return
    for table, column in PREFIX_INDEXES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {table}_{column}_prefix ON {table} "
                       f"(library_id, {column} text_pattern_ops)")
