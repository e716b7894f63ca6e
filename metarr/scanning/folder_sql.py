"""SQL conditions for "inside this folder" that an index can seek to."""
from __future__ import annotations

from metarr.db.database import is_sqlite


def under(db, column: str, prefix: str) -> tuple[str, list]:
    """SQL for `column` inside folder `prefix` ('' = everything), in a form an index on the column can
    seek to: a test like substr() = … reads every row of the library, once per folder of a scan.
    SQLite compares text byte by byte, so the folder and everything in it lie in [prefix, prefix0) ('0'
    follows '/'); PostgreSQL's collation may not be byte order, so it gets an escaped LIKE."""
    if not prefix:
        return "", []
    if is_sqlite(db):   # the range to seek (it may hold a few neighbours like "prefix-2"), then the exact test
        return (f" AND {column} >= ? AND {column} < ? AND ({column} = ? OR substr({column}, 1, {len(prefix) + 1}) = ?)",
                [prefix, prefix + "0", prefix, prefix + "/"])
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    return f" AND ({column} = %s OR {column} LIKE %s)", [prefix, pattern]


def unit_filter(db, unit: str, column: str = "path") -> tuple[str, list]:
    if unit == "":
        return f" AND {column} NOT LIKE '%%/%%'" if not is_sqlite(db) else f" AND {column} NOT LIKE '%/%'", []
    return under(db, column, unit)
