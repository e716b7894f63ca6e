"""One process at a time runs Metarr on an SQLite data directory (its database has one writer, its
in-memory pacing one owner); PostgreSQL deployments share a database between processes freely."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DataDirBusy(RuntimeError):
    pass


def lock(data_dir: Path) -> IO:
    """Hold `<data dir>/metarr.lock` for the life of the process (the kernel releases it when the
    process dies, kill -9 included). Raises DataDirBusy naming the process that holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = open(data_dir / "metarr.lock", "a+")   # noqa: SIM115 - held open on purpose
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or "?"
        f.close()
        raise DataDirBusy(f"another Metarr process (pid {holder}) is using {data_dir}") from None
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f
