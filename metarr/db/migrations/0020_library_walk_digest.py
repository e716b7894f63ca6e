"""libraries.walk_digest: the last whole-library walk, remembered in the database rather than in
one process's memory, so the first no-change rescan after a restart reads no file rows either."""
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Library


def up(db):
    add_column_if_missing(db, Library, "walk_digest")
