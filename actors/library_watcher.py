"""LibraryWatcher: a watchdog observer per watched library root. Events are debounced per unit
(top-level folder) until they settle, then become one targeted scan job each. If inotify cannot
be used (limit reached, network share), it falls back to polling and says so in the status.

It learns of every library change, whoever made it: this process's own changes arrive on the bus
at once, and every `LIBRARY_CHECK` seconds it reads the (small) libraries table again, so a
library added by `metarr library add` or by another process sharing the database is watched
within seconds too (the same read on SQLite and PostgreSQL: one tiny query, no notification
channel to keep alive)."""
from __future__ import annotations

import logging
import os
import stat
import threading
import time

import pykka
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from metarr.db.database import connection
from metarr.db.media import LibraryFile
from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.library.watchplan import due, own_writes_only, unit_for_event
from metarr.service import settings

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)

MAX_TRACKED = 64   # paths remembered per pending folder; beyond that it is scanned whatever they were
LIBRARY_CHECK = 2.0   # seconds between reads of the libraries table (changes made by other processes)


class _Forward(FileSystemEventHandler):
    """Runs on the observer thread: only hands the event to the actor (a tell)."""

    def __init__(self, proxy, library_id: int) -> None:
        self.proxy = proxy
        self.library_id = library_id

    def on_any_event(self, event) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return   # a folder's "modified" only echoes the events of its entries
        try:
            self.proxy.on_fs_event.defer(self.library_id, event.src_path, event.is_directory)
            if getattr(event, "dest_path", None):
                self.proxy.on_fs_event.defer(self.library_id, event.dest_path, event.is_directory)
        except pykka.ActorDeadError:
            pass


