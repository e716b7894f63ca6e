"""Publisher: the one actor that writes artwork and NFO files into libraries, so two publishes
never race on the same folder. Job handlers ask it; it never asks anyone."""
from __future__ import annotations

import logging
import time

from metarr.db.database import connection, write_tx
from metarr.db.media import ENTITY_MODELS, Collection
from metarr.publishing import movieset, publish
from metarr.service import settings

from .base import MetarrActor

log = logging.getLogger(__name__)


class Publisher(MetarrActor):
    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self.db = services.db

    def plan(self, entity_type: str, entity_id: int) -> dict:
        with connection(self.db):
            return publish.make_plan(self.services.config.data_dir, entity_type, entity_id,
                                     bool(settings.get(self.db, "publish.actors")),
                                     bool(settings.get(self.db, "publish.unidentified")),
                                     int(settings.get(self.db, "publish.fanart_count"))).to_json()

    def publish(self, entity_type: str, entity_id: int) -> dict:
        s = self.services
        with connection(self.db):
            plan = publish.make_plan(s.config.data_dir, entity_type, entity_id,
                                     bool(settings.get(self.db, "publish.actors")),
                                     bool(settings.get(self.db, "publish.unidentified")),
                                     int(settings.get(self.db, "publish.fanart_count")))
            counts = publish.apply_plan(self.db, plan, s.config.recycle_dir)
            now = time.time()
            with write_tx(self.db):
                # the item and the children whose files this publish owns (seasons, episodes, albums)
                for et, ids in publish.published_entities(entity_type, entity_id, plan).items():
                    model = ENTITY_MODELS[et]
                    model.update(published_at=now, state="published").where(model.id.in_(ids)).execute()
        s.bus.publish("publish.completed", entity_type=entity_type, id=entity_id, library_id=plan.library_id,
                      **counts)
        return {"library_id": plan.library_id, **counts,
                "paths": [a.rel for a in plan.changes], "all_paths": [a.rel for a in plan.actions if a.op != "remove"]}

    def plan_collection(self, collection_id: int) -> dict:
        with connection(self.db):
            return movieset.make_plan(self.services.config.data_dir, collection_id, _set_root(self.db)).to_json()

    def publish_collection(self, collection_id: int) -> dict:
        """The collection's movie set folder (metarr.publishing.movieset); the collection is published."""
        s = self.services
        with connection(self.db):
            plan = movieset.make_plan(s.config.data_dir, collection_id, _set_root(self.db))
            counts = movieset.apply(self.db, plan, s.config.recycle_dir)
            with write_tx(self.db):
                Collection.update(published_at=time.time(), state="published").where(
                    Collection.id == collection_id).execute()
        s.bus.publish("publish.completed", entity_type="collection", id=collection_id, **counts)
        return {**counts, "paths": [a.rel for a in plan.changes],
                "all_paths": [a.rel for a in plan.actions if a.op != "remove"]}


def _set_root(db) -> str:
    return settings.get(db, "publish.movieset_folder") or ""
