"""The chain, declared once: every job type Metarr runs, who handles it, how many run at once, how
often it is tried, what its payload holds, and what follows what.

    scan.library / scan.path ─▶ enrich.<kind> ─▶ cache.<kind> ─▶ publish.<kind> ─▶ sync.entity
                                                                                     │ (buffered)
                                                                    sync.flush ─▶ sync.player
    <phase>.library fans out into one <phase>.<kind> job per item; verify.library republishes.
    A scan that names more than a few hundred items chains one followups.scan instead, which
    chains them a page at a time (metarr/scanning/followups.py).

A job's subject is part of its idempotency key (type|subject), so subjects are built here and only
here: an enqueue site calls one of the constructors below instead of spelling a JobSpec. Handlers
are named, not imported (metarr/ never imports the actor runtime); `actors/handlers.py` binds them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from metarr.jobs.model import PRIORITY, JobSpec

KINDS = ("movie", "series", "artist")          # the roots that enrich, cache and publish run on
LIBRARY_ROOT = {"movie": "movie", "tv": "series", "music": "artist"}
SYNC_MAX_ATTEMPTS = 12   # player deferrals (something is playing) count as attempts: 12 cover a film of ~2 h


# ------------------------------------------------------------------ payloads

@dataclass(frozen=True)
class LibraryPayload:
    """`<phase>.library`: one library, fanned out or scanned whole."""
    library_id: int
    trigger: str | None = None


# `publish.library` with this trigger publishes again only the items already published (the
# library's players changed: their names change, nothing else is written for the first time)
REPUBLISH_PUBLISHED = "players"


@dataclass(frozen=True)
class DryRunPayload:
    """`publish.dry_run`: plan a whole library's publish, write nothing; `samples` items listed in full."""
    library_id: int
    samples: int | None = None


@dataclass(frozen=True)
class PathScanPayload:
    """`scan.path`: one folder (relative to the library root) from the watcher, a webhook or the CLI."""
    library_id: int
    path: str
    trigger: str = "watcher"
    ids: dict[str, Any] | None = None
    upgrade: bool = False
    event: str | None = None
    title: str | None = None
    year: int | None = None
    renames: list[Any] | None = None


@dataclass(frozen=True)
class FollowupsPayload:
    """`followups.scan`: one page of a large scan's targets (metarr/scanning/followups.py) to chain
    on. `after`: the last target of the page before (None: the first page); `done` of `total` were
    chained by the pages before."""
    scan_job: int
    library_id: int
    priority: int
    total: int
    page: int = 0
    done: int = 0
    after: list[Any] | None = None


@dataclass(frozen=True)
class EntityPayload:
    """`enrich|cache|publish.<kind>`: one root item."""
    entity_type: str
    entity_id: int
    force: bool | None = None
    refresh: bool | None = None        # queued by a change feed or the sweep: a no-change run publishes nothing
    fresh: list[str] | None = None     # providers whose cached answers are skipped ("*": all)
    publish: bool | None = None        # publish after, whatever the library's auto_publish (a show's new order)


@dataclass(frozen=True)
class FeedPayload:
    """`refresh.changes`: one provider's change feed."""
    provider: str


@dataclass(frozen=True)
class EntitySyncPayload:
    """`sync.entity`: the files of one item that players must hear about."""
    entity_type: str
    entity_id: int
    library_id: int
    paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchPayload:
    """`batch.run` (the whole request) and `batch.chunk` (up to metarr.batch.CHUNK of its items)."""
    kind: str
    action: str
    ids: list[int]
    params: dict[str, Any] = field(default_factory=dict)
    part: int | None = None


@dataclass(frozen=True)
class NotifyPayload:
    channel_id: int
    event: str
    data: dict[str, Any] = field(default_factory=dict)


def _payload(p) -> dict[str, Any]:
    # None means "not given": stored payloads stay as small as the handlers expect them
    return {k: v for k, v in asdict(p).items() if v is not None}


# ------------------------------------------------------------------ declarations

@dataclass(frozen=True)
class JobType:
    name: str
    handler: str                 # "module:function", bound by actors/handlers.py
    concurrency: int = 1
    prefetch: int = 1            # >1 only for cheap handlers, so claims can be batched
    max_attempts: int = 5
    payload: type | None = None
    doc: str = ""


def _per_kind(phase: str, handler: str, concurrency: int, doc: str) -> list[JobType]:
    return [JobType(f"{phase}.{k}", handler, concurrency, payload=EntityPayload, doc=doc) for k in KINDS]


