"""PlayerSyncer: debounces and coalesces "this changed" notes into few player calls.

Flow (every step a job of the ledger, so a crash anywhere loses nothing):
  publish job ──chains──▶ `sync.entity` / `sync.library` job: resolves the folders and hands them to
  this actor, which owns the debounce: it writes them to the durable buffer (metarr.players.buffer)
  and, unless a flush is already due, has the job chain one `sync.flush` a debounce window later ──▶ `sync.flush` claims the whole buffer, `plan_sync`
  coalesces it, and it chains one `sync.player` job per player group / ungrouped player ──▶ its
  handler calls the player(s), retried by the ledger with backoff while players are down, deferred
  while Kodi plays.

The actor serialises the buffering (one "is a flush due?" decision at a time, so concurrent syncs
chain one flush, not one each) and keeps the counters `/api/v1/status` shows. What it remembers is
only a shortcut: the buffer and the pending flush job are rows, and a restarted actor asks them.
"""
from __future__ import annotations

import logging
import time

from metarr.assets.ssrf import AllowList
from metarr.db.database import connection, waiting
from metarr.jobs import chain
from metarr.jobs.model import JobResult, JobSpec, PermanentError, RetryLater
from metarr.jobs.retry import backoff_delay
from metarr.players import buffer, resolve
from metarr.players.model import Change, SyncCall
from metarr.players.plan import plan_sync
from metarr.players.run import PlayersBusy, PlayersFailed, run_sync
from metarr.service import settings

from .base import MetarrActor, safe_handler

log = logging.getLogger(__name__)

RETRY_BASE = 5.0          # backoff base (s) for players that are down (tests lower it)
DEFER_SECONDS = 60.0      # first wait while a Kodi player is playing; doubles, capped at 15 min
CONFIRM_TIMEOUT = 60.0    # wait for a Kodi scan to finish before confirming the items appeared


class PlayerSyncer(MetarrActor):
    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self.db = services.db
        self.flushes = self.coalesced = self.sent = 0
        self.flush_due = 0.0     # when the flush this actor last had chained will run

    def debounce(self, changes: list[Change]) -> tuple[JobSpec, ...]:
        """Into the durable buffer; a flush job a debounce window later unless one is already due (a
        waiting flush claims the buffer when it starts, so it will take these rows too). The caller's
        job chains what this returns, in the transaction that records its success."""
        if not changes:
            return ()
        with connection(self.db):
            buffer.add(self.db, changes)
            now = time.time()
            if now < self.flush_due or buffer.flush_pending(self.db):
                return ()
            delay = float(settings.get(self.db, "sync.debounce_seconds"))
        self.flush_due = now + delay
        # no dedupe key: a flush that is already running must not swallow this one
        return (chain.sync_flush(delay),)

    @safe_handler
    def flushed(self, changes: int, calls: int) -> None:
        self.flushes += 1
        self.coalesced += changes
        self.sent += calls

    def status(self) -> dict:
        with connection(self.db):
            waiting = buffer.waiting(self.db)
        return {"status": "ok", "waiting": waiting, "flushes": self.flushes, "coalesced": self.coalesced,
                "sent": self.sent}


def sync_player_spec(call: SyncCall) -> JobSpec:
    return chain.player_call(call.target, call.to_json())


# ------------------------------------------------------------------ job handlers

def _buffer(ctx, changes: list[Change]) -> tuple[JobSpec, ...]:
    with waiting(ctx.services.db):
        return ctx.services.actor("syncer").debounce(changes).get(timeout=60)


def sync_entity(ctx, job):
    """Payload: entity_type, entity_id, optional paths (library-relative files the publish wrote) and
    new (bool hint: first publish). The publisher chains to this after writing files."""
    p = job.payload
    try:
        changes = resolve.changes_for_entity(p["entity_type"], int(p["entity_id"]), p.get("paths"),
                                             bool(p.get("new")))
    except (resolve.EntityGone, ValueError, KeyError) as e:
        raise PermanentError(str(e)) from e
    return JobResult(data={"folders": [c.folder for c in changes]}, next=_buffer(ctx, changes))


def sync_library(ctx, job):
    """Payload: library_id. Scan/refresh the whole library root on every player."""
    try:
        changes = resolve.changes_for_library(int(job.payload["library_id"]))
    except (resolve.EntityGone, KeyError, ValueError) as e:
        raise PermanentError(str(e)) from e
    return JobResult(data={"folders": [c.folder for c in changes]}, next=_buffer(ctx, changes))


def sync_flush(ctx, job):
    """Claim the buffer, coalesce, and chain one sync.player job per target."""
    s = ctx.services
    changes = buffer.claim(s.db, job.id)
    if not changes:
        return JobResult(data={"changes": 0, "calls": 0})
    players, groups, maps = resolve.load_targets()
    calls = plan_sync(changes, players, groups, maps)
    specs = tuple(sync_player_spec(c) for c in calls)
    s.bus.publish("sync.progress", stage="planned", changes=len(changes), calls=len(specs),
                  targets=[c.target for c in calls])
    syncer = s.actor("syncer")
    if syncer is not None:
        syncer.flushed.defer(len(changes), len(specs))
    return JobResult(data={"changes": len(changes), "calls": len(specs), "targets": [c.target for c in calls]},
                     next=specs)


def sync_player(ctx, job):
    """Payload: a SyncCall (target, kind, candidates with mapped changes). Calls the player(s)."""
    s = ctx.services
    call = SyncCall.from_json(job.payload)
    conns = resolve.load_conns([c.player_id for c in call.candidates], AllowList.parse(s.config.allow_hosts),
                               str(s.config.data_dir))

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
