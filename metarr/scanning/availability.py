"""Whether a library's folder is there at all. An unmounted share is an empty mount point and a disk
that did not come up is no folder: to a scan that looks like every film deleted, to a verification
like every published file missing (its remedy, a republish, would write the whole library into the
empty mount point). Neither may act on that: the job waits for the folder (metarr.jobs.waiting, the
place `library:N/unavailable`, no attempt used) and runs by itself once the files are back."""
from __future__ import annotations

import errno
import os

from metarr.db.database import is_sqlite, write_tx
from metarr.db.models import Library


class LibraryUnavailable(OSError):
    """The library's folder is gone or empty while files of it are known."""

    def __init__(self, lib: Library, known: int, what: str, trouble: str) -> None:
        super().__init__(errno.ENOMEDIUM, f"the library folder {trouble} but {known:,} {what} are known: not "
                                          "mounted? Nothing was changed; the job waits for the folder", lib.path)

    def __str__(self) -> str:   # the words, not "[Errno 123] …"
        return f"{self.filename}: {self.strerror}"


def root_trouble(lib: Library) -> str | None:
    """'cannot be read' for no folder; 'is empty' for a folder with nothing in it on another device
    than the one files were last found on (or none known): an empty mount point. None when it holds
    anything, or is empty on the same device (a library emptied by hand: its films were deleted)."""
    try:
        with os.scandir(lib.path) as it:
            if next(it, None) is not None:
                return None
        dev = os.stat(lib.path).st_dev
    except OSError:
        return "cannot be read"
    return None if lib.root_dev is not None and dev == lib.root_dev else "is empty"


def remember_device(db, lib: Library) -> None:
    """After a whole-library walk that found files: the root's device, if it changed."""
    try:
        dev = os.stat(lib.path).st_dev
    except OSError:
        return
    if dev != lib.root_dev:
        with write_tx(db):
            Library.update(root_dev=dev).where(Library.id == lib.id).execute()
        lib.root_dev = dev


def _known(db, table: str, library_id: int) -> int:
    m = "?" if is_sqlite(db) else "%s"
    live = " AND deleted_at IS NULL" if table == "media_files" else ""
    return db.execute_sql(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE library_id = {m}{live} LIMIT 1000) AS t",
                          (library_id,)).fetchone()[0]


def check_for_scan(db, lib: Library) -> None:
    """Before a whole-library scan that found no file applies it: raise when files of it are known."""
    trouble = root_trouble(lib)
    if trouble and (known := _known(db, "media_files", lib.id)):
        raise LibraryUnavailable(lib, known, "of its files", trouble)


def check_for_verify(db, lib: Library) -> None:
    """Before a verification: raise when the folder is not there and files were published into it."""
    trouble = root_trouble(lib)
    if trouble and (known := _known(db, "library_files", lib.id)):
        raise LibraryUnavailable(lib, known, "files published into it", trouble)
