"""AssetCache: downloads, verifies and stores artwork content-addressed, on a small pool of its
own threads. `fetch(url)` answers at once with a concurrent future (the caller waits on it), and
two requests for the same URL in flight share one download."""
from __future__ import annotations

import concurrent.futures
import logging
import threading

from metarr.assets import cache
from metarr.assets.download import DownloadPolicy
from metarr.assets.images import init_pillow
from metarr.assets.paced import paced
from metarr.db.database import connection, is_sqlite
from metarr.library.fsutil import sweep_temp_files
from metarr.service import settings
from metarr.sources import shared
from metarr.sources.budget import budget_for
from metarr.sources.registry import default_limits

from .base import MetarrActor

log = logging.getLogger(__name__)


class AssetCache(MetarrActor):
    def __init__(self, services, workers: int = 3) -> None:
        super().__init__()
        self.services = services
        self.db = services.db
        self.workers = workers
        self.inflight: dict[tuple[str, str], concurrent.futures.Future] = {}
        self.lock = threading.Lock()
        self.counts = {"downloads": 0, "failed": 0, "shared": 0}

    def on_start(self) -> None:
        init_pillow()   # the one place Pillow's global bomb limit is set
        cfg = self.services.config
        with connection(self.db):
            limit = int(settings.get(self.db, "images.max_pixels"))
        self.store = cache.open_store(cfg.data_dir, limit)
        removed = self.store.sweep()   # leftovers of downloads interrupted by a crash
        if cfg.recycle_dir.is_dir():   # and of a copy into the recycle bin a kill cut short
            removed += sweep_temp_files(cfg.recycle_dir)
        if removed:
            log.info("removed %d unfinished cache temp files", len(removed))
        self.policy = DownloadPolicy.from_allow_hosts(cfg.allow_hosts)
        self.pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="asset-dl")

    def on_stop(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        super().on_stop()

    def fetch(self, url: str, kind: str = "assets") -> concurrent.futures.Future:
        key = (url, kind)
        with self.lock:
            fut = self.inflight.get(key)
            if fut is not None:
                self.counts["shared"] += 1
                return fut
            fut = self.pool.submit(self._download, url, kind)
            self.inflight[key] = fut
        fut.add_done_callback(lambda _f: self._done(key))
        return fut

    def _done(self, key) -> None:
        with self.lock:
            self.inflight.pop(key, None)

    def _download(self, url: str, kind: str):
        cfg = self.services.config
        s = self.services
        key, lim = budget_for(url, cfg.provider_urls, cfg.provider_limits,
                              {k: v for k, v in cfg.provider_limits.items() if k not in default_limits()})
        reserve = pause = None
        if not is_sqlite(self.db):
            # several worker processes: the host's budget is the database row every process reserves from
            def reserve():
                with connection(self.db):
                    return shared.reserve(self.db, key, 1.0 / lim.rps, lim.burst)

            def pause(until):
                with connection(self.db):
                    shared.pause(self.db, key, until)

        def once():
            with connection(self.db):
                return cache.ingest_url(self.db, self.store, cfg.data_dir, url, self.policy, kind)
        try:
            row = paced(once, key, lim, s.budgets, reserve, pause)
            self.counts["downloads"] += 1
            return row
        except Exception:
            self.counts["failed"] += 1
            raise

    def status(self) -> dict:
        return {"status": "ok", **self.counts, "in_flight": len(self.inflight)}
