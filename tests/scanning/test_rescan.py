"""A no-change rescan proves "nothing changed" from the remembered walk (a digest in the database)
without reading the file rows, and the memory never hides a change."""
import os

from metarr.db.media import Movie
from web.demo.media import make_clip

from .test_scan import make_lib, run


def rows_read(services, monkeypatch) -> list[str]:
    """The scanner's reads of a library's file rows, recorded as they happen."""
    seen, real = [], services.db.execute_sql

    def spy(sql, *a, **kw):
        if sql.lstrip().startswith("SELECT") and "FROM media_files" in sql:
            seen.append(sql)
        return real(sql, *a, **kw)
    monkeypatch.setattr(services.db, "execute_sql", spy)
    return seen


def test_a_remembered_walk_never_hides_a_change(services, tmp_path, monkeypatch):
    """A whole-library rescan that matches the remembered walk (a digest in the database) reads no file
    rows, so the memory must fail whenever the rows may differ: a change on disk, or one recorded
    by another scan."""
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927).mkv")
    make_clip(root / "Nosferatu (1922)" / "Nosferatu (1922).mkv")
    assert run(services, lib).new == 2
    reads = rows_read(services, monkeypatch)
    rep = run(services, lib)
    assert (rep.new, rep.changed, rep.deleted, rep.units) == (0, 0, 0, 0)
    assert not any("mtime_ns, inode" in q for q in reads), reads   # proven unchanged without reading the rows
    # a change on disk: the walk differs from the remembered one
    (root / "Metropolis (1927)" / "Metropolis (1927).nfo").write_text("<movie><plot>Maschinenmensch.</plot></movie>")
    rep = run(services, lib)
    assert rep.new == 1 and Movie.get(Movie.title == "Metropolis").plot == "Maschinenmensch."
    # another process records a deletion; the folder then comes back exactly as it was (a rename keeps
    # inode, size and mtime), so this process's walk equals what it remembers: only the version tells
    outside = tmp_path / "parked"
    os.rename(root / "Nosferatu (1922)", outside)
    assert run(services, lib, "Nosferatu (1922)").deleted == 1   # a folder scan (watcher, webhook)
    assert Movie.get(Movie.title == "Nosferatu").deleted_at is not None
    os.rename(outside, root / "Nosferatu (1922)")
    rep = run(services, lib)
    assert rep.changed == 1 and Movie.get(Movie.title == "Nosferatu").deleted_at is None
    # a deletion recorded while the digest stays put: only the version tells (the rows change, the walk not)
    os.rename(root / "Nosferatu (1922)", outside)
    assert run(services, lib, "Nosferatu (1922)").deleted == 1
    os.rename(outside, root / "Nosferatu (1922)")
    assert run(services, lib).changed == 1
    assert Movie.get(Movie.title == "Nosferatu").deleted_at is None
    # and with nothing changed since, the remembered walk and the rows agree again
    reads.clear()
    rep = run(services, lib)
    assert (rep.new, rep.changed, rep.deleted, rep.moved) == (0, 0, 0, 0)
    assert not any("mtime_ns, inode" in q for q in reads)


def test_the_remembered_walk_outlives_the_process_and_a_forged_one_is_never_trusted(services, tmp_path, monkeypatch):
    """The first rescan after a restart is the one users meet after every reboot: the digest lives in
    the database, so a new process (here: fresh library objects, nothing in memory) trusts it too.
    A digest that does not belong to the rows' version (another process's change) is not trusted."""
    from metarr.db.models import Library
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927).mkv")
    run(services, lib)
    run(services, lib)
    state = Library.get_by_id(lib.id)
    assert state.files_version and state.walk_digest
    reads = rows_read(services, monkeypatch)
    rep = run(services, Library.get_by_id(lib.id))
    assert rep.new == rep.changed == rep.deleted == 0 and not any("mtime_ns, inode" in q for q in reads)
    # another process recorded a change: a new version; the old digest no longer vouches
    Library.update(files_version="0" * 32).where(Library.id == lib.id).execute()
    (root / "Metropolis (1927)" / "Metropolis (1927).mkv").unlink()
    rep = run(services, Library.get_by_id(lib.id))
    assert rep.deleted == 1 and any("mtime_ns, inode" in q for q in reads)


def test_a_folder_scan_beside_a_whole_scan_keeps_the_whole_scan_from_remembering(services, tmp_path, monkeypatch):
    """A folder scan (watcher, webhook) may record a change while a whole-library scan is between
    reading the rows and writing its own changes: the rows then no longer hold the whole scan's walk,
    so it must not be remembered as if they did."""
    from metarr.scanning import scanner
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927).mkv")
    make_clip(root / "Nosferatu (1922)" / "Nosferatu (1922).mkv")
    run(services, lib)
    make_clip(root / "Sunrise (1927)" / "Sunrise (1927).mkv")   # the whole scan has something to write
    outside, real = tmp_path / "parked", scanner.record_files

    def folder_scan_meanwhile(*a, **kw):
        monkeypatch.setattr(scanner, "record_files", real)   # once: the folder scan below records with it
        os.rename(root / "Nosferatu (1922)", outside)
        assert run(services, lib, "Nosferatu (1922)").deleted == 1
        os.rename(outside, root / "Nosferatu (1922)")   # back as it was: the whole scan's walk holds it
        return real(*a, **kw)
    monkeypatch.setattr(scanner, "record_files", folder_scan_meanwhile)
    assert run(services, lib).new == 1
    assert Movie.get(Movie.title == "Nosferatu").deleted_at is not None   # what the folder scan recorded
    rep = run(services, lib)
    assert rep.changed == 1 and Movie.get(Movie.title == "Nosferatu").deleted_at is None
