"""What every Metarr actor shares: handlers that survive a bad message, and a DB connection per thread."""
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


class MetarrActor(pykka.ThreadingActor):
    """A threading actor that closes its DB connection when it stops."""

    db = None

    def ping(self) -> bool:
        return True

    def on_stop(self) -> None:
        real = getattr(self.db, "obj", self.db)
        if real is not None and not real.is_closed():
            real.close()

    def on_failure(self, exception_type, exception_value, traceback) -> None:
        log.error("actor %s crashed: %s", type(self).__name__, exception_value)
        self.on_stop()
