"""The artwork import's reads of a batch's slots and locked fields (metarr.scanning.art_import): a
seek for each entity, whatever the planner knows of the tables (#32)."""
from metarr.db import statements
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import ArtworkSlot, FieldState
from metarr.scanning import art_import


def test_a_batch_reads_the_slots_and_locks_of_its_entities_by_seeks(services):
    """A first scan fills artwork_slots and field_states from nothing, without statistics: given a
    batch's ids as an IN list, PostgreSQL read every row of the entity type and kept those of the
    ids (16-35 ms a batch at 20,000-40,000 movies, growing with the library). Each id must be an
    index condition, and the answer stays the batch's own."""
    db = services.db
    with write_tx(db):
        statements.insert_many(db, FieldState, [dict(entity_type="movie", entity_id=i, field=f, source="local",
                                                     locked=(i == 150 and f == "art:poster"), updated_at=0)
                                                for i in range(1, 3001) for f in ("title", "art:poster", "art:fanart")])
        statements.insert_many(db, ArtworkSlot, [dict(entity_type="movie", entity_id=i, slot=s, rank=0, cache_file_id=1, source="local",
                                                      updated_at=0) for i in range(1, 3001) for s in ("poster", "fanart")])
    batch = [("movie", i, "poster", None, f"M{i}/poster.jpg") for i in range(101, 201)]
    seen = []
    real = db.execute_sql

    def spy(sql, params=None, *a, **kw):
        seen.append((sql, params))
        return real(sql, params, *a, **kw)
    db.execute_sql = spy
    try:
        slots, locked = art_import._slot_states(db, batch)
    finally:
        del db.execute_sql
    assert {k[:2] for k in slots} == {("movie", i) for i in range(101, 201)} and len(slots) == 200
    assert locked == {("movie", 150, "poster")}
    assert len(seen) == 2
    for sql, params in seen:
        if is_sqlite(db):
            plan = " ".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
            assert "entity_id=?" in plan, plan
        else:
            plan = "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params).fetchall())
            filters = [line for line in plan.splitlines() if "Filter:" in line]
            assert not any("entity_id" in f for f in filters), plan
            assert "(entity_id = e.id)" in plan, plan
