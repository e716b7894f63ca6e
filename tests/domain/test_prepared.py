"""Selects whose SQL text is built once (metarr/db/prepared.py) answer what peewee answers."""
import time

import pytest

from metarr.db import prepared
from metarr.db.database import connection, write_tx
from metarr.db.media import ArtworkSlot, CacheFile, EntityList


def test_a_prepared_select_answers_as_the_query_does_for_every_argument(services):
    db = services.db
    now = time.time()
    with connection(db), write_tx(db):
        for eid in (1, 2):
            for pos, g in enumerate(("Drama", f"Genre {eid}")):
                EntityList.create(entity_type="movie", entity_id=eid, name="genres", value=g, position=pos)
        cf = CacheFile.create(sha256="ab" * 32, path="x", size=1, mime="image/jpeg", width=10, height=15,
                              origin="upload", created_at=now)
        ArtworkSlot.create(entity_type="movie", entity_id=2, slot="poster", rank=0, cache_file_id=cf.id,
                           source="user", updated_at=now)

    def lists(t, i):
        return EntityList.select().where((EntityList.entity_type == t) & (EntityList.entity_id == i)) \
            .order_by(EntityList.position)

    def slots(t, i):
        return (ArtworkSlot.select(ArtworkSlot, CacheFile).join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
                .where((ArtworkSlot.entity_type == t) & (ArtworkSlot.entity_id == i)))
    with connection(db):
        for kind, eid in (("movie", 1), ("movie", 2), ("series", 1), ("movie", 1)):
            got = [(r.entity_id, r.value) for r in prepared.select("t-lists", lists, kind, eid)]
            assert got == [(r.entity_id, r.value) for r in lists(kind, eid)]
        (s,) = prepared.select("t-slots", slots, "movie", 2)
        assert s.cachefile.sha256 == "ab" * 32 and s.slot == "poster"
        assert prepared.select("t-slots", slots, "movie", 1) == []
        with pytest.raises(ValueError, match="one parameter of its own"):
            prepared.select("t-const", lambda t: EntityList.select().where(EntityList.entity_type == "movie"), "x")
