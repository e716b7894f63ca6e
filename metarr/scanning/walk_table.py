"""The walk of a scan as a table in the database, so that comparing it with the library's file rows
(new, changed, missing) is a join there and not sets of a million paths in Python. SQLite: a table in
a database file of its own, attached for the scan (a TEMP table would live in memory: the service
runs with temp_store=memory), without journal or sync. PostgreSQL: a TEMP table of the connection.

Only a scan whose walk the remembered digest cannot vouch for fills it (a first scan, a rescan that
finds a change); results are read in pages, never as a whole."""
from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from metarr.db import statements
from metarr.db.database import SQLITE_PRAGMAS, is_sqlite
from metarr.scanning.walk import FileEntry

ROWS_PER_INSERT = 400
PAGE = 2000
STALE_S = 24 * 3600   # a walk table file this old is left by a killed process (no scan runs that long)


def _sweep(directory: Path) -> None:
    """Walk table files of scans killed before they could remove theirs."""
    for f in directory.glob(".metarr-scan-walk-*.db*"):
        with contextlib.suppress(OSError):
            if time.time() - f.stat().st_mtime > STALE_S:
                f.unlink()


class WalkTable:
    def __init__(self, db, directory: Path) -> None:
        self.db, self.sqlite = db, is_sqlite(db)
        self.m = statements.mark(db)
        self._file: Path | None = None
        token = uuid.uuid4().hex[:12]   # a scan inside another's (a test) has a table of its own
        _sweep(Path(directory))
        if self.sqlite:
            self.schema = f"scanwalk_{token}"
            self._file = Path(directory) / f".metarr-scan-walk-{token}.db"
            db.execute_sql(f"ATTACH DATABASE ? AS {self.schema}", (str(self._file),))
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -4000"):
                db.execute_sql(f"PRAGMA {self.schema}.{pragma}")
            self.name = f"{self.schema}.walk"
        else:
            self.name = f"metarr_scan_walk_{token}"
        self.db.execute_sql(f"CREATE {'' if self.sqlite else 'TEMP '}TABLE {self.name} (seq BIGINT PRIMARY KEY, "
                            "path TEXT NOT NULL, size BIGINT, mtime_ns BIGINT, inode BIGINT)")
        self.count = 0

    def load(self, chunks: Iterable[list[tuple[str, int, int, int]]]) -> None:
        m, seq = self.m, 0
        for chunk in chunks:
            for i in range(0, len(chunk), ROWS_PER_INSERT):
                part = chunk[i:i + ROWS_PER_INSERT]
                params: list = []
                for f in part:
                    params += (seq, *f)
                    seq += 1
                self.db.execute_sql(f"INSERT INTO {self.name} (seq, path, size, mtime_ns, inode) VALUES "
                                    + ", ".join([f"({m}, {m}, {m}, {m}, {m})"] * len(part)), params)
        self.count = seq
        if self.sqlite:
            # the index is built by one sort of every path: under the service's temp_store=memory its
            # runs would sit in memory (76 MB for a million files); on file they go to a temporary file
            self.db.execute_sql("PRAGMA temp_store = FILE")
            try:
                self.db.execute_sql(f"CREATE UNIQUE INDEX {self.schema}.walk_path ON walk (path)")
            finally:
                self.db.execute_sql(f"PRAGMA temp_store = {SQLITE_PRAGMAS['temp_store'].upper()}")
        else:
            self.db.execute_sql(f"CREATE UNIQUE INDEX {self.name}_path ON {self.name} (path)")
        if not self.sqlite:
            self.db.execute_sql(f"ANALYZE {self.name}")   # temp tables get no autovacuum statistics

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.execute_sql(f"DROP TABLE IF EXISTS {self.name}")
        if self.sqlite:
            with contextlib.suppress(Exception):
                self.db.execute_sql(f"DETACH DATABASE {self.schema}")
            if self._file is not None:
                for suffix in ("", "-journal", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        Path(str(self._file) + suffix).unlink()

    def __enter__(self) -> WalkTable:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # ------------------------------------------------------------ the diff, as queries

    def _no_row(self, probe: bool = False) -> str:
        """`probe`: for a few walked rows (a page), each looks its path up in the index. PostgreSQL
        would otherwise join the page with a hash of every file row of the library, and while a
        first scan's transaction inserts them those have no statistics: at a million files its
        pages took 255 ms each (128 s of the scan) instead of 3 (#32). OFFSET 0 keeps the subquery
        a per-row subplan (SQLite probes the index per row anyway)."""
        seek = " OFFSET 0" if probe and not self.sqlite else ""
        return f"NOT EXISTS (SELECT 1 FROM media_files f WHERE f.library_id = {self.m} AND f.path = w.path{seek})"

    def new_count(self, library_id: int) -> int:
        return self.db.execute_sql(f"SELECT count(*) FROM {self.name} w WHERE {self._no_row()}",
                                   (library_id,)).fetchone()[0]

    def new_pages(self, library_id: int, skip: set[str] | frozenset = frozenset()) -> Iterator[list[FileEntry]]:
        """Walked files without a row (not even a soft-deleted one), in walk order, a page at a time;
        `skip`: paths taken as moves."""
        # by ranges of seq (0 … count-1, dense): a page is an index range of the walk, each of its rows
        # probing media_files by path. "seq > last … LIMIT" let PostgreSQL's planner hash every file
        # row of the library for each page (quadratic: 0.2 s a page at 18,000 files)
        for start in range(0, self.count, PAGE):
            rows = self.db.execute_sql(
                f"SELECT path, size, mtime_ns, inode FROM {self.name} w WHERE seq >= {self.m} AND seq < {self.m} "
                f"AND {self._no_row(probe=True)} ORDER BY seq", (start, start + PAGE, library_id)).fetchall()
            page = [FileEntry(*r) for r in rows if r[0] not in skip]
            if page:
                yield page

    def changed(self, library_id: int) -> list[FileEntry]:
        """Walked files whose row differs (size, mtime, inode) or is soft-deleted (seen again)."""
        ne = "IS NOT" if self.sqlite else "IS DISTINCT FROM"
        return [FileEntry(*r) for r in self.db.execute_sql(
            f"SELECT w.path, w.size, w.mtime_ns, w.inode FROM {self.name} w JOIN media_files f "
            f"ON f.library_id = {self.m} AND f.path = w.path WHERE f.size {ne} w.size OR f.mtime_ns {ne} w.mtime_ns "
            f"OR f.inode {ne} w.inode OR f.deleted_at IS NOT NULL ORDER BY w.seq", (library_id,)).fetchall()]

    def missing(self, library_id: int, cond: str, args: list) -> list:
        """Live rows (inside the scanned folder: `cond`) whose file the walk did not see, as
        (id, path, size, mtime_ns, inode, deleted_at)."""
        return self.db.execute_sql(
            f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files WHERE library_id = {self.m} "
            f"AND deleted_at IS NULL{cond} AND NOT EXISTS (SELECT 1 FROM {self.name} w WHERE w.path = media_files.path)",
            [library_id, *args]).fetchall()

    def new_with_inodes(self, library_id: int, inodes: list[int]) -> list[FileEntry]:
        """New walked files with one of these inodes: the candidates for a move of a missing row."""
        out: list[FileEntry] = []
        for i in range(0, len(inodes), 500):
            chunk = inodes[i:i + 500]
            out += [FileEntry(*r) for r in self.db.execute_sql(
                f"SELECT path, size, mtime_ns, inode FROM {self.name} w WHERE inode IN "
                f"({statements.marks(self.db, len(chunk))}) AND {self._no_row(probe=True)} ORDER BY seq",
                [*chunk, library_id]).fetchall()]
        return out

    def new_with_sizes(self, library_id: int, sizes: list[int]) -> list[FileEntry]:
        """New walked files of one of these sizes: the candidates for a move by content (a new inode)."""
        out: list[FileEntry] = []
        for i in range(0, len(sizes), 500):
            chunk = sizes[i:i + 500]
            out += [FileEntry(*r) for r in self.db.execute_sql(
                f"SELECT path, size, mtime_ns, inode FROM {self.name} w WHERE size IN "
                f"({statements.marks(self.db, len(chunk))}) AND {self._no_row(probe=True)} ORDER BY seq",
                [*chunk, library_id]).fetchall()]
        return out

    def new_at(self, library_id: int, paths: list[str]) -> list[FileEntry]:
        """New walked files at these paths."""
        out: list[FileEntry] = []
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            out += [FileEntry(*r) for r in self.db.execute_sql(
                f"SELECT path, size, mtime_ns, inode FROM {self.name} w WHERE path IN "
                f"({statements.marks(self.db, len(chunk))}) AND {self._no_row(probe=True)}", [*chunk, library_id]).fetchall()]
        return out
