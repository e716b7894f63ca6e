"""Deferred writes: held until the next read, in order, all or nothing (PostgreSQL; SQLite: as is)."""
import pytest

from metarr.db.database import is_sqlite, write_tx
from metarr.db.deferred import PartialRollback, deferred_writes, together_or_each
from metarr.db.media import EntityList


def _row(name: str, value: str = "v") -> dict:
    return dict(entity_type="movie", entity_id=1, name=name, value=value, position=0)


def _names() -> list[str]:
    return sorted(r.name for r in EntityList.select())


def test_held_writes_reach_the_next_read_in_one_round_trip(services):
    db = services.db
    if is_sqlite(db):
        pytest.skip("SQLite has no round trips to save")
    conn = db.connection()
    sent = []

    class Counting(type(conn.cursor())):
        def execute(self, sql, args=None):
            sent.append(sql)
            return super().execute(sql, args)
    conn.cursor_factory = Counting
    try:
        with write_tx(db), deferred_writes(db):
            EntityList.insert(_row("a")).execute()   # peewee asks for the id back: sent at once
            sent.clear()
            for n in ("b", "c"):
                db.execute_sql("INSERT INTO entity_lists (entity_type, entity_id, name, value, position) "
                               "VALUES (%s, %s, %s, %s, %s)", ("movie", 1, n, "100% 'quoted'", 0))
            with write_tx(db):   # a savepoint: not made inside the block
                db.execute_sql("UPDATE entity_lists SET value = %s WHERE name = %s", ("w", "c"))
            assert sent == []
            assert db.execute_sql("SELECT count(*) FROM entity_lists").fetchone()[0] == 3
            assert len(sent) == 1
            db.execute_sql("DELETE FROM entity_lists WHERE name = %s", ("a",))
        assert sent[1] == b"DELETE FROM entity_lists WHERE name = 'a'"   # still held when the block ended
    finally:
        conn.cursor_factory = None
    assert {r.name: r.value for r in EntityList.select()} == {"b": "100% 'quoted'", "c": "w"}


def test_a_held_write_that_fails_fails_the_block(services):
    db = services.db
    with pytest.raises(Exception), write_tx(db), deferred_writes(db):   # noqa: B017 (driver's error class)
        EntityList.insert(_row("a")).execute()
        db.execute_sql("UPDATE entity_lists SET name = NULL")   # refused (NOT NULL), maybe only later
        db.execute_sql("SELECT 1").fetchone()
    assert _names() == []


def test_an_error_caught_inside_the_block_fails_it(services):
    db = services.db

    def together() -> str:
        EntityList.insert(_row("a")).execute()
        try:
            with write_tx(db):
                EntityList.insert(_row("b")).execute()
                raise ValueError("caught below: its savepoint is rolled back")
        except ValueError:
            pass
        return "together"

    def each() -> str:
        EntityList.insert(_row("c")).execute()
        return "each"

    if is_sqlite(db):   # no deferring there: the savepoint works as ever
        assert together_or_each(db, together, each) == "together"
        assert _names() == ["a"]
    else:
        with pytest.raises(PartialRollback), write_tx(db), deferred_writes(db):
            together()
        assert _names() == []
        assert together_or_each(db, together, each) == "each"
        assert _names() == ["c"]


def test_new_rows_get_ids_drawn_ahead_and_their_inserts_are_held(services):
    """A new item (a first scan's movie) was a round trip of its own: its INSERT asked for its id
    back. Inside the block the ids are drawn ahead (1, 2, 4, … at a time), the INSERTs held."""
    from metarr.db import statements
    from metarr.db.media import Movie
    db = services.db
    lib_id = _library(db)
    conn = db.connection() if not is_sqlite(db) else None
    sent = []
    if conn is not None:
        class Counting(type(conn.cursor())):
            def execute(self, sql, args=None):
                if sql not in ("BEGIN", "COMMIT"):
                    sent.append(sql)
                return super().execute(sql, args)
        conn.cursor_factory = Counting
    try:
        with write_tx(db), deferred_writes(db):
            ids = [statements.insert(db, Movie, dict(library_id=lib_id, key=f"M{i}/M{i}.mkv", folder=f"M{i}", title=f"M{i}",
                                                     created_at=0, updated_at=0, date_added=0)) for i in range(7)]
            if conn is not None:
                assert len(sent) == 3 and all(b"nextval" in s for s in sent)   # 1 + 2 + 4 ids, no INSERT sent yet
        if conn is not None:
            assert len(sent) == 4 and sum(s.count(b"INSERT") for s in sent) == 7
    finally:
        if conn is not None:
            conn.cursor_factory = None
    assert len(set(ids)) == 7
    assert {m.id: m.title for m in Movie.select()} == {i: f"M{n}" for n, i in enumerate(ids)}
    later = statements.insert(db, Movie, dict(library_id=lib_id, key="X/X.mkv", folder="X", title="X",
                                               created_at=0, updated_at=0, date_added=0))
    assert later > max(ids)   # the sequence went past every id drawn


def _library(db) -> int:
    from metarr.db.models import Library
    return Library.create(name="L", kind="movie", path="/nowhere", created_at=0, updated_at=0).id
