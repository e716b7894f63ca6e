"""What every Metarr actor shares: handlers that survive a bad message, a DB connection per thread,
and a note of why it died for the supervisor (actors/supervisor.py)."""
from __future__ import annotations

import functools
import logging

import pykka

log = logging.getLogger(__name__)


def safe_handler(fn):
    """Wrap an actor method that is called by tell/defer, so one bad message is logged instead of
    killing the actor (pykka stops an actor when a tell raises). Methods meant for ask stay
    unwrapped: their exception reaches the caller's future and the actor lives on."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except Exception:
            log.exception("%s.%s failed", type(self).__name__, fn.__name__)
            return None
    return wrapper


def _noting_start_failure(on_start):
    """pykka stops an actor whose on_start raised without calling on_failure: note why here."""

    @functools.wraps(on_start)
    def wrapper(self):
        try:
            return on_start(self)
        except Exception as e:
            self.note_crash(e)
            raise
    return wrapper


class MetarrActor(pykka.ThreadingActor):
    """A threading actor that closes its DB connection when it stops."""

    db = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "on_start" in cls.__dict__:
            cls.on_start = _noting_start_failure(cls.__dict__["on_start"])

    def ping(self) -> bool:
        return True

    def note_crash(self, exc: BaseException | None) -> None:
        """Why this actor is dying, for the supervisor's decision (restart, and how soon)."""
        crashes = getattr(getattr(self, "services", None), "crashes", None)
        if crashes is not None and exc is not None:
            crashes[self.actor_urn] = exc

    def on_stop(self) -> None:
        real = getattr(self.db, "obj", self.db)
        if real is not None and not real.is_closed():
            real.close()

    def on_failure(self, exception_type, exception_value, traceback) -> None:
        log.error("actor %s crashed: %s", type(self).__name__, exception_value)
        self.note_crash(exception_value)
        self.on_stop()
