"""Stream details of a scan's pending videos, read by the probe pool and written in batches."""
from __future__ import annotations

import os
import time
from pathlib import Path

from metarr.db import stream_facts
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import MediaFile
from metarr.db.models import Library
from metarr.scanning.folder_sql import under
from metarr.scanning.probe_pool import ProbePool
from metarr.scanning.report import Progress, ScanReport

PAGE = 1000   # pending videos read (and handed to the probe processes) at a time


def probe_pending(db, lib: Library, sub: str, workers: int, rep: ScanReport, progress: Progress,
                   pool: ProbePool | None, timeout: float) -> None:
    cond, args = under(db, "path", sub)
    p = "?" if is_sqlite(db) else "%s"
    # SQLite, without statistics, would pick the wider live-files index (it also starts with
    # library_id) and read every row of the library; PostgreSQL's planner knows the partial one is tiny
    hint = " INDEXED BY media_files_probe_pending" if is_sqlite(db) else ""
    pending = (f"FROM media_files{hint} WHERE library_id = {p} AND kind = 'video' AND deleted_at IS NULL "
               f"AND probed_at IS NULL AND probe_error IS NULL" + cond)
    total = db.execute_sql(f"SELECT count(*) {pending}", [lib.id, *args]).fetchone()[0]
    if not total:
        return
    if pool is None:   # a scan outside the service (CLI, scripts, tests): a pool for this scan only
        with ProbePool(workers, timeout) as own:
            return probe_pending(db, lib, sub, workers, rep, progress, own, timeout)
    root = Path(lib.path)
    batch: list[tuple[int, dict | None, str | None]] = []

    def flush() -> None:
        # one transaction per batch: a crash loses at most the batch, whose files stay pending
        with write_tx(db):
            for fid, streams, err in batch:
                MediaFile.update(streams=streams, probe_error=err, probed_at=time.time(),
                                 **stream_facts.facts(streams)).where(
                    MediaFile.id == fid).execute()
        batch.clear()

    last, after, done = time.monotonic(), None, 0
    while True:   # the pending videos a page at a time (in the index's path order), not all at once
        todo = db.execute_sql(f"SELECT id, path, size, mtime_ns {pending}{'' if after is None else f' AND path > {p}'} "
                              f"ORDER BY path LIMIT {PAGE}",
                              [lib.id, *args] + ([] if after is None else [after])).fetchall()
        if not todo:
            break
        after = todo[-1][1]
        for i, streams, err in pool.run([str(root / t[1]) for t in todo], timeout):
            fid, path, size, mtime_ns = todo[i]
            # a file changing under the read explains a failed read too: that reason wins
            err = still_written(str(root / path), size, mtime_ns) or err
            batch.append((fid, None if err else streams, err))
            rep.probes += 1
            done += 1
            progress("probe", done, max(total, done), "")
            if err:
                rep.problems.append((path, f"stream details: {err}"))
            if len(batch) >= 200 or time.monotonic() - last > 1.0:
                flush()
                last = time.monotonic()
    if batch:
        flush()


def still_written(path: str, size: int, mtime_ns: int) -> str | None:
    """Why the details just read cannot stand: the file changed since the walk (a download or copy
    still writing it). It is read again once a scan sees it settled."""
    try:
        st = os.stat(path)
    except OSError as e:
        return f"the file went away while it was read ({e.strerror})"
    if st.st_size != size or st.st_mtime_ns != mtime_ns:
        return "the file changed while it was read (still being written?); it is read again on the next scan"
    return None
