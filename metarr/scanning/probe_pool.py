"""A few long-lived probe processes that read stream details (probe_av.probe_file), so that libav
crashing or hanging on a hostile file kills one probe process, not the service: the file is recorded
as failed with the reason, the process is replaced, the scan goes on.

Processes, not threads: a segfault or an endless loop inside libav cannot be stopped from a thread.
Started with "spawn": forking a process that runs actor and database threads copies locks held by
them. The owner calls start() and stop() (the actor system, a script, a test, or `scan()` itself for
one scan when given no pool); workers are spawned on first use, so a service that never probes holds
none. Several scans may share one pool: each takes the idle workers it needs and gives them back.

Protocol on each worker's pipe: the parent sends (path, timeout), the worker answers ("ok", streams)
or ("error", reason); None asks it to exit. A dead worker shows as EOF on its pipe."""
from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait

log = logging.getLogger(__name__)
_ctx = get_context("spawn")


class PoolStopped(RuntimeError):
    """The pool was stopped (service shutdown) while a scan still wanted its workers."""


class ProbeUnavailable(RuntimeError):
    """Probe processes die before their first answer, again and again (a broken install, or a parent
    whose main module a spawned process cannot import): the scan stops instead of recording every
    file as failed, since a failed file is not read again until it changes."""


STARTUP_DEATHS = 3   # fresh processes dying on their first file in a row before the pool gives up


def _serve(conn: Connection) -> None:
    """A probe process: one file at a time until told to stop or its parent is gone."""
    # Ctrl-C reaches the whole process group; the parent decides when its workers stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from metarr.scanning.probe import ProbeError
    from metarr.scanning.probe_av import probe_file
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return   # the parent is gone
        if msg is None:
            return
        path, timeout = msg
        try:
            reply = ("ok", probe_file(path, timeout))
        except ProbeError as e:
            reply = ("error", str(e))
        except Exception as e:   # a bug or an odd file must answer too, or the parent waits for nothing
            reply = ("error", f"{type(e).__name__}: {e}")
        conn.send(reply)


