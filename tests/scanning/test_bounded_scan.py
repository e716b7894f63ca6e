"""A scan holds a bounded part of the library at a time (#32): the walk spooled in chunks (beyond a
memory budget, in a temporary file), compared with the rows in a walk table, new files recorded a
page at a time, the backlog applied a page of units at a time, pending videos probed a page at a
time. Here every bound is set far below the library's size: the result must be the one a scan with
the usual bounds gives, moves between far-apart folders (other chunks, other pages) must still be
found, and a rescan of an unchanged library must change nothing."""
import os
import shutil

import pytest

from metarr.db.media import ArtworkSlot, MediaFile, Movie, ScanBacklog
from metarr.db.models import Library
from metarr.scanning import probing, scanner, walk_spool, walk_table
from web.demo.media import make_clip, make_image

from .test_scan import make_lib, run

NAMES = [f"{t} ({1920 + i})" for i, t in enumerate(
    ["Aelita", "Battleship", "Cabiria", "Destiny", "Earth", "Faust", "Greed", "Haxan", "Intolerance", "Jazz"])]


def _tiny(monkeypatch):
    monkeypatch.setattr(scanner, "BATCH_UNITS", 2)
    monkeypatch.setattr(walk_spool, "CHUNK_FILES", 3)
    monkeypatch.setattr(walk_spool, "MEMORY_BYTES", 200)   # the second chunk on goes to the temporary file
    monkeypatch.setattr(walk_table, "PAGE", 2)
    monkeypatch.setattr(walk_table, "ROWS_PER_INSERT", 2)
    monkeypatch.setattr(probing, "PAGE", 2)
    monkeypatch.setattr(scanner, "ANALYZE_AFTER", 1)   # PostgreSQL: statistics renewed after the first scan
    spilled = []
    real = walk_spool.WalkSpool.finish

    def finish(self):
        out = real(self)
        spilled.append(self.spilled)
        return out
    monkeypatch.setattr(walk_spool.WalkSpool, "finish", finish)
    return spilled


@pytest.fixture
def tiny_bounds(monkeypatch):
    return _tiny(monkeypatch)


def _library(root):
    for i, name in enumerate(NAMES):
        make_clip(root / name / f"{name}.mkv")
        (root / name / f"{name}.nfo").write_text(f"<movie><title>{name[:-7]}</title><plot>Plot {i}.</plot></movie>")
        make_image(root / name / "poster.jpg", 200, 300, pattern=i % 5)
    make_clip(root / "Loose (1930).mkv")   # a file in the library's root: the unit ''


def _state(lib):
    """The library's rows, without ids and times: what a scan made of it."""
    movies = {m.id: m for m in Movie.select().where(Movie.library_id == lib.id)}
    files = sorted((f.path, f.size, f.kind, f.role, f.entity_type, movies[f.entity_id].key if f.entity_type == "movie"
                    else f.entity_id, f.deleted_at is None, f.streams is not None)
                   for f in MediaFile.select().where(MediaFile.library_id == lib.id))
    items = sorted((m.key, m.folder, m.title, m.year, m.plot, m.deleted_at is None) for m in movies.values())
    slots = sorted((movies[s.entity_id].key, s.slot) for s in ArtworkSlot.select().where(
        (ArtworkSlot.entity_type == "movie") & ArtworkSlot.entity_id.in_(list(movies))))
    return files, items, slots


def test_a_scan_in_small_batches_gives_what_one_in_large_batches_gives(services, tmp_path, monkeypatch):
    usual, usual_root = make_lib(tmp_path, "movie", "Usual")
    _library(usual_root)
    rep_usual = run(services, usual)
    small, small_root = make_lib(tmp_path, "movie", "Small")
    _library(small_root)
    spilled = _tiny(monkeypatch)
    rep_small = run(services, small)
    assert spilled and all(spilled)   # the walk went through the temporary file
    assert _state(small) == _state(usual)
    assert len(_state(small)[1]) == len(NAMES) + 1 and all(f[-1] for f in _state(small)[0] if f[2] == "video")
    for field in ("files", "new", "units", "created", "probes", "nfo_imported", "art_imported"):
        assert getattr(rep_small, field) == getattr(rep_usual, field), field
    assert rep_small.files == 3 * len(NAMES) + 1 and rep_small.units == len(NAMES) + 1
    assert len(rep_small.targets) == len(NAMES) + 1 and ScanBacklog.select().count() == 0
    assert not [p for p in os.listdir(services.config.data_dir) if p.startswith(".metarr-scan-walk-")]