JOB_TYPES: tuple[JobType, ...] = (
    JobType("scan.library", "actors.scanning:scan_library", payload=LibraryPayload, doc="walk a whole library"),
    JobType("scan.path", "actors.scanning:scan_path", 2, payload=PathScanPayload, doc="one folder"),
    JobType("scan.all", "actors.scanning:scan_all", doc="every enabled library (schedule)"),
    # not "scan.…": a page is no scan (notifications say "scan.completed" for each scan.* job)
    JobType("followups.scan", "actors.scanning:scan_followups", payload=FollowupsPayload,
            doc="a large scan's enrich/publish jobs, a page at a time"),
    # enrichment waits on providers most of the time: at a real provider's 150-300 ms per answer plus
    # the job's own database work, 12 in flight are what it takes to use TMDB's ~40 requests/s (the
    # gateway paces them; scripts/bench_providers.py measures it)
    *_per_kind("enrich", "actors.enrichment:enrich_entity", 12, "identify, fetch and merge metadata"),
    *_per_kind("cache", "actors.enrichment:cache_entity", 3, "download the selected artwork"),
    *_per_kind("publish", "actors.phases:publish_entity", 2, "write NFO and artwork into the library"),
    # an album on its own (the user's enrich/publish of one album); the artist's jobs cover its albums
    JobType("enrich.album", "actors.enrichment:enrich_entity", 2, payload=EntityPayload, doc="one album"),
    JobType("cache.album", "actors.enrichment:cache_entity", payload=EntityPayload, doc="one album's artwork"),
    JobType("publish.album", "actors.phases:publish_entity", payload=EntityPayload, doc="one album's folder"),
    # a TMDB collection (movie set): after a member's enrichment, then its artwork, its set folder and the sets
    # in the players
    JobType("enrich.collection", "actors.collections:enrich_collection", 2, payload=EntityPayload,
            doc="a collection's texts and artwork"),
    JobType("cache.collection", "actors.collections:cache_collection", payload=EntityPayload,
            doc="a collection's artwork"),
    JobType("publish.collection", "actors.collections:publish_collection", payload=EntityPayload,
            doc="a collection's movie set folder"),
    JobType("enrich.library", "actors.enrichment:enrich_library", payload=LibraryPayload),
    JobType("enrich.stale", "actors.enrichment:enrich_stale", doc="periodic refresh: the even sweep (schedule)"),
    JobType("refresh.changes", "actors.enrichment:refresh_changes", payload=FeedPayload,
            doc="refresh what a provider's change feed names (schedule)"),
    JobType("publish.library", "actors.phases:publish_library", payload=LibraryPayload),
    JobType("publish.dry_run", "actors.phases:dry_run_library", max_attempts=2, payload=DryRunPayload,
            doc="what a library publish would write, without writing"),
    JobType("verify.library", "actors.phases:verify_library", payload=LibraryPayload,
            doc="cache and library agree"),
    JobType("verify.all", "actors.phases:verify_all"),
    JobType("sync.entity", "actors.player_syncer:sync_entity", 2, payload=EntitySyncPayload,
            doc="buffer an item's changed files for the players"),
    JobType("sync.library", "actors.player_syncer:sync_library", payload=LibraryPayload),
    JobType("sync.flush", "actors.player_syncer:sync_flush", doc="coalesce the buffer into player calls"),
    JobType("sync.player", "actors.player_syncer:sync_player", 4, max_attempts=SYNC_MAX_ATTEMPTS,
            doc="one player (or group) refresh"),
    JobType("notify.send", "actors.notifier:send_notification", 2, max_attempts=6, payload=NotifyPayload),
    # a batch action (metarr/batch.py): the request fans out into chunks, one at a time, at bulk priority
    JobType("batch.run", "actors.batch:run_batch", payload=BatchPayload, doc="a batch action on many items"),
    JobType("batch.chunk", "actors.batch:run_chunk", payload=BatchPayload, doc="a batch action on a chunk of items"),
    JobType("maintenance.purge_jobs", "actors.maintenance:purge_jobs"),
    JobType("maintenance.recycle_purge", "actors.maintenance:recycle_purge"),
    JobType("maintenance.orphans", "actors.maintenance:orphans"),
)

BY_NAME = {t.name: t for t in JOB_TYPES}


# ------------------------------------------------------------------ constructors (the only enqueue shapes)

def library_job(phase: str, library_id: int, priority: int = PRIORITY["user"], trigger: str | None = None) -> JobSpec:
    """`scan|enrich|publish|verify|sync.library`."""
    return JobSpec(f"{phase}.library", subject=f"library:{library_id}", priority=priority, library_id=library_id,
                   payload=_payload(LibraryPayload(library_id, trigger)))


def library_dry_run(library_id: int, samples: int | None = None) -> JobSpec:
    """`publish.dry_run` of one library, at the user's priority (someone is waiting for the answer)."""
    return JobSpec("publish.dry_run", subject=f"library:{library_id}", priority=PRIORITY["user"],
                   library_id=library_id, payload=_payload(DryRunPayload(library_id, samples)))


