"""A folder or file that moved is the same item (#28 item 5): the movie, show or artist keeps its
row, so its edits, locks, artwork choices and published state follow it, and the activity log
says "moved". Between two whole-library scans (the service stopped meanwhile), and as the watcher
sees a rename: two folder scans, in either order. Before, a renamed folder made a new item (no
plot, no lock) and soft-deleted the old one."""
import os

import pytest

from metarr import metadata as md
from metarr.db.media import Artist, LibraryFile, Movie, Series
from metarr.db.models import ActivityLog
from metarr.scanning.moves import follow_keys, map_path, prefix_map
from metarr.scanning.report import ScanContext
from web.demo.media import make_clip, make_image, make_track

from .test_scan import make_lib, run


def test_the_rename_behind_a_move():
    assert prefix_map("A (2000)/A (2000).mkv", "B (2000)/A (2000).mkv") == ("A (2000)", "B (2000)")
    assert prefix_map("A/a.mkv", "A/b.mkv") == ("A/a.mkv", "A/b.mkv")
    assert prefix_map("Show/Season 1/e.mkv", "Shows/Show/Season 1/e.mkv") == ("Show", "Shows/Show")
    maps = {("Show A", "Show B")}
    assert map_path("Show A", maps) == "Show B" and map_path("Show A/Season 1", maps) == "Show B/Season 1"
    assert map_path("Show AB", maps) is None
    assert map_path("X", {("X", "Y"), ("X", "Z")}) is None   # two disagree: no decision


def test_which_items_follow_their_files():
    moves = [("A (2000)/A (2000).mkv", "B (2000)/A (2000).mkv"), ("A (2000)/A (2000).nfo", "B (2000)/A (2000).nfo"),
             ("Show A/S1/e1.mkv", "Show B/S1/e1.mkv"), ("Mixed/S1/e1.mkv", "Other/S1/e1.mkv"),
             ("loose.mkv", "Loose (1999)/loose.mkv"), ("C/c.mkv", "C/c 1080p.mkv")]
    movies = [(1, "A (2000)/A (2000).mkv", "A (2000)"), (2, "loose.mkv", ""), (3, "C/c.mkv", "C"),
              (4, "D/d.mkv", "D")]
    folders = {"series": [(7, "Show A"), (8, "Mixed")]}
    got = {(r.entity_type, r.id): (r.new_key, r.folder) for r in follow_keys(moves, movies, folders, {"Mixed"})}
    assert got == {("movie", 1): ("B (2000)/A (2000).mkv", "B (2000)"),
                   ("movie", 2): ("Loose (1999)/loose.mkv", "Loose (1999)"),
                   ("movie", 3): ("C/c 1080p.mkv", "C"),
                   ("series", 7): ("Show B", None)}   # 'Mixed' keeps files at the old place: it stays


def _edit(movie_id: int) -> None:
    md.apply(Movie._meta.database, "movie", movie_id, md.Update("user", {"plot": "The user's own words."}, lock=True))


def _movie(services, lib, root, name="Metropolis (1927)"):
    make_clip(root / name / f"{name}.mkv")
    make_image(root / name / "poster.jpg", 200, 300)
    run(services, lib)
    m = Movie.get(Movie.library_id == lib.id)
    _edit(m.id)
    # an NFO as a publish leaves it: on disk, and known as Metarr's own
    nfo = root / name / f"{name}.nfo"
    nfo.write_text("<movie><title>Metropolis</title><plot>The user's own words.</plot></movie>")
    st = nfo.stat()
    LibraryFile.create(library_id=lib.id, path=f"{name}/{name}.nfo", kind="nfo", entity_type="movie",
                       entity_id=m.id, sha256="0" * 64, size=st.st_size, mtime_ns=st.st_mtime_ns, published_at=1.0)
    run(services, lib)
    return m


def _kept(lib, m, new_folder: str) -> None:
    live = list(Movie.select().where((Movie.library_id == lib.id) & Movie.deleted_at.is_null(True)))
    assert [x.id for x in live] == [m.id], "a new item was made for the moved folder"
    row = Movie.get_by_id(m.id)
    assert row.folder == new_folder and row.key.startswith(new_folder + "/") and row.date_added == m.date_added
    assert row.plot == "The user's own words." and md.load_states("movie", m.id)["plot"].locked
    assert LibraryFile.get(LibraryFile.entity_id == m.id).path.startswith(new_folder + "/")
    said = [a.message for a in ActivityLog.select().where(ActivityLog.entity_id == m.id)]
    assert any("moved from Metropolis (1927)/" in s and f"to {new_folder}/" in s for s in said), said


