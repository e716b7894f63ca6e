"""WaitingProbe: the places jobs wait on (a library or the data directory that cannot be written,
the database), probed every few seconds with a test write; when one works again the ledger makes
its waiting jobs due at once (`JobLedger.release`). The places are read from the jobs table, so a
job that waits in another process is resumed as well. A thread of its own: a hung mount holds this
thread, not the ledger. The decisions are `metarr.jobs.waiting`'s."""
from __future__ import annotations

import logging
import threading
import time

import pykka

from metarr.db.database import connection, probe_write
from metarr.db.errors import trouble
from metarr.db.models import Library
from metarr.jobs import store, waiting
from metarr.service import activity

log = logging.getLogger(__name__)

INTERVAL = 2.0


class WaitingProbe(threading.Thread):
    def __init__(self, services, interval: float = INTERVAL) -> None:
        super().__init__(name="waiting-probe", daemon=True)
        self.services = services
        self.interval = interval
        self.stopped = threading.Event()
        self.seen: set[str] = set()   # places already told in the activity log

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join(timeout=10)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.check(time.time())
            except Exception as e:
                if trouble(e) is None:   # the database down is the ledger's to report
                    log.exception("probing the places jobs wait on failed")

    def check(self, now: float) -> None:
        s = self.services
        with connection(s.db):
            groups = store.blocked_groups(s.db)
            ids = sorted({b.library_id for b in map(waiting.parse_code, groups) if b and b.library_id is not None})
            libs = {lib.id: lib for lib in Library.select(Library.id, Library.name, Library.path)
                    .where(Library.id.in_(ids))} if ids else {}
        s.waits.keep_only(set(groups))
        self.seen &= set(groups)
        for code, (jobs, _since) in groups.items():
            b = waiting.parse_code(code)
            if b is None:
                continue
            label, ok, free, enough = self._probe(b, libs)
            if code not in self.seen:
                self.seen.add(code)
                self._tell(f"{label}: {b.words}; its jobs wait and resume by themselves once it works again",
                           "warning", b)
            if s.waits.look(code, ok, free, now, label, jobs, enough_if_ok=enough):
                self.seen.discard(code)
                self._tell(f"{label} works again: {jobs} waiting job(s) resume", "info", b)
                try:
                    s.actor("ledger").release.defer(code)
                except (AttributeError, pykka.ActorDeadError):
                    pass   # the supervisor is starting the next ledger: the next look resumes them

    def _probe(self, b: waiting.Blocked, libs: dict) -> tuple[str, bool, int | None, bool]:
        """(the place in words, whether a test write works now, free bytes there, whether that
        working is enough to resume)."""
        s = self.services
        if b.place == "database":
            try:
                probe_write(s.db, f"wait-{s.role}")
                return "The database", True, None, True
            except Exception:
                return "The database", False, None, True
        if b.library_id is not None:
            lib = libs.get(b.library_id)
            if lib is None:   # the library was removed: nothing to wait for, its jobs find that out
                return f"Library {b.library_id}", True, None, True
            label, path = f"Library {lib.name} ({lib.path})", lib.path
        else:
            label, path = f"The data directory ({s.config.data_dir})", s.config.data_dir
        ok, free, _why = waiting.probe_place(path)
        return label, ok, free, False

    def _tell(self, message: str, level: str, b: waiting.Blocked) -> None:
        s = self.services
        try:
            with connection(s.db):
                activity.record(s.db, "jobs", message, level, data={"place": b.code, "library_id": b.library_id},
                                bus=s.bus)
        except Exception as e:   # the activity log is on the database: it may be the place that is down
            log.warning("%s (not in the activity log: %s)", message, e)
