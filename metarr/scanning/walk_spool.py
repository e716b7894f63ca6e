"""The walked files of a scan, held in bounded memory: chunks of marshalled (path, size, mtime_ns,
inode) tuples, kept in memory up to MEMORY_BYTES and beyond that in an unlinked temporary file. The
walk's hash (the remembered walk digest, `walk_digest`) is taken over the same bytes as they come.

A no-change rescan needs nothing more (the digest vouches for the rows); any other reads the chunks
back once, into the scan's walk table (`walk_table`)."""
from __future__ import annotations

import hashlib
import marshal
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

# marshal's version 2 has no back-references, so equal lists give equal bytes in every process
_MARSHAL_VERSION = 2
CHUNK_FILES = 2000          # files in one chunk (and one hashed piece of the walk)
MEMORY_BYTES = 4 << 20      # chunks beyond this go to a temporary file (about 50,000 files in memory)
_LEN = struct.Struct("<I")


class WalkSpool:
    def __init__(self, directory: Path | str | None = None, memory_bytes: int | None = None) -> None:
        self.directory = directory
        self.memory_bytes = MEMORY_BYTES if memory_bytes is None else memory_bytes
        self.count = 0
        self._pending: list[tuple[str, int, int, int]] = []
        self._memory: list[bytes] = []
        self._memory_size = 0
        self._file = None
        self.spilled = False   # whether chunks went to the temporary file
        self._hash = hashlib.blake2b(digest_size=20)
        self._done = False

    def add(self, files: list[tuple[str, int, int, int]]) -> None:
        self._pending += files
        while len(self._pending) >= CHUNK_FILES:
            self._put(self._pending[:CHUNK_FILES])
            del self._pending[:CHUNK_FILES]

    def finish(self) -> str:
        """The walk's hash (hex), once every file was added."""
        if not self._done:
            if self._pending:
                self._put(self._pending)
                self._pending = []
            self._done = True
        return self._hash.hexdigest()

    def _put(self, chunk: list) -> None:
        data = marshal.dumps(chunk, _MARSHAL_VERSION)
        self._hash.update(data)
        self.count += len(chunk)
        if self._file is None and self._memory_size + len(data) > self.memory_bytes:
            try:
                self._file = tempfile.TemporaryFile(dir=self.directory, prefix=".metarr-scan-walk-")
                self.spilled = True
            except OSError:   # no room or no rights there: memory it is (as before the spool)
                self.memory_bytes = 1 << 62
        if self._file is None:
            self._memory.append(data)
            self._memory_size += len(data)
            return
        self._file.write(_LEN.pack(len(data)))
        self._file.write(data)

    def chunks(self) -> Iterator[list[tuple[str, int, int, int]]]:
        """The walked files again, a chunk at a time, in walk order."""
        self.finish()
        for data in self._memory:
            yield marshal.loads(data)
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            while head := self._file.read(_LEN.size):
                yield marshal.loads(self._file.read(_LEN.unpack(head)[0]))
            self._file.seek(0, 2)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory = []

    def __enter__(self) -> WalkSpool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
