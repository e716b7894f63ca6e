"""The UI's sessions, kept server-side so that they can end: a cookie names a session id; logout
deletes that id, a password change deletes them all. The web process keeps the live ids in memory
(every request checks one) and writes through to the database, which survives restarts."""
from __future__ import annotations

import secrets
import threading
import time

from metarr.db.database import write_tx
from metarr.db.models import UiSession


class SessionBook:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live: dict[str, float] | None = None   # sid -> expires_at, loaded on first use

    def _load(self) -> dict[str, float]:
        if self.live is None:
            now = time.time()
            self.live = {r.sid: r.expires_at for r in UiSession.select() if r.expires_at > now}
        return self.live

    def open(self, db, ttl: float) -> str:
        sid = secrets.token_hex(16)
        now = time.time()
        with write_tx(db):
            UiSession.delete().where(UiSession.expires_at < now).execute()
            UiSession.create(sid=sid, created_at=now, expires_at=now + ttl)
        with self.lock:
            self._load()[sid] = now + ttl
        return sid

    def valid(self, sid: str, now: float | None = None) -> bool:
        with self.lock:
            exp = self._load().get(sid)
        return exp is not None and exp > (now or time.time())

    def close(self, db, sid: str) -> None:
        with write_tx(db):
            UiSession.delete().where(UiSession.sid == sid).execute()
        with self.lock:
            self._load().pop(sid, None)

    def close_all(self, db) -> int:
        with write_tx(db):
            n = UiSession.delete().execute()
        with self.lock:
            self.live = {}
        return n
