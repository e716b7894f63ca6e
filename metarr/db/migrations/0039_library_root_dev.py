"""libraries.root_dev: the device of a library's root folder when a scan last found files in it, so
that an empty root on another device (a share that is not mounted) is told from a library emptied by
hand (metarr/scanning/availability.py). Filled now for the roots that hold something."""
import os

from metarr.db.database import is_sqlite
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Library


def up(db):
    add_column_if_missing(db, Library, "root_dev")
    for lib_id, path in db.execute_sql("SELECT id, path FROM libraries").fetchall():
        try:
            with os.scandir(path) as it:
                if next(it, None) is None:
                    continue
            dev = os.stat(path).st_dev
        except OSError:
            continue
        mark = "?" if is_sqlite(db) else "%s"
        db.execute_sql(f"UPDATE libraries SET root_dev = {mark} WHERE id = {mark}", (dev, lib_id))
