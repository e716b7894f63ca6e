"""PlayerSyncer: debounces and coalesces "this changed" notes into few player calls.

Flow (every edge a tell; nobody waits on the syncer):
  publish job ──chains──▶ `sync.entity` / `sync.library` job (the handler resolves folders from
  the DB and tells `PlayerSyncer.request`) ──debounce window──▶ `plan_sync` ──▶ the ledger gets one
  `sync.player` job per player group / ungrouped player ──▶ its handler calls the player(s),
  retried by the ledger with backoff while players are down, deferred while Kodi plays.

The debounce buffer lives in memory: a crash inside the window (default 2 s) loses those notes
(the files are published; the next sync of that library catches the player up). The price buys
coalescing without a table of pending changes.
"""
from __future__ import annotations

import logging
import threading
import time

import pykka

from metarr import settings
from metarr.db.database import connection
from metarr.jobs.model import PRIORITY, JobResult, JobSpec, PermanentError, RetryLater
from metarr.jobs.retry import backoff_delay
from metarr.players import resolve
from metarr.players.model import Change, SyncCall, SyncRequest
from metarr.players.plan import plan_sync
from metarr.players.run import PlayersBusy, PlayersFailed, run_sync

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)

MAX_WAIT_FACTOR = 10      # a steady trickle still flushes after 10 debounce windows
RETRY_BASE = 5.0          # backoff base (s) for players that are down (tests lower it)
DEFER_SECONDS = 60.0      # first wait while a Kodi player is playing; doubles, capped at 15 min
CONFIRM_TIMEOUT = 60.0    # wait for a Kodi scan to finish before confirming the items appeared
SYNC_MAX_ATTEMPTS = 12   # deferrals count as attempts: 12 cover a film of ~2 h


