"""library_files.mtime_ns: lets a republish trust an unchanged file without hashing it."""
from metarr.db.media import LibraryFile
from metarr.db.migrate import add_column_if_missing


def up(db):
    add_column_if_missing(db, LibraryFile, "mtime_ns")