def test_moves_between_far_apart_folders_are_found_in_small_batches(services, tmp_path, tiny_bounds):
    lib, root = make_lib(tmp_path, "movie")
    _library(root)
    run(services, lib)
    before = {m.key: m.id for m in Movie.select().where(Movie.library_id == lib.id)}
    # the first folder becomes the last one, and a file moves from the last folder into the root
    os.rename(root / NAMES[0], root / "Zvenigora (1928)")
    for name in os.listdir(root / "Zvenigora (1928)"):
        if name.startswith(NAMES[0]):
            os.rename(root / "Zvenigora (1928)" / name, root / "Zvenigora (1928)" / name.replace(NAMES[0], "Zvenigora (1928)"))
    os.rename(root / NAMES[-1] / f"{NAMES[-1]}.mkv", root / f"{NAMES[-1]}.mkv")
    shutil.rmtree(root / NAMES[-1])
    rep = run(services, lib)
    assert rep.new == 0 and rep.moved == 4 and rep.deleted == 2   # the last folder's NFO and poster went
    moved = Movie.get((Movie.library_id == lib.id) & (Movie.key == "Zvenigora (1928)/Zvenigora (1928).mkv"))
    assert moved.id == before[f"{NAMES[0]}/{NAMES[0]}.mkv"] and moved.deleted_at is None
    assert moved.folder == "Zvenigora (1928)"
    loose = Movie.get((Movie.library_id == lib.id) & (Movie.key == f"{NAMES[-1]}.mkv"))
    assert loose.id == before[f"{NAMES[-1]}/{NAMES[-1]}.mkv"]
    assert MediaFile.select().where((MediaFile.library_id == lib.id) & MediaFile.deleted_at.is_null(False)).count() == 2
    again = run(services, lib)
    assert again.new == again.changed == again.moved == again.deleted == again.units == 0


def test_a_rescan_of_an_unchanged_library_changes_nothing(services, tmp_path, tiny_bounds):
    lib, root = make_lib(tmp_path, "movie")
    _library(root)
    run(services, lib)
    state = Library.get_by_id(lib.id)
    rows = lambda model: sorted(tuple(r.values()) for r in model.select().where(model.library_id == lib.id).dicts())  # noqa: E731
    files, movies = rows(MediaFile), rows(Movie)
    for forget in (False, True):   # the remembered walk vouches; then, without it, every row is compared
        if forget:
            Library.update(walk_digest=None).where(Library.id == lib.id).execute()
        rep = run(services, lib)
        assert (rep.new, rep.changed, rep.moved, rep.deleted, rep.units, rep.probes, len(rep.targets)) == (0,) * 7
        assert rep.files == 3 * len(NAMES) + 1
        assert rows(MediaFile) == files and rows(Movie) == movies
        now = Library.get_by_id(lib.id)
        assert now.files_version == state.files_version and now.walk_digest == state.walk_digest


def test_a_walk_table_left_by_a_killed_scan_is_removed_later(services, tmp_path):
    data = services.config.data_dir
    old, recent = data / ".metarr-scan-walk-dead.db", data / ".metarr-scan-walk-busy.db"
    for f in (old, recent):
        f.write_bytes(b"")
    os.utime(old, (1, 1))   # a file from long ago: its scan was killed; a recent one may be another scan's
    lib, root = make_lib(tmp_path, "movie")
    _library(root)
    run(services, lib)
    assert not old.exists() and recent.exists()


def test_a_large_first_scan_leaves_statistics_on_the_tables_its_items_filled(services, tmp_path, tiny_bounds):
    """PostgreSQL: the item tables a first scan fills from nothing have no statistics until
    autovacuum comes by (if it runs at all); what runs after the scan must not plan blind (#32)."""
    from metarr.db.database import is_sqlite
    lib, root = make_lib(tmp_path, "movie")
    _library(root)
    rep = run(services, lib, do_probe=False)
    assert rep.created == len(NAMES) + 1
    if not is_sqlite(services.db):
        known = dict(services.db.execute_sql(
            "SELECT relname, reltuples FROM pg_class WHERE relnamespace = to_regnamespace(current_schema()) "
            "AND relname IN ('movies', 'field_states', 'artwork_slots', 'media_files')").fetchall())
        assert known == {"movies": len(NAMES) + 1, "field_states": known["field_states"],
                         "artwork_slots": len(NAMES), "media_files": 3 * len(NAMES) + 1}
        assert known["field_states"] > 0