class PlayerSyncer(MetarrActor):
    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self.db = services.db
        self.pending: list[Change] = []
        self.first = self.last = 0.0
        self.debounce = 2.0
        self.timer: threading.Timer | None = None
        self.sent: list[tuple[pykka.Future, tuple[Change, ...]]] = []

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()

    def on_stop(self) -> None:
        if self.timer:
            self.timer.cancel()
        if self.pending:
            log.warning("player sync: %d change(s) not synced at shutdown", len(self.pending))
        super().on_stop()

    # ------------------------------------------------------------ tells
    @safe_handler
    def request(self, req: SyncRequest) -> None:
        now = time.monotonic()
        if not self.pending:
            self.first = now
            with connection(self.db):
                self.debounce = float(settings.get(self.db, "sync.debounce_seconds"))
        self.last = now
        self.pending.extend(req.changes)
        self._arm(now)

    @safe_handler
    def flush(self, force: bool = False) -> None:
        self.timer = None
        self._reap()
        if not self.pending:
            return
        now = time.monotonic()
        if not force and now < self._due():
            self._arm(now)  # more arrived since the timer was set: wait for the burst to end
            return
        batch, self.pending = tuple(self.pending), []
        self._send(batch)

    # ------------------------------------------------------------ asks (tests, CLI)
    def pending_count(self) -> int:
        return len(self.pending)

    # ------------------------------------------------------------ internals
    def _due(self) -> float:
        return min(self.last + self.debounce, self.first + self.debounce * MAX_WAIT_FACTOR)

    def _arm(self, now: float) -> None:
        if self.timer is not None:
            return
        self.timer = threading.Timer(max(0.0, self._due() - now), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:  # timer thread: only a tell
        try:
            self._self.flush.defer()
        except pykka.ActorDeadError:
            pass

    def _send(self, batch: tuple[Change, ...]) -> None:
        with connection(self.db):
            players, groups, maps = resolve.load_targets()
        calls = plan_sync(batch, players, groups, maps)
        specs = [sync_player_spec(c) for c in calls]
        self.services.bus.publish("sync.progress", stage="planned", changes=len(batch), calls=len(specs),
                                  targets=[c.target for c in calls])
        if not specs:
            return
        ledger = self.services.actor("ledger")
        if ledger is None:
            log.warning("player sync: no ledger; %d call(s) dropped", len(specs))
            return
        # an ask whose answer we do not wait for: a tell that cannot kill the ledger if it raises
        self.sent.append((ledger.enqueue(specs), batch))

    def _reap(self) -> None:
        """Look at earlier enqueues; put the changes of a failed one back (retried next flush)."""
        keep = []
        for fut, batch in self.sent:
            try:
                fut.get(timeout=0)
            except pykka.Timeout:
                keep.append((fut, batch))
            except Exception as e:
                log.warning("player sync: enqueue failed (%s); retrying", e)
                self.pending.extend(batch)
                self.last = time.monotonic()
                self._arm(self.last)
        self.sent = keep


def sync_player_spec(call: SyncCall) -> JobSpec:
    # no dedupe: a pending job of the same group carries other paths and must not swallow these
    return JobSpec("sync.player", subject=call.target, payload=call.to_json(), priority=PRIORITY["sync"],
                   dedupe=False, max_attempts=SYNC_MAX_ATTEMPTS)


# ------------------------------------------------------------------ job handlers

def register(reg) -> None:
    reg.register("sync.entity", sync_entity, concurrency=2)
    reg.register("sync.library", sync_library)
    reg.register("sync.player", sync_player, concurrency=4)


def _tell(ctx, changes: list[Change], source: str) -> None:
    syncer = ctx.services.actor("syncer")
    if syncer is None:
        raise RetryLater("player syncer not running", delay=5)
    syncer.request.defer(SyncRequest(tuple(changes), source))


def sync_entity(ctx, job):
    """Payload: entity_type, entity_id, optional paths (library-relative files the publish wrote) and
    new (bool hint: first publish). The publisher chains to this after writing files."""
    p = job.payload
    try:
        changes = resolve.changes_for_entity(p["entity_type"], int(p["entity_id"]), p.get("paths"),
                                             bool(p.get("new")))
    except (resolve.EntityGone, ValueError, KeyError) as e:
        raise PermanentError(str(e)) from e
    _tell(ctx, changes, f"{job.type}:{job.subject}")
    return JobResult(data={"folders": [c.folder for c in changes]})


def sync_library(ctx, job):
    """Payload: library_id. Scan/refresh the whole library root on every player."""
    try:
        changes = resolve.changes_for_library(int(job.payload["library_id"]))
    except (resolve.EntityGone, KeyError, ValueError) as e:
        raise PermanentError(str(e)) from e
    _tell(ctx, changes, f"{job.type}:{job.subject}")
    return JobResult(data={"folders": [c.folder for c in changes]})


def sync_player(ctx, job):
    """Payload: a SyncCall (target, kind, candidates with mapped changes). Calls the player(s)."""
    s = ctx.services
    call = SyncCall.from_json(job.payload)
    conns = resolve.load_conns([c.player_id for c in call.candidates])

    def on_status(pid: int, name: str, status: str, message: str) -> None:
        s.bus.publish("player.status", id=pid, name=name, status=status, message=message)
        try:
            resolve.save_status(s.db, pid, status)
        except Exception:  # a status write must never fail the sync itself
            log.debug("could not save player status", exc_info=True)

    s.bus.publish("sync.progress", stage="started", target=call.target, job_id=job.id)
    try:
        res = run_sync(call, conns, skip_when_playing=bool(settings.get(s.db, "sync.skip_when_playing")),
                       confirm_timeout=CONFIRM_TIMEOUT, on_status=on_status)
    except PlayersBusy as e:
        s.bus.publish("sync.progress", stage="deferred", target=call.target, job_id=job.id, message=str(e))
        raise RetryLater(str(e), delay=min(900.0, DEFER_SECONDS * 2 ** max(0, job.attempts - 1))) from e
    except PlayersFailed as e:
        s.bus.publish("sync.progress", stage="failed", target=call.target, job_id=job.id, message=str(e))
        if e.permanent:
            raise PermanentError(str(e)) from e
        raise RetryLater(str(e), delay=backoff_delay(job.attempts, base=RETRY_BASE)) from e
    s.bus.publish("sync.progress", stage="completed", target=call.target, job_id=job.id,
                  player_id=res.get("player_id"))
    return JobResult(data=res)
