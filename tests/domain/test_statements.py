"""Compiled statements write exactly the rows peewee would write, on SQLite and PostgreSQL."""
import time

import pytest
from playhouse.shortcuts import model_to_dict

from metarr.db import statements
from metarr.db.media import CacheFile, EntityList, FieldState, MediaFile, Movie


def _values():
    now = time.time()
    return dict(library_id=1, key="Am\u00e9lie (2001)/Am\u00e9lie 100% 'x'.mkv", folder="Am\u00e9lie (2001)",
                year=2001, disc=True, parsed={"title": "Am\u00e9lie", "year": 2001, "source": "regex"},
                date_added=now, created_at=now, updated_at=now)


def test_an_inserted_row_equals_the_one_peewee_creates(services):
    db = services.db
    by_peewee = Movie.create(**_values())
    by_statement = Movie.get_by_id(statements.insert(db, Movie, {**_values(), "key": "other.mkv"}))
    a, b = model_to_dict(by_peewee), model_to_dict(by_statement)
    for k in ("id", "key", "date_added", "created_at", "updated_at"):
        a.pop(k), b.pop(k)
    assert a == b
    # defaults the database does not know were filled in, JSON and booleans converted both ways
    assert (by_statement.state, by_statement.title, by_statement.disc) == ("discovered", "", True)
    assert by_statement.parsed == {"title": "Am\u00e9lie", "year": 2001, "source": "regex"}


def test_upsert_updates_only_the_named_fields_and_do_nothing_keeps_the_first(services):
    db = services.db
    rows = [dict(entity_type="movie", entity_id=1, field=f, source="nfo", locked=True, updated_at=1.0)
            for f in ("title", "plot")]
    with db.atomic():
        statements.insert_many(db, FieldState, rows, conflict=("entity_type", "entity_id", "field"),
                               update=("source",))
        # the same key twice in one call: as two statements one after the other (PostgreSQL's one
        # multi-row statement may not touch a row twice)
        statements.insert_many(db, FieldState, [
            dict(entity_type="movie", entity_id=1, field="title", source="user", locked=False, updated_at=2.0),
            dict(entity_type="movie", entity_id=1, field="title", source="provider:tmdb", locked=False,
                 updated_at=3.0)], conflict=("entity_type", "entity_id", "field"), update=("source",))
    got = {r.field: (r.source, r.locked, r.updated_at) for r in FieldState.select()}
    assert got == {"title": ("provider:tmdb", True, 1.0), "plot": ("nfo", True, 1.0)}
    cache = dict(sha256="ab" * 32, path="cache/a.jpg", kind="assets", size=1, mime="image/jpeg", width=1, height=1,
                 phash="0" * 16, origin="local", origin_url=None, created_at=1.0)
    statements.insert_many(db, CacheFile, [cache], conflict=("sha256",))
    statements.insert_many(db, CacheFile, [{**cache, "path": "elsewhere.jpg"}], conflict=("sha256",))
    assert [(c.path, c.orphaned_at) for c in CacheFile.select()] == [("cache/a.jpg", None)]


def test_updates_and_deletes(services):
    db = services.db
    files = [dict(library_id=1, path=f"A/{n}", size=1, mtime_ns=1, inode=i, kind="unknown", first_seen=1.0,
                  updated_at=1.0) for i, n in enumerate(("a.mkv", "poster.jpg", "x%.nfo"))]
    statements.insert_many(db, MediaFile, files)
    ids = {f.path: f.id for f in MediaFile.select()}
    statements.update_many(db, MediaFile, ("entity_type", "entity_id", "kind"), "id",
                           [("movie", 7, "video", ids["A/a.mkv"]), ("movie", 7, "image", ids["A/poster.jpg"])])
    statements.update(db, MediaFile, {"kind": "nfo", "role": "100%"}, id=ids["A/x%.nfo"])
    got = {f.path: (f.entity_type, f.entity_id, f.kind, f.role) for f in MediaFile.select()}
    assert got == {"A/a.mkv": ("movie", 7, "video", None), "A/poster.jpg": ("movie", 7, "image", None),
                   "A/x%.nfo": (None, None, "nfo", "100%")}
    statements.insert_many(db, EntityList, [dict(entity_type="movie", entity_id=7, name=n, value=v, position=0)
                                            for n, v in (("genres", "Drama"), ("tags", "t"), ("studios", "s"))])
    statements.delete_in(db, EntityList, "name", ["genres", "tags"], entity_type="movie", entity_id=7)
    assert [r.name for r in EntityList.select()] == ["studios"]


def test_rows_of_different_shapes_are_refused(services):
    with pytest.raises(ValueError, match="same fields"):
        statements.insert_many(services.db, EntityList, [
            dict(entity_type="movie", entity_id=1, name="genres", value="a", position=0),
            dict(entity_type="movie", entity_id=1, name="genres", position=1)])


def test_a_new_key_given_twice_keeps_the_first_row_with_the_last_ones_updated_fields(services):
    db = services.db
    key = dict(entity_type="movie", entity_id=2, field="title")
    statements.insert_many(db, FieldState, [
        dict(**key, source="name", origin="en", locked=True, updated_at=1.0),
        dict(entity_type="movie", entity_id=2, field="plot", source="nfo", origin=None, locked=False, updated_at=1.0),
        dict(**key, source="nfo", origin="de", locked=False, updated_at=2.0)],
        conflict=("entity_type", "entity_id", "field"), update=("source", "updated_at"))
    got = {r.field: (r.source, r.origin, r.locked, r.updated_at) for r in FieldState.select()}
    assert got == {"title": ("nfo", "en", True, 2.0), "plot": ("nfo", None, False, 1.0)}


def test_many_rows_in_pages_and_updates_of_nulls_and_repeated_keys(services, monkeypatch):
    db = services.db
    monkeypatch.setattr(statements, "BATCH_PAGE", 3)   # several pages, the last one short
    statements.insert_many(db, MediaFile, [
        dict(library_id=1, path=f"B/{i}.jpg", size=i, mtime_ns=1, inode=i, kind="unknown", first_seen=1.0,
             updated_at=1.0, entity_type="movie", entity_id=i) for i in range(8)])
    ids = {f.path: f.id for f in MediaFile.select()}
    assert len(ids) == 8
    statements.update_many(db, MediaFile, ("entity_type", "entity_id", "sha256"), "id",
                           [(None, None, None, ids["B/0.jpg"]), ("movie", 70, "a%'b", ids["B/1.jpg"]),
                            ("movie", 71, "x", ids["B/1.jpg"])] +   # the same key again: the last one wins
                           [("series", i, None, ids[f"B/{i}.jpg"]) for i in range(2, 8)])
    got = {f.path: (f.entity_type, f.entity_id, f.sha256) for f in MediaFile.select()}
    assert got == {"B/0.jpg": (None, None, None), "B/1.jpg": ("movie", 71, "x"),
                   **{f"B/{i}.jpg": ("series", i, None) for i in range(2, 8)}}
