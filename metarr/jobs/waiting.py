"""Jobs that wait for the environment, not for a fix of their own: a library or the data directory
that cannot be written (disk full, read-only, no permission, I/O errors), or a database that is
down or busy. Such a failure is not the job's: it uses up no attempt, it waits with a growing pause
(capped at 30 minutes), and a cheap probe of the place (a test write) lets every job waiting on it
run again as soon as the place works. A waiting job's `blocked_on` column names the place and the
trouble: "library:3/full", "data/read-only", "database/unreachable".

Pure decisions, plus `probe_place` (a small write into a folder) and `Waits`, a thread-safe book of
the places jobs of this process wait on.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import peewee

from metarr.db.errors import causes, trouble

PAUSE_FIRST, PAUSE_MOST = 5.0, 1800.0   # a waiting job's next try, unless the probe lets it run sooner
GROWTH = 1 << 20       # free bytes a full disk must gain before its jobs try again without a failed probe
PROBE_NAME = ".metarr-tmp-probe"   # the watcher and the scan ignore Metarr's temp files

_FS_KINDS = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read-only", errno.EACCES: "no-permission",
             errno.EPERM: "no-permission", errno.EIO: "io", errno.ENOMEDIUM: "unavailable"}
WORDS = {"full": "disk full", "read-only": "read-only file system", "no-permission": "permission denied",
         "io": "I/O error", "unavailable": "the folder is empty or not mounted", "busy": "the database is busy", "unreachable": "the database cannot be reached"}


@dataclass(frozen=True)
class Blocked:
    place: str    # "library:<id>" | "data" | "database"
    kind: str     # "full" | "read-only" | "no-permission" | "io" | "busy" | "unreachable"

    @property
    def code(self) -> str:
        return f"{self.place}/{self.kind}"

    @property
    def library_id(self) -> int | None:
        return int(self.place.split(":", 1)[1]) if self.place.startswith("library:") else None

    @property
    def words(self) -> str:
        """"cannot write: disk full", "the database cannot be reached"…"""
        what = WORDS.get(self.kind, self.kind)
        return what if self.place == "database" or self.kind == "unavailable" else f"cannot write: {what}"


def parse_code(code: str | None) -> Blocked | None:
    if not code or "/" not in code:
        return None
    place, kind = code.rsplit("/", 1)
    return Blocked(place, kind)


def fs_error(exc: BaseException | None) -> OSError | None:
    """The file-system error behind `exc` that the environment is to blame for, if any."""
    for e in causes(exc):
        if isinstance(e, OSError) and not isinstance(e, ConnectionError) and e.errno in _FS_KINDS:
            return e
    return None


def _database_error(exc: BaseException | None) -> bool:
    return any(isinstance(e, peewee.PeeweeException | sqlite3.Error) or type(e).__module__.startswith("psycopg")
               for e in causes(exc))


def _under(path, root) -> bool:
    try:
        p, r = os.path.abspath(os.fsdecode(path)), os.path.abspath(os.fsdecode(root))
    except (TypeError, ValueError):
        return False
    return p == r or p.startswith(r.rstrip(os.sep) + os.sep)


def classify(exc: BaseException, job_type: str, library_id: int | None, library_root: str | None,
             data_dir: str | os.PathLike) -> Blocked | None:
    """The place and trouble that made a job fail, when it is the environment's (None: the job's
    own failure, which counts as an attempt). A file error names its file when it can; otherwise a
    publish wrote into its library, any other job into the data directory."""
    e = fs_error(exc)
    if e is not None:
        # a copy's error names both files: the one written (the second) is where the trouble is
        names = [n for n in (e.filename2, e.filename) if n]
        lib_place = f"library:{library_id}" if library_id is not None and library_root else None
        if lib_place and any(_under(n, library_root) for n in names[:1]):
            place = lib_place
        elif any(_under(n, data_dir) for n in names[:1]):
            place = "data"
        elif lib_place and any(_under(n, library_root) for n in names):
            place = lib_place
        else:
            place = lib_place if lib_place and job_type.startswith("publish.") else "data"
        return Blocked(place, _FS_KINDS[e.errno])
    if _database_error(exc):
        t = trouble(exc)
        if t is not None:
            return Blocked("database", t.kind if t.kind in ("busy", "unreachable") else t.kind)
    return None


def wait_pause(waited: float) -> float:
    """The next try of a job whose place has been failing for `waited` seconds: the pause grows with
    the wait (5 s, then about doubling), at most 30 minutes."""
    return min(PAUSE_MOST, max(PAUSE_FIRST, waited))


@dataclass
class PlaceState:
    since: float
    failed_probe: bool = False      # a probe of the place failed since its jobs began to wait
    free: int | None = None         # free bytes when first probed (a full disk)
    label: str = ""                 # the place in words, for health and status
    jobs: int = 0


def resumes(st: PlaceState, ok: bool, free: int | None, enough_if_ok: bool = False) -> bool:
    """Whether the jobs waiting on a place may run now: its probe works after one failed, or a full
    disk gained room (a nearly full disk takes the probe's few kilobytes, not the job's file).
    `enough_if_ok`: a working probe says it all (the database: its probe is a real write)."""
    if not ok:
        return False
    if st.failed_probe or enough_if_ok:
        return True
    return st.free is not None and free is not None and free >= st.free + GROWTH


def probe_place(path: str | os.PathLike, size: int = 4096) -> tuple[bool, int | None, str]:
    """A test write of a few kilobytes into `path` (removed again), and the free bytes there.
    (works, free bytes or None, why not in words)."""
    probe = Path(path) / PROBE_NAME
    free = None
    try:
        st = os.statvfs(path)
        free = st.f_bavail * st.f_frsize
    except OSError:
        pass
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if os.write(fd, b"\0" * size) < size:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.unlink(probe)
        return True, free, ""
    except OSError as e:
        try:
            os.unlink(probe)
        except OSError:
            pass
        return False, free, e.strerror or str(e)


def sentence(b: Blocked, label: str, jobs: int) -> str:
    """What the dashboard, health and status say about a place jobs wait on."""
    return f"{label}: {b.words}; {jobs} job(s) wait and resume by themselves once it works again"


class Waits:
    """The places jobs of this process wait on (thread-safe: workers note, the probe thread looks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._places: dict[str, PlaceState] = {}

    def note(self, code: str, now: float) -> float:
        """A job meets the trouble `code` now: the pause before its next try."""
        with self._lock:
            st = self._places.setdefault(code, PlaceState(since=now))
            return wait_pause(now - st.since)

    def look(self, code: str, ok: bool, free: int | None, now: float, label: str = "", jobs: int = 0,
             enough_if_ok: bool = False) -> bool:
        """The probe's result for a place; True when its jobs may run again (the place is then
        forgotten: a job that meets it again starts a new wait)."""
        with self._lock:
            st = self._places.get(code)
            if st is None:
                st = self._places[code] = PlaceState(since=now, free=free)
            if st.free is None:
                st.free = free
            st.label, st.jobs = label or st.label, jobs
            if resumes(st, ok, free, enough_if_ok):
                del self._places[code]
                return True
            if not ok:
                st.failed_probe = True
            return False

    def keep_only(self, codes: set[str]) -> None:
        """Places no job waits on any more (released elsewhere, retried by the user) are forgotten."""
        with self._lock:
            for code in [c for c in self._places if c not in codes]:
                del self._places[code]

    def sentences(self) -> list[str]:
        with self._lock:
            items = sorted(self._places.items(), key=lambda kv: kv[1].since)
        out = []
        for code, st in items:
            b = parse_code(code)
            if b is not None and st.jobs:
                out.append(sentence(b, st.label or b.place, st.jobs))
        return out