def path_scan(p: PathScanPayload, priority: int) -> JobSpec:
    return JobSpec("scan.path", subject=f"library:{p.library_id}:{p.path}", priority=priority,
                   library_id=p.library_id, payload=_payload(p))


def scan_followups(p: FollowupsPayload) -> JobSpec:
    """A page of a large scan's follow-ups; the page number keeps each page its own job."""
    return JobSpec("followups.scan", subject=f"scan:{p.scan_job}:{p.page}", priority=p.priority,
                   library_id=p.library_id, payload=_payload(p))


def entity_job(phase: str, entity_type: str, entity_id: int, library_id: int | None, priority: int,
               force: bool | None = None, fresh: list[str] | None = None, publish: bool | None = None) -> JobSpec:
    """`enrich|cache|publish.<kind>` for one root item. `fresh`: a refresh (change feed or sweep)
    that skips those providers' cached answers and publishes nothing if nothing changed."""
    payload = EntityPayload(entity_type, entity_id, force, refresh=True if fresh else None, fresh=fresh,
                            publish=publish or None)
    return JobSpec(f"{phase}.{entity_type}", subject=f"{entity_type}:{entity_id}", priority=priority,
                   library_id=library_id, payload=_payload(payload))


def entity_sync(entity_type: str, entity_id: int, library_id: int, paths: list[str]) -> JobSpec:
    return JobSpec("sync.entity", subject=f"{entity_type}:{entity_id}", priority=PRIORITY["sync"],
                   library_id=library_id, payload=_payload(EntitySyncPayload(entity_type, entity_id, library_id,
                                                                              list(paths))))


def sync_flush(delay: float) -> JobSpec:
    return JobSpec("sync.flush", subject="players", priority=PRIORITY["sync"], delay=delay, dedupe=False)


def player_call(target: str, payload: dict[str, Any]) -> JobSpec:
    # no dedupe: a pending job of the same group carries other paths and must not swallow these
    return JobSpec("sync.player", subject=target, payload=payload, priority=PRIORITY["sync"], dedupe=False,
                   max_attempts=BY_NAME["sync.player"].max_attempts)


def scheduled(name: str, job_type: str, subject: str, payload: dict[str, Any] | None, delay: float,
              priority: int = PRIORITY["maintenance"]) -> JobSpec:
    """A schedule's job. Its subject names the schedule when the row gives none: three change feeds
    share one job type, and with one subject they shared one idempotency key, so each feed's
    schedule pulled the other's pending job forward and one feed ran every two minutes."""
    return JobSpec(job_type, subject=subject or f"schedule:{name}", payload=payload, priority=priority, delay=delay,
                   schedule=name)


def next_due(last_run: float | None, interval_s: float, now: float) -> float:
    """When a schedule's next job is due: one interval after its last run; a schedule that never
    ran starts a minute after the service does (or sooner, for a shorter interval)."""
    return last_run + interval_s if last_run else now + min(interval_s, 60)


def batch_job(kind: str, action: str, ids: list[int], params: dict[str, Any], priority: int) -> JobSpec:
    """One user's batch: never merged with another batch of the same items."""
    return JobSpec("batch.run", subject=f"batch:{kind}:{action}", priority=priority, dedupe=False,
                   payload=_payload(BatchPayload(kind, action, list(ids), dict(params))))


def batch_chunk(kind: str, action: str, ids: list[int], params: dict[str, Any], part: int) -> JobSpec:
    return JobSpec("batch.chunk", subject=f"batch:{kind}:{action}:{part}", priority=PRIORITY["bulk"], dedupe=False,
                   payload=_payload(BatchPayload(kind, action, list(ids), dict(params), part)))


def notify(channel_id: int, event: str, data: dict[str, Any]) -> JobSpec:
    # one send per event: never deduplicated against another event's send
    return JobSpec("notify.send", subject=f"channel:{channel_id}", dedupe=False,
                   priority=PRIORITY["maintenance"] - 1, max_attempts=BY_NAME["notify.send"].max_attempts,
                   payload=_payload(NotifyPayload(channel_id, event, data)))


# ------------------------------------------------------------------ what follows what

def after_scan(auto_enrich: bool, auto_publish: bool) -> tuple[str, ...]:
    """The phases that may follow a scan that changed an item, first choice first."""
    return tuple(p for p, on in (("enrich", auto_enrich), ("publish", auto_publish)) if on)


def after_enrich(state: str) -> str | None:
    """Only an item that was enriched has artwork to cache."""
    return "cache" if state == "enriched" else None


def after_cache(auto_publish: bool) -> str | None:
    return "publish" if auto_publish else None