def test_a_folder_renamed_between_two_scans_keeps_the_item(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    os.rename(root / "Metropolis (1927)", root / "Metropolis (1927) [restored]")
    rep = run(services, lib)
    assert rep.moved == 3 and rep.created == 0 and rep.removed == 0
    _kept(lib, m, "Metropolis (1927) [restored]")


@pytest.mark.parametrize("order", ["old folder first", "new folder first"])
def test_a_rename_seen_as_two_folder_scans_keeps_the_item(services, tmp_path, order):
    """The watcher (or a webhook) scans the folder that vanished and the one that appeared, in any order."""
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    os.rename(root / "Metropolis (1927)", root / "Metropolis [1927]")
    scans = ["Metropolis (1927)", "Metropolis [1927]"]
    for sub in scans if order == "old folder first" else scans[::-1]:
        run(services, lib, sub)
    _kept(lib, m, "Metropolis [1927]")
    assert run(services, lib).moved == 0   # and a whole rescan finds nothing left to do


def test_a_radarr_rename_without_stable_inodes_pairs_by_its_paths(services, tmp_path, monkeypatch):
    """A share without stable inodes (they change with the copy): the webhook's previous/new paths
    and the size decide."""
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    src = root / "Metropolis (1927)" / "Metropolis (1927).mkv"
    dst = root / "Metropolis (1927) {tmdb-19}" / "Metropolis (1927) {tmdb-19}.mkv"
    dst.parent.mkdir()
    dst.write_bytes(src.read_bytes())   # a new inode
    src.unlink()
    run(services, lib, "Metropolis (1927) {tmdb-19}",
        context=ScanContext(trigger="webhook", renames=((str(src), str(dst)),)))
    row = Movie.get_by_id(m.id)
    assert row.deleted_at is None and row.key == "Metropolis (1927) {tmdb-19}/Metropolis (1927) {tmdb-19}.mkv"
    assert row.plot == "The user's own words." and row.folder == "Metropolis (1927) {tmdb-19}"
    assert [x.id for x in Movie.select().where(Movie.deleted_at.is_null(True))] == [m.id]


def test_a_show_and_an_artist_follow_their_folders(services, tmp_path):
    lib, root = make_lib(tmp_path, "tv", "TV")
    make_clip(root / "Sherlock Holmes (1954)" / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    run(services, lib)
    show = Series.get(Series.library_id == lib.id)
    os.rename(root / "Sherlock Holmes (1954)", root / "Sherlock Holmes")
    run(services, lib, "Sherlock Holmes (1954)")
    run(services, lib, "Sherlock Holmes")
    assert [s.id for s in Series.select().where(Series.deleted_at.is_null(True))] == [show.id]
    assert Series.get_by_id(show.id).key == "Sherlock Holmes"
    music, mroot = make_lib(tmp_path, "music", "Music")
    make_track(mroot / "Scott Joplin" / "Ragtime (1902)" / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime",
               "The Entertainer", 1)
    run(services, music)
    artist = Artist.get(Artist.library_id == music.id)
    os.rename(mroot / "Scott Joplin", mroot / "Joplin, Scott")
    run(services, music)
    assert [a.id for a in Artist.select().where(Artist.deleted_at.is_null(True))] == [artist.id]
    assert Artist.get_by_id(artist.id).key == "Joplin, Scott"


def test_a_folder_copied_to_a_new_name_and_deleted_keeps_the_item(services, tmp_path):
    """A NAS move or Radarr's copy + delete: every file gets a new inode. The video's size and hash
    (size, first and last 64 KiB) pair it with its vanished row; the folder's other files follow."""
    import shutil

    from metarr.db.media import ArtworkSlot, MediaFile
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    old = MediaFile.get((MediaFile.library_id == lib.id) & (MediaFile.kind == "video"))
    assert old.video_hash and len(old.video_hash) == 32
    art = sorted((a.slot, a.cache_file_id) for a in ArtworkSlot.select().where(
        (ArtworkSlot.entity_type == "movie") & (ArtworkSlot.entity_id == m.id)))
    assert art, "the local poster was imported"
    shutil.copytree(root / "Metropolis (1927)", root / "Metropolis (1927) [moved]")
    shutil.rmtree(root / "Metropolis (1927)")
    new = root / "Metropolis (1927) [moved]" / "Metropolis (1927).mkv"
    assert new.stat().st_ino != old.inode
    rep = run(services, lib)
    assert rep.moved == 3 and rep.created == 0 and rep.removed == 0 and rep.new == 0 and rep.deleted == 0
    _kept(lib, m, "Metropolis (1927) [moved]")
    row = MediaFile.get_by_id(old.id)   # the same row, its stream details kept, its new inode known
    assert row.path == "Metropolis (1927) [moved]/Metropolis (1927).mkv" and row.inode == new.stat().st_ino
    assert row.streams == old.streams and row.video_hash == old.video_hash and row.deleted_at is None
    assert sorted((a.slot, a.cache_file_id) for a in ArtworkSlot.select().where(
        (ArtworkSlot.entity_type == "movie") & (ArtworkSlot.entity_id == m.id))) == art
    assert run(services, lib).moved == 0   # nothing left to do


def test_two_different_files_of_one_size_are_not_paired(services, tmp_path):
    """Same size, other content: another movie, not a move."""
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    src = root / "Metropolis (1927)" / "Metropolis (1927).mkv"
    body = bytearray(src.read_bytes())
    body[-10] ^= 0xFF   # the same size, one byte else in the last 64 KiB
    dst = root / "Nosferatu (1922)" / "Nosferatu (1922).mkv"
    dst.parent.mkdir()
    dst.write_bytes(bytes(body))
    os.utime(dst, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns))
    src.unlink()
    rep = run(services, lib)
    assert rep.moved == 0 and rep.new == 1
    assert Movie.get_by_id(m.id).deleted_at is not None   # the old one went; the new file is a new item
    assert [x.key for x in Movie.select().where(Movie.deleted_at.is_null(True))] == ["Nosferatu (1922)/Nosferatu (1922).mkv"]


def test_the_pairing_by_hash_is_one_to_one():
    from metarr.scanning.video_hash import pair_by_hash
    assert pair_by_hash([("r1", 10, "h"), ("r2", 10, "g")], [("f1", 10, "h"), ("f2", 11, "g")]) == [("r1", "f1")]
    assert pair_by_hash([("r1", 10, "h")], [("f1", 10, "h"), ("f2", 10, "h")]) == []   # two copies: neither
    assert pair_by_hash([("r1", 10, "h"), ("r2", 10, "h")], [("f1", 10, "h")]) == []
    assert pair_by_hash([("r1", 10, "")], [("f1", 10, "")]) == []   # unreadable: never


def test_the_hash_reads_the_size_and_both_ends(tmp_path):
    from metarr.scanning.video_hash import video_hash
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    body = os.urandom(300 * 1024)
    a.write_bytes(body)
    b.write_bytes(body[:150 * 1024] + bytes(1) + body[150 * 1024 + 1:])   # the middle differs: not read
    c.write_bytes(body[:-1] + bytes([body[-1] ^ 1]))
    assert video_hash(a) == video_hash(b) != video_hash(c)
    (tmp_path / "d").write_bytes(body[:-1])   # one byte shorter: the size is in it
    assert video_hash(tmp_path / "d") != video_hash(a)


@pytest.mark.parametrize("order", ["old folder first", "new folder first", "one scan later"])
def test_a_copy_and_delete_seen_as_two_folder_scans_keeps_the_item(services, tmp_path, order):
    """The watcher scans the folder that a copy + delete (new inodes) made and the one it emptied,
    in either order; or the old folder's scan ran long before the copy arrived. The video's size and
    hash pair it with its row; the NFO beside it follows."""
    import shutil
    lib, root = make_lib(tmp_path, "movie")
    m = _movie(services, lib, root)
    shutil.copytree(root / "Metropolis (1927)", root / "Metropolis [1927]")
    if order == "one scan later":
        shutil.move(root / "Metropolis [1927]", tmp_path / "elsewhere")
    shutil.rmtree(root / "Metropolis (1927)")
    scans = ["Metropolis (1927)", "Metropolis [1927]"]
    if order == "one scan later":
        run(services, lib, scans[0])
        assert Movie.get_by_id(m.id).deleted_at is not None   # the folder went: its item with it
        shutil.move(tmp_path / "elsewhere", root / "Metropolis [1927]")
        run(services, lib, scans[1])
    else:
        for sub in scans if order == "old folder first" else scans[::-1]:
            run(services, lib, sub)
    _kept(lib, m, "Metropolis [1927]")
    assert run(services, lib).moved == 0   # and a whole rescan finds nothing left to do
