"""Supervision: an actor that died is started again (Erlang's one-for-one, as pykka leaves it to the
application). pykka stops an actor whose tell/defer raised or whose `on_start` failed; our actors
record why in `on_failure` (`Services.crashes`), and this thread, watching every supervised actor,
starts a new one through the factory it was first started with.

An environmental failure (disk full, read-only, database busy or unreachable) is restarted for as
long as it lasts, with a growing pause; any other failure (a bug) three times a minute at most, then
the actor stays down and the health book says so (health answers 503 for a ledger that is down).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from metarr.db.errors import trouble

log = logging.getLogger(__name__)

PAUSE_FIRST, PAUSE_MOST = 0.5, 30.0   # between restarts of an environmental failure
BUG_RESTARTS, BUG_WINDOW = 3, 60.0    # a failure that is not the environment's: at most this often


def restart_pause(exc: BaseException | None, recent: list[float], now: float) -> float | None:
    """Seconds to wait before starting the actor again, or None to leave it down. `recent`: when
    it was restarted before."""
    if trouble(exc) is not None:
        streak = len([t for t in recent if now - t < 10 * PAUSE_MOST])
        return min(PAUSE_MOST, PAUSE_FIRST * 2 ** streak)
    if len([t for t in recent if now - t < BUG_WINDOW]) >= BUG_RESTARTS:
        return None
    return PAUSE_FIRST


@dataclass
class Child:
    name: str
    factory: Callable[[], object]    # returns a started ActorRef
    ref: object
    restarts: list[float] = field(default_factory=list)
    due: float | None = None         # when the dead actor is started again
    given_up: bool = False


class Supervisor(threading.Thread):
    """Watches the actors of one ActorSystem; `on_restart(name, ref)` lets the system see the new one."""

    def __init__(self, services, on_restart: Callable[[str, object], None], interval: float = 0.25) -> None:
        super().__init__(name="supervisor", daemon=True)
        self.services = services
        self.on_restart = on_restart
        self.interval = interval
        self.children: dict[str, Child] = {}
        self.stopped = threading.Event()
        self._lock = threading.Lock()

    def watch(self, name: str, factory: Callable[[], object], ref: object) -> None:
        with self._lock:
            self.children[name] = Child(name, factory, ref)

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join(timeout=30)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.check(time.time())
            except Exception:
                log.exception("supervisor check failed")

    def check(self, now: float) -> None:
        with self._lock:
            children = list(self.children.values())
        for child in children:
            if self.stopped.is_set():
                return
            if child.given_up or child.ref.is_alive():
                continue
            if child.due is None:
                exc = self.services.crashes.pop(child.ref.actor_urn, None)
                pause = restart_pause(exc, child.restarts, now)
                why = f"{type(exc).__name__}: {exc}" if exc is not None else "it stopped on its own"
                if pause is None:
                    child.given_up = True
                    log.error("actor %s keeps failing (%s); it stays stopped", child.name, why)
                    self.services.health.report(f"actor:{child.name}", f"{child.name} stopped after repeated "
                                                                       f"failures: {why}")
                    continue
                log.error("actor %s stopped (%s); starting it again in %.1f s", child.name, why, pause)
                self.services.health.report(f"actor:{child.name}", f"{child.name} is restarting after: {why}")
                child.due = now + pause
            if now < child.due:
                continue
            child.due = None
            child.restarts.append(now)
            child.restarts[:] = child.restarts[-20:]
            try:
                child.ref = child.factory()
            except Exception as e:   # the factory itself failed: try again after the pause
                log.exception("starting %s again failed", child.name)
                self.services.crashes[getattr(child.ref, "actor_urn", child.name)] = e
                continue
            self.on_restart(child.name, child.ref)
            self.services.health.clear(f"actor:{child.name}")
            log.warning("actor %s started again", child.name)