@dataclass
class _Worker:
    proc: object
    conn: Connection
    done: int = 0


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class ProbePool:
    target = staticmethod(_serve)   # what a probe process runs

    def __init__(self, workers: int = 2, timeout: float = 30.0, recycle_after: int = 5000) -> None:
        self.size = max(1, workers)
        self.timeout = timeout
        self.recycle_after = recycle_after   # bounds what a leak in libav can grow to
        self.restarts = 0                    # workers replaced after a crash or a timeout
        self._startup_deaths = 0             # in a row; reset by any answer
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live: set[int] = set()         # ids of workers spawned and not yet ended
        self._workers: list[_Worker] = []
        self._open = False

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> ProbePool:
        with self._lock:
            self._open = True
        return self

    def stop(self, grace: float = 2.0) -> None:
        """Ends every worker, idle or busy (a scan still using one gets PoolStopped)."""
        with self._lock:
            self._open = False
            workers, self._workers = self._workers, []
            self._live.clear()
        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        end = time.monotonic() + grace
        for w in workers:
            w.proc.join(max(0.0, end - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(5)
            w.conn.close()
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                break

    def __enter__(self) -> ProbePool:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def resize(self, workers: int) -> None:
        """A new size (the setting changed): more are spawned on demand, surplus ones end when returned."""
        with self._lock:
            self.size = max(1, workers)

    def pids(self) -> list[int]:
        """The probe processes alive now (diagnostics, tests)."""
        with self._lock:
            return [w.proc.pid for w in self._workers if w.proc.is_alive()]

    # ---------------------------------------------------------------- workers

    def _spawn(self) -> _Worker:
        parent, child = _ctx.Pipe()
        proc = _ctx.Process(target=self.target, args=(child,), name="metarr-probe", daemon=True)
        proc.start()
        child.close()   # only the worker holds its end: its death is EOF here
        w = _Worker(proc, parent)
        self._workers.append(w)
        self._live.add(id(w))
        return w

    def _end(self, w: _Worker, kill: bool) -> None:
        with self._lock:
            self._live.discard(id(w))
            if w in self._workers:
                self._workers.remove(w)
        if kill and w.proc.is_alive():
            w.proc.kill()
        else:
            try:
                w.conn.send(None)
            except OSError:
                pass
        w.proc.join(5)
        w.conn.close()

    def _replace(self, w: _Worker, kill: bool = True) -> _Worker:
        self._end(w, kill)
        with self._lock:
            if not self._open:
                raise PoolStopped("the probe pool was stopped")
            return self._spawn()

    def _checkout(self, want: int) -> list[_Worker]:
        """At least one worker (waiting for one if every worker is busy), at most `want`."""
        got: list[_Worker] = []
        while len(got) < want:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    if not self._open:
                        raise PoolStopped("the probe pool is not started") from None
                    if len(self._workers) < self.size:
                        got.append(self._spawn())
                        continue
                if got:
                    break
                try:
                    w = self._idle.get(timeout=1.0)
                except queue.Empty:
                    continue
            with self._lock:
                alive = id(w) in self._live
            if alive:
                got.append(w)
        return got

    def _checkin(self, workers: list[_Worker]) -> None:
        for w in workers:
            with self._lock:
                surplus = self._open and id(w) in self._live and len(self._workers) > self.size
                keep = self._open and id(w) in self._live and not surplus
            if keep:
                self._idle.put(w)
            elif surplus:
                self._end(w, kill=False)

    # ---------------------------------------------------------------- probing

    def run(self, paths: list[str], timeout: float | None = None) -> Iterator[tuple[int, dict | None, str | None]]:
        """(index into paths, stream details, None) or (index, None, reason) for every path, in the
        order they finish. A file whose probe process dies is tried once more on a fresh one (the
        process may have been killed from outside); one that hangs is given up after `timeout`."""
        timeout = timeout or self.timeout
        todo = deque(range(len(paths)))
        crashed: set[int] = set()
        mine = self._checkout(min(self.size, len(paths))) if paths else []
        idle = list(mine)
        busy: dict[Connection, tuple[_Worker, int, float]] = {}
        try:
            while todo or busy:
                while todo and idle:
                    w = idle.pop()
                    i = todo.popleft()
                    try:
                        w.conn.send((paths[i], timeout))
                    except OSError:   # it died while idle: a fresh one takes the file
                        mine.remove(w)
                        w = self._replace(w)
                        mine.append(w)
                        w.conn.send((paths[i], timeout))
                    busy[w.conn] = (w, i, time.monotonic() + timeout)
                wait_s = max(0.0, min(d for _, _, d in busy.values()) - time.monotonic())
                finished = []
                for conn in wait(list(busy), timeout=wait_s):
                    w, i, _ = busy.pop(conn)
                    try:
                        kind, value = conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(1)
                        why = _death(w.proc.exitcode)
                        self._startup_deaths = self._startup_deaths + 1 if w.done == 0 else 0
                        mine.remove(w)
                        if self._startup_deaths >= STARTUP_DEATHS:
                            self._end(w, kill=True)
                            raise ProbeUnavailable(f"probe processes die before their first answer ({why}); "
                                                   "see the log for their error") from None
                        log.warning("probe process %s died reading %s (%s); restarting it", w.proc.pid, paths[i], why)
                        w = self._replace(w)
                        mine.append(w)
                        self.restarts += 1
                        if i in crashed:
                            finished.append((i, None, f"the probe process died reading this file twice ({why})"))
                        else:
                            crashed.add(i)
                            todo.appendleft(i)
                        idle.append(w)
                        continue
                    finished.append((i, value, None) if kind == "ok" else (i, None, value))
                    w.done += 1
                    self._startup_deaths = 0
                    if w.done >= self.recycle_after:
                        mine.remove(w)
                        w = self._replace(w, kill=False)
                        mine.append(w)
                    idle.append(w)
                now = time.monotonic()
                for conn, (w, i, deadline) in list(busy.items()):
                    if now >= deadline:
                        del busy[conn]
                        log.warning("probe of %s timed out after %g s; restarting its process", paths[i], timeout)
                        mine.remove(w)
                        w = self._replace(w)
                        mine.append(w)
                        self.restarts += 1
                        idle.append(w)
                        finished.append((i, None, f"reading it took longer than {timeout:g} s (the probe "
                                                  "process was stopped)"))
                yield from finished
        finally:
            for w, _, _ in busy.values():   # left early: an answer still on its way would be read as the next one's
                mine.remove(w)
                self._end(w, kill=True)
            self._checkin(mine)
