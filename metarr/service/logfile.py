"""A rotating log file that never ends in half a line: each record is one write(2) of the whole
line, and a write a full disk cuts short is taken back (the file truncated to where it began), so a
reader (or `soak.py`) never meets a cut-off JSON line. Records dropped while the disk is full are
counted, and the count is the first line written once there is space again."""
from __future__ import annotations

import logging
import logging.handlers
import os


class WholeLineFileHandler(logging.handlers.RotatingFileHandler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.shouldRollover(record):
                self.doRollover()
            if self.stream is None:
                self.stream = self._open()
            line = self._line(record)
            if self.dropped:
                note = logging.makeLogRecord({"name": __name__, "levelname": "WARNING", "levelno": logging.WARNING,
                                              "msg": f"{self.dropped} log record(s) dropped: the disk was full"})
                line = self._line(note) + line
            if self._write_whole(line):
                self.dropped = 0
            else:
                self.dropped += 1
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def _line(self, record: logging.LogRecord) -> bytes:
        return (self.format(record) + self.terminator).encode(self.encoding or "utf-8", "backslashreplace")

    def _write_whole(self, data: bytes) -> bool:
        """One write of the whole line; False (and nothing left behind) when the disk refuses part."""
        self.stream.flush()
        fd = self.stream.fileno()
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            written = os.write(fd, data)
        except OSError:
            written = 0
        if written == len(data):
            return True
        if written:
            try:
                os.ftruncate(fd, start)   # freeing blocks needs no space
            except OSError:
                pass
        return False
