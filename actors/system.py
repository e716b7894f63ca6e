"""Start and stop the actors in an explicit order (Mopidy's pattern): start in parallel, wait on a
ping barrier, stop in reverse. The one place that knows the whole shape of a running Metarr."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pykka

from metarr.config import Config
from metarr.db.database import close_database, open_database
from metarr.db.migrate import migrate
from metarr.jobs import store
from metarr.jobs.registry import HandlerRegistry
from metarr.jobs.waiting import Waits
from metarr.scanning.probe_pool import ProbePool
from metarr.service.events import EventBus
from metarr.service.health import HealthBook
from metarr.sources.budget import Budgets

from .job_ledger import JobLedger
from .ledger_state import LedgerState
from .supervisor import Supervisor
from .waiting_probe import WaitingProbe

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What handlers and web views reach through: no globals, one bag per running system."""
    config: Config
    db: Any
    bus: EventBus
    registry: HandlerRegistry
    role: str = "serve"
    actors: dict[str, Any] = field(default_factory=dict)   # name -> proxy
    started_at: float = field(default_factory=time.time)
    budgets: Budgets = field(default_factory=Budgets)        # request pacing per remote host, process-wide
    probe_pool: ProbePool | None = None   # the probe processes of this process's scans (ActorSystem owns them)
    health: HealthBook = field(default_factory=HealthBook)   # what keeps the service from working now
    crashes: dict[str, BaseException] = field(default_factory=dict)   # actor urn -> why it died
    waits: Waits = field(default_factory=Waits)   # the places this process's jobs wait on (a disk, the database)

    def actor(self, name: str):
        return self.actors.get(name)


def open_services(config: Config, role: str = "serve") -> Services:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(config.database_url)
    from metarr.db.database import db_proxy
    db_proxy.initialize(db)
    migrate(db)
    remember_secrets(config, db)
    return Services(config=config, db=db, bus=EventBus(), registry=HandlerRegistry(), role=role)


def remember_secrets(config: Config, db) -> None:
    """Every secret this process holds, known to the redaction from the first start on (not only
    those entered since): keys from the environment and the UI, players' tokens and passwords,
    notification URLs' credentials, the API key and the session secret in the data dir."""
    from metarr.db.database import connection
    from metarr.db.integrations import NotificationChannel, Player
    from metarr.service import redact
    from metarr.sources import keys as provider_keys
    with connection(db):
        stored = list(provider_keys.stored(db).values())
        players = [v for p in Player.select(Player.password, Player.token) for v in (p.password, p.token)]
        urls = [c.url for c in NotificationChannel.select(NotificationChannel.url)]
    redact.remember(*config.secrets(), *stored, *players, *(s for u in urls for s in redact.url_secrets(u)))
    for name in ("api_key", "session_secret"):
        path = config.data_dir / name
        if path.is_file():
            redact.remember(path.read_text(errors="replace").strip())


class ActorSystem:
    """Owns the actors of one process. `start()` blocks until every actor answered a ping; from
    then on a supervisor starts again any of them that dies."""

    def __init__(self, services: Services, run_workers: bool = True) -> None:
        self.services = services
        self.run_workers = run_workers
        self.order: list[tuple[str, pykka.ActorRef]] = []
        self.supervisor: Supervisor | None = None
        self.probe: WaitingProbe | None = None

    def start(self) -> None:
        from .handlers import register_all

        s = self.services
        s.registry = HandlerRegistry()  # fresh per start: a restarted system registers again
        register_all(s)
        from metarr.library import recyclebin
        from metarr.service import schedules, settings
        if self.run_workers:   # scans run here: their probe processes (spawned on first use)
            s.probe_pool = ProbePool(int(settings.get(s.db, "scan.probe_concurrency"))).start()
        schedules.seed(s.db, set(s.registry.types()))
        recyclebin.reconcile(s.db, s.config.recycle_dir)
        # phase actors first (handlers call them), then the ledger that dispatches, then producers;
        # the ledger's state outlives one ledger: a restarted one carries on with its workers and jobs
        state = LedgerState(store.new_worker_id())
        ledger = ("ledger", lambda: JobLedger.start(s.db, s.bus, s.registry, s, lease=s.config.lease_seconds,
                                                    run_workers=self.run_workers, state=state))
        self.supervisor = Supervisor(s, self._restarted)
        for name, factory in [*_phase_actor_factories(s), ledger, *_producer_factories(s)]:
            ref = factory()
            self.order.append((name, ref))
            s.actors[name] = ref.proxy()
            self.supervisor.watch(name, factory, ref)
        # the barrier: every actor has run on_start and answers
        for _name, ref in self.order:
            ref.proxy().ping().get(timeout=60)
        self.supervisor.start()
        self.probe = WaitingProbe(s)   # resumes the jobs that wait on a disk or the database once it works
        self.probe.start()
        log.info("actors started: %s", ", ".join(n for n, _ in self.order))

    def _restarted(self, name: str, ref: pykka.ActorRef) -> None:
        """The supervisor started `name` again: callers find the new one from now on."""
        self.order = [(n, ref if n == name else r) for n, r in self.order]
        self.services.actors[name] = ref.proxy()

    def stop(self) -> None:
        if self.probe is not None:
            self.probe.stop()
            self.probe = None
        if self.supervisor is not None:   # first: nothing is started again while the system stops
            self.supervisor.stop()
            self.supervisor = None
        for name, ref in reversed(self.order):
            try:
                ref.stop(block=True, timeout=30)
            except pykka.ActorDeadError:
                pass
            except Exception:
                log.exception("stopping %s failed", name)
        self.order.clear()
        self.services.actors.clear()
        if self.services.probe_pool is not None:   # after the actors: no scan is using it any more
            self.services.probe_pool.stop()
            self.services.probe_pool = None
        left = [r for r in pykka.ActorRegistry.get_all()]
        if left:
            log.warning("actor threads still running after stop: %s", left)
            pykka.ActorRegistry.stop_all(block=True, timeout=10)
        close_database(self.services.db)


def _phase_actor_factories(s: Services):
    """Long-lived phase actors (gateway, cache, publisher, syncer), started before the ledger."""
    from .asset_cache import AssetCache
    from .notifier import Notifier
    from .player_syncer import PlayerSyncer
    from .provider_gateway import ProviderGateway
    from .publisher import Publisher
    return [("gateway", lambda: ProviderGateway.start(s)), ("asset_cache", lambda: AssetCache.start(s)),
            ("publisher", lambda: Publisher.start(s)), ("syncer", lambda: PlayerSyncer.start(s)),
            ("notifier", lambda: Notifier.start(s))]


def _producer_factories(s: Services):
    """Actors that create jobs from outside events; only the web service watches libraries."""
    if s.role != "serve":
        return []
    from .library_watcher import LibraryWatcher
    return [("watcher", lambda: LibraryWatcher.start(s))]