class LibraryWatcher(MetarrActor):
    def __init__(self, services, settle: float | None = None, tick: float = 0.5,
                 library_check: float = LIBRARY_CHECK) -> None:
        super().__init__()
        self.library_check = library_check
        self.services = services
        self.db = services.db
        self.settle_override = settle
        self.tick = tick
        self.observers: dict[int, tuple[object, str, str]] = {}   # library id -> (observer, root, mode)
        self.pending: dict[tuple[int, str], float] = {}
        # the paths behind each pending unit (None: too many to tell), to drop units that only saw
        # Metarr's own publish: its final renames are not temp files, and would rescan every folder
        self.paths: dict[tuple[int, str], set[str] | None] = {}
        self.errors: dict[int, str] = {}
        self.retry_at: dict[int, float] = {}   # libraries that could not be watched: when to try again
        self._halt = threading.Event()

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()
        self._unsub = self.services.bus.subscribe(self._on_bus)
        self._ticker = threading.Thread(target=self._tick_loop, name="watcher-ticker", daemon=True)
        self._ticker.start()
        self.refresh()

    def on_stop(self) -> None:
        self._halt.set()
        self._unsub()
        for obs, _, _ in self.observers.values():
            obs.stop()
        for obs, _, _ in self.observers.values():
            obs.join(timeout=5)
        self.observers.clear()
        super().on_stop()

    def _tick_loop(self) -> None:
        checked = time.monotonic()
        while not self._halt.wait(self.tick):
            try:
                self._self.flush.defer()
                if time.monotonic() - checked >= self.library_check:
                    checked = time.monotonic()
                    self._self.refresh.defer()
            except pykka.ActorDeadError:
                return

    def _on_bus(self, event) -> None:
        if event.type == "entity.updated" and event.data.get("entity") == "library":
            try:
                self._self.refresh.defer(True)
            except pykka.ActorDeadError:
                pass

    @safe_handler
    def refresh(self, changed: bool = False) -> None:
        """Start observers for watched libraries, stop those no longer wanted. `changed`: a library
        was just changed here, so one that could not be watched is tried again at once."""
        if changed:
            self.retry_at.clear()
        with connection(self.db):
            wanted = {lib.id: lib.path for lib in Library.select(Library.id, Library.path).where((Library.enabled == True)  # noqa: E712
                                                                          & (Library.watch == True))}  # noqa: E712
        for lid in [x for x in self.observers if x not in wanted or self.observers[x][1] != wanted.get(x)]:
            log.info("no longer watching library %s (%s)", lid, self.observers[lid][1])
            obs = self.observers.pop(lid)[0]
            obs.stop()
            obs.join(timeout=5)
        for lid, root in wanted.items():
            if lid not in self.observers and time.monotonic() >= self.retry_at.get(lid, 0.0):
                self._start_observer(lid, root)
                if lid in self.observers:
                    log.info("watching library %s (%s) with %s", lid, root, self.observers[lid][2])
                else:   # neither inotify nor polling: tried again in a minute, not at every check
                    self.retry_at[lid] = time.monotonic() + 60
        for lid in [x for x in {**self.errors, **self.retry_at} if x not in wanted]:
            self.errors.pop(lid, None)   # gone, or no longer to be watched: its old error is not news
            self.retry_at.pop(lid, None)

    def _start_observer(self, lid: int, root: str) -> None:
        handler = _Forward(self._self, lid)
        for mode, cls in (("inotify", Observer), ("polling", PollingObserver)):
            obs = cls(timeout=1) if mode == "polling" else cls()
            try:
                obs.schedule(handler, root, recursive=True)
                obs.start()
            except OSError as e:
                self.errors[lid] = f"{mode} failed: {e}"
                log.warning("watching %s with %s failed (%s); %s", root, mode, e,
                            "falling back to polling" if mode == "inotify" else "not watched")
                continue
            self.observers[lid] = (obs, root, mode)
            return

    @safe_handler
    def on_fs_event(self, library_id: int, path: str, is_dir: bool) -> None:
        entry = self.observers.get(library_id)
        if entry is None:
            return
        unit = unit_for_event(entry[1], path, is_dir)
        if unit is not None:
            key = (library_id, unit)
            self.pending[key] = time.monotonic()
            seen = self.paths.setdefault(key, set())
            if seen is not None:
                seen.add(path)
                if len(seen) > MAX_TRACKED:
                    self.paths[key] = None

    @safe_handler
    def flush(self) -> None:
        if not self.pending:
            return
        with connection(self.db):
            settle = self.settle_override if self.settle_override is not None else float(
                settings.get(self.db, "scan.watch_settle_seconds"))
        ready = due(self.pending, time.monotonic(), settle)
        if not ready:
            return
        specs = []
        for lid, unit in ready:
            del self.pending[(lid, unit)]
            paths = self.paths.pop((lid, unit), None)
            if paths and self._own_writes(lid, paths):
                continue
            specs.append(chain.path_scan(chain.PathScanPayload(lid, unit, trigger="watcher"), PRIORITY["scan"]))
        self.services.actor("ledger").submit.defer(specs)

    def _own_writes(self, library_id: int, paths: set[str]) -> bool:
        if library_id not in self.observers:
            return False
        root = self.observers[library_id][1]
        events: dict[str, tuple[int, int] | bool | None] = {}
        for p in paths:
            try:
                st = os.stat(p)
            except OSError:
                events[os.path.relpath(p, root)] = None
                continue
            events[os.path.relpath(p, root)] = True if stat.S_ISDIR(st.st_mode) else (st.st_size, st.st_mtime_ns)
        with connection(self.db):
            written = {r.path: (r.size, r.mtime_ns) for r in LibraryFile.select(
                LibraryFile.path, LibraryFile.size, LibraryFile.mtime_ns).where(
                (LibraryFile.library_id == library_id) & LibraryFile.path.in_(list(events)))}
        return own_writes_only(events, written)

    def status(self) -> dict:
        return {"status": "ok" if not self.errors else "degraded",
                "libraries": {str(lid): {"root": root, "mode": mode} for lid, (_, root, mode) in self.observers.items()},
                "errors": {str(k): v for k, v in self.errors.items()}, "pending": len(self.pending)}
