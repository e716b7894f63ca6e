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


def test_postgresql_runs_a_prepared_select_prepared_on_the_server_and_survives_losing_it(services, monkeypatch):
    """PostgreSQL: PREPAREd once per connection, then EXECUTEd; a session reset (DISCARD ALL) is
    prepared again; a pooler that forgets it at once (PgBouncer, transaction mode) turns it off."""
    from metarr.db.database import is_sqlite
    db = services.db
    if is_sqlite(db):
        pytest.skip("server-side prepared statements are PostgreSQL's")
    with connection(db), write_tx(db):
        EntityList.create(entity_type="movie", entity_id=7, name="genres", value="Drama", position=0)

    def lists(t, i):
        return EntityList.select().where((EntityList.entity_type == t) & (EntityList.entity_id == i))
    sent = []
    real = type(getattr(db, "obj", db)).execute_sql

    def spy(self, sql, params=None, *a, **k):
        sent.append(sql.split()[0])
        return real(self, sql, params, *a, **k)
    monkeypatch.setattr(type(getattr(db, "obj", db)), "execute_sql", spy)
    monkeypatch.setitem(prepared._state, "off", False)
    with connection(db) as conn:
        for _ in range(3):
            assert [r.value for r in prepared.select("t-srv", lists, "movie", 7)] == ["Drama"]
        assert sent == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]
        assert conn.execute_sql("SELECT COUNT(*) FROM pg_prepared_statements").fetchone()[0] >= 1
        conn.execute_sql("DISCARD ALL")   # the session forgot it: prepared again
        sent.clear()
        assert [r.value for r in prepared.select("t-srv", lists, "movie", 7)] == ["Drama"]
        assert sent == ["EXECUTE", "PREPARE", "EXECUTE"]
        # a pooler: what was prepared is gone at the next statement
        monkeypatch.setattr(prepared, "_prepare", lambda name, sql: None)
        conn.execute_sql("DISCARD ALL")
        assert [r.value for r in prepared.select("t-srv", lists, "movie", 7)] == ["Drama"]
        assert prepared._state["off"] is True
        sent.clear()
        assert [r.value for r in prepared.select("t-srv", lists, "movie", 7)] == ["Drama"]
        assert sent == ["SELECT"]
        # inside a transaction the text is sent as it is (a failed EXECUTE would end the transaction)
        monkeypatch.setitem(prepared._state, "off", False)
        with write_tx(db):
            sent.clear()
            assert [r.value for r in prepared.select("t-srv", lists, "movie", 7)] == ["Drama"]
            assert sent == ["SELECT"]
