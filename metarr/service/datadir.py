"""One process at a time runs Metarr on an SQLite data directory and its database file (which has
one writer, and whose in-memory pacing has one owner): each is locked, so another data dir naming
the same database file is refused too. PostgreSQL deployments share a database freely."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DataDirBusy(RuntimeError):
    pass


def lock(data_dir: Path, database: str | None = None) -> list[IO]:
    """Hold `<data dir>/metarr.lock` and, for an SQLite `database` file, `<file>.lock` beside it, for
    the life of the process (the kernel releases them when the process dies, kill -9 included).
    Raises DataDirBusy naming the process that holds one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    held = [_lock_file(data_dir / "metarr.lock", str(data_dir))]
    if database and database != ":memory:":
        db = Path(os.path.abspath(database))
        db.parent.mkdir(parents=True, exist_ok=True)
        try:
            held.append(_lock_file(db.with_name(db.name + ".lock"), f"the database {db}"))
        except DataDirBusy:
            for f in held:
                f.close()
            raise
    return held


def _lock_file(path: Path, what: str) -> IO:
    f = open(path, "a+")   # noqa: SIM115 - held open on purpose
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or "?"
        f.close()
        raise DataDirBusy(f"another Metarr process (pid {holder}) is using {what}") from None
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f
