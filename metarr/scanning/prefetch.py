"""The files a batch of units will read (NFOs, artwork) asked of the kernel ahead of the reads.

A first scan reads every folder's NFO and images (the NFO import, the artwork's hashes). Where
they are not in the page cache (a library larger than memory, or one the kernel has not touched in
a while) each read waited on the disk in turn: 0.6 ms a folder of four small files at 1,000,002
files (#32). A thread opens the batch's files and asks for them with POSIX_FADV_WILLNEED, so the
disk fetches them together while the units before them are applied; nothing is read into Python.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from concurrent.futures import Executor, ThreadPoolExecutor

from metarr.scanning.classify import IMAGE_EXT, split_name

READ_EXT = frozenset({"nfo", *IMAGE_EXT})   # what applying a unit reads of its files


def read_later(paths: Iterable[str]) -> list[str]:
    """The paths (relative to the library) that applying their units will read, in order."""
    return [p for p in paths if split_name(p.rpartition("/")[2])[1] in READ_EXT]


def advise(root: str, paths: Iterable[str], advice: int | None = None) -> None:
    """Ask the kernel to fetch these files (best effort: a file gone or unreadable is skipped; a
    FIFO is not waited on). `advice`: another POSIX_FADV_* (a benchmark drops pages with DONTNEED)."""
    advice = os.POSIX_FADV_WILLNEED if advice is None else advice
    for p in paths:
        try:
            fd = os.open(os.path.join(root, p), os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, advice)
        except OSError:
            pass
        finally:
            os.close(fd)


class Prefetcher:
    """One thread that asks for a batch's files while the scan applies the batch before (a no-op
    where the system has no posix_fadvise)."""

    def __init__(self) -> None:
        self._pool: Executor | None = None

    def ahead(self, root: str, paths: Iterable[str]) -> None:
        if not hasattr(os, "posix_fadvise"):
            return
        todo = read_later(paths)
        if not todo:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-prefetch")
        self._pool.submit(advise, root, todo)

    def close(self) -> None:
        if self._pool is not None:
            with contextlib.suppress(Exception):
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
