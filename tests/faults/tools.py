"""Faults an operator's bad day brings, made real for the tests: a small tmpfs that fills up (the
data dir, or the disk SQLite's file is on), and PostgreSQL going away for one test's connections
(a TCP relay in front of the server that the test cuts, as a server restart does)."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


class Tmpfs:
    """A tmpfs of `size` (root needed: skips otherwise), mounted on a folder of its own under /tmp:
    not under pytest's tmp_path, which a concurrent pytest run may rename away while it is mounted.
    `fill()` leaves no free byte, `free()` gives the space back (the user deleted something)."""

    def __init__(self, name: str, size: str = "64m") -> None:
        self.name, self.size = name, size
        self.mnt = Path(tempfile.mkdtemp(prefix=f"metarr-{name}-"))
        self.filler = self.mnt / "filler.bin"
        self.mounted = False

    def mount(self) -> Tmpfs:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs", str(self.mnt)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.mnt.rmdir()
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode})")
        self.mounted = True
        return self

    def fill(self, sqlite_file: Path | None = None) -> None:
        """Fill the disk. With `sqlite_file`: first empty its write-ahead log (a full checkpoint,
        truncated), or SQLite would go on writing into the log's old pages as if nothing happened."""
        if sqlite_file is not None:
            checkpoint(sqlite_file)
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (1 << 20, 65536, 4096, 512, 1):   # down to the last byte of the last page
                buf = b"\0" * chunk
                while True:
                    try:
                        os.write(fd, buf)
                    except OSError:
                        break
        finally:
            os.close(fd)
        st = os.statvfs(self.mnt)
        assert st.f_bavail == 0, f"{st.f_bavail} blocks still free"

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def remount(self, how: str) -> None:
        """`ro`: the disk goes read-only (a share remounted, a failing disk); `rw`: writable again."""
        r = subprocess.run(["mount", "-o", f"remount,{how}", str(self.mnt)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.mnt)], capture_output=True)
            subprocess.run(["umount", "-l", str(self.mnt)], capture_output=True)
            self.mounted = False
            try:
                self.mnt.rmdir()
            except OSError:
                pass


class Share:
    """A share: its files on a tmpfs of their own (the NAS), bind-mounted on the library's folder, a
    mount point on another device, as an NFS or SMB mount is. `unmount()` leaves the empty folder."""

    def __init__(self, mount_point: Path) -> None:
        self.nas = Tmpfs("nas", "16m").mount()
        self.at = mount_point
        self.at.mkdir(parents=True)

    def mount(self) -> None:
        r = subprocess.run(["mount", "--bind", str(self.nas.mnt), str(self.at)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.at)], capture_output=True)

    def close(self) -> None:
        self.unmount()
        self.nas.unmount()


def checkpoint(sqlite_file: Path, timeout: float = 10.0) -> None:
    """Move the whole log into the database and truncate it (retried while readers are mid-read)."""
    c = sqlite3.connect(str(sqlite_file), timeout=5, isolation_level=None)
    try:
        end = time.monotonic() + timeout
        while True:
            busy, _, _ = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            wal = Path(f"{sqlite_file}-wal")
            if not busy and (not wal.exists() or wal.stat().st_size == 0):
                return
            assert time.monotonic() < end, "the write-ahead log could not be checkpointed"
            time.sleep(0.05)
    finally:
        c.close()


class PgRelay:
    """A TCP relay in front of PostgreSQL: the test's processes connect through it. `down()` closes
    every relayed connection and refuses new ones (what a PostgreSQL restart looks like to a
    client), `up()` lets them in again. Other tests' connections to the server are not touched."""

    def __init__(self, pg_url: str) -> None:
        u = urlsplit(pg_url)
        self.upstream = (u.hostname or "127.0.0.1", u.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_down = False
        self.closed = False
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, name="pg-relay", daemon=True).start()

    def url(self, pg_url: str) -> str:
        """The same URL through the relay."""
        u = urlsplit(pg_url)
        auth = u.netloc.rsplit("@", 1)[0] + "@" if "@" in u.netloc else ""
        return urlunsplit((u.scheme, f"{auth}127.0.0.1:{self.port}", u.path, u.query, u.fragment))

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_down:
                client.close()   # refused, as a server that is not up
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, server)
            with self.lock:
                self.pairs.add(pair)
            for a, b in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(a, b, pair), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair) -> None:
        with self.lock:
            self.pairs.discard(pair)
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def down(self) -> None:
        self.is_down = True
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._drop(pair)

    def up(self) -> None:
        self.is_down = False

    def close(self) -> None:
        self.closed = True
        self.down()
        self.listener.close()
