"""Scanning real trees (ffmpeg clips, Pillow images, tagged FLACs) into the database."""
import os
import time

import pytest

from metarr.db.media import ArtworkSlot, CacheFile, Episode, MediaFile, Movie, Series
from metarr.db.models import Library
from metarr.library import browse
from metarr.scanning.scanner import ScanContext, scan
from web.demo.media import make_clip, make_image, make_track

XXE = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><movie><title>&x;</title></movie>'
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><movie><title>&c;</title></movie>')


def make_lib(tmp_path, kind, name="Lib"):
    root = tmp_path / name
    root.mkdir(exist_ok=True)
    now = time.time()
    return Library.create(name=name, kind=kind, path=str(root), created_at=now, updated_at=now), root


def run(services, lib, sub="", **kw):
    return scan(services.db, services.config.data_dir, Library.get_by_id(lib.id), sub, **kw)


def titles(lib):
    return sorted((m.title, m.year) for m in Movie.select().where((Movie.library_id == lib.id)
                                                                   & Movie.deleted_at.is_null(True)))


def test_movie_library_every_layout(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    d = root / "Night of the Living Dead (1968)"
    make_clip(d / "Night of the Living Dead (1968).mkv")
    (d / "Night of the Living Dead (1968).nfo").write_text(
        '<movie><title>Night of the Living Dead</title><year>1968</year><plot>Ghouls.</plot>'
        '<uniqueid type="tmdb" default="true">10331</uniqueid><genre>Horror</genre>'
        '<actor><name>Duane Jones</name><role>Ben</role></actor><custom>kept</custom></movie>')
    make_image(d / "poster.jpg", 200, 300)
    make_image(d / "Night of the Living Dead (1968)-fanart.jpg", 320, 180, pattern=2)
    make_image(d / ".actors" / "Duane_Jones.jpg", 100, 150, pattern=4)
    (d / "Night of the Living Dead (1968).en.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    make_clip(d / "extras" / "Making of.mkv")
    make_clip(d / "Night of the Living Dead (1968)-trailer.mkv")
    make_clip(d / "sample.mkv")
    (d / "notes.txt").write_text("mine")
    # flat folder with several movies and their sidecars, one named by id, one URL-only NFO
    make_clip(root / "Flat" / "The General (1926) {tmdb-961}.mkv")
    make_image(root / "Flat" / "The General (1926) {tmdb-961}-poster.jpg", 200, 300, pattern=6)
    make_clip(root / "Flat" / "Nosferatu (1922).mp4")
    (root / "Flat" / "Nosferatu (1922).nfo").write_text("https://www.imdb.com/title/tt0013442/\n")
    # stacked parts, a disc structure, a scene name
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927) cd1.mkv")
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927) cd2.mkv")
    make_clip(root / "Disc Film (1990)" / "BDMV" / "index.bdmv")
    make_clip(root / "Disc Film (1990)" / "BDMV" / "STREAM" / "00000.m2ts")
    make_clip(root / "Scene" / "The.Cabinet.of.Dr.Caligari.1920.1080p.BluRay.x264-GRP.mkv")
    rep = run(services, lib)
    assert titles(lib) == [("Disc Film", 1990), ("Metropolis", 1927), ("Night of the Living Dead", 1968),
                           ("Nosferatu", 1922), ("The Cabinet of Dr Caligari", 1920), ("The General", 1926)]
    night = Movie.get(Movie.title == "Night of the Living Dead")
    det = browse.detail("movie", night.id)
    assert (det["plot"], det["tmdb_id"], det["genres"], det["state"]) == ("Ghouls.", 10331, ["Horror"], "identified")
    assert det["locks"]["plot"]["source"] == "nfo" and night.nfo_unknown == ["<custom>kept</custom>"]
    kinds = {f["path"].split("/")[-1]: (f["kind"], f["role"]) for f in det["files"]}
    assert kinds["Night of the Living Dead (1968).en.srt"] == ("subtitle", "eng")
    assert kinds["Making of.mkv"] == ("extra", None) and kinds["sample.mkv"] == ("sample", None)
    assert kinds["Night of the Living Dead (1968)-trailer.mkv"] == ("trailer", None)
    assert kinds["notes.txt"] == ("unknown", None)
    video = next(f for f in det["files"] if f["kind"] == "video")
    assert video["streams"]["video"][0]["codec"] == "h264" and video["streams"]["audio"][0]["language"] == "eng"
    # the user's artwork is in the cache and used for the slots; the originals are untouched
    assert set(det["assets"]) >= {"poster", "fanart"} and det["assets"]["poster"]["source"] == "local"
    assert (d / "poster.jpg").exists() and CacheFile.select().count() >= 4
    assert next(c for c in det["cast"] if c["name"] == "Duane Jones")
    assert Movie.get(Movie.title == "The General").tmdb_id == 961
    assert Movie.get(Movie.title == "Nosferatu").imdb_id == "tt0013442"
    metro = Movie.get(Movie.title == "Metropolis")
    assert MediaFile.select().where((MediaFile.entity_id == metro.id) & (MediaFile.kind == "video")).count() == 2
    assert Movie.get(Movie.title == "Disc Film").disc
    assert Movie.get(Movie.title == "The Cabinet of Dr Caligari").parsed["source"] == "guessit"
    assert rep.probes == 7  # main videos, extras and trailers; never the disc stream parts
    assert len(rep.targets) == 6


def test_rescan_of_an_unchanged_library_touches_nothing_and_probes_nothing(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    for i in range(5):
        make_clip(root / f"Film {i} (200{i})" / f"Film {i} (200{i}).mkv")
    run(services, lib)
    stamp = {m.id: m.updated_at for m in Movie.select()}
    rep = run(services, lib)
    assert (rep.new, rep.changed, rep.deleted, rep.units, rep.probes, rep.targets) == (0, 0, 0, 0, 0, [])
    assert {m.id: m.updated_at for m in Movie.select()} == stamp


def test_moves_deletions_and_upgrades_keep_identity(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Old Name (1950)" / "Old Name (1950).mkv")
    make_clip(root / "Gone (1960)" / "Gone (1960).mkv")
    run(services, lib)
    old = Movie.get(Movie.title == "Old Name")
    added = old.date_added
    # a rename of the file (same inode) is a move, not a new movie
    os.rename(root / "Old Name (1950)" / "Old Name (1950).mkv", root / "Old Name (1950)" / "Old Name (1950) 1080p.mkv")
    # a deleted folder soft-deletes its movie
    for f in (root / "Gone (1960)").iterdir():
        f.unlink()
    (root / "Gone (1960)").rmdir()
    rep = run(services, lib)
    assert rep.moved == 1 and rep.deleted == 1
    again = Movie.get_by_id(old.id)
    assert again.deleted_at is None and again.date_added == added and again.key.endswith("1080p.mkv")
    assert Movie.get(Movie.title == "Gone").deleted_at is not None
    # an upgrade: a new file (new inode) replaces the old one in the same folder
    (root / "Old Name (1950)" / "Old Name (1950) 1080p.mkv").unlink()
    make_clip(root / "Old Name (1950)" / "Old Name (1950) 2160p.mkv")
    run(services, lib, "Old Name (1950)", context=ScanContext(upgrade=True))
    upgraded = Movie.get_by_id(old.id)
    assert upgraded.key.endswith("2160p.mkv") and upgraded.date_added == added and upgraded.deleted_at is None
    # the deleted one comes back when its folder does
    make_clip(root / "Gone (1960)" / "Gone (1960).mkv")
    run(services, lib)
    assert Movie.get(Movie.title == "Gone").deleted_at is None


def test_tv_library(services, tmp_path):
    lib, root = make_lib(tmp_path, "tv")
    show = root / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01 - The Case of the Cunningham Heritage.mkv")
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E02E03.mkv")
    (show / "Season 01" / "Sherlock Holmes (1954) - S01E02E03.nfo").write_text(
        "<episodedetails><title>Lady Beryl</title><season>1</season><episode>2</episode></episodedetails>"
        "<episodedetails><title>The Pennsylvania Gun</title><season>1</season><episode>3</episode></episodedetails>")
    make_clip(show / "Specials" / "Sherlock Holmes (1954) - S00E01 - Pilot.mkv")
    (show / "tvshow.nfo").write_text('<tvshow><title>Sherlock Holmes</title><uniqueid type="tvdb">75597</uniqueid>'
                                     '</tvshow>')
    make_image(show / "poster.jpg", 200, 300)
    make_image(show / "season01-poster.jpg", 200, 300, pattern=3)
    anime = root / "Anime Show"
    make_clip(anime / "[Group] Anime Show - 07 [1080p].mkv")
    daily = root / "Daily Show"
    make_clip(daily / "Daily Show 2024-03-01.mkv")
    run(services, lib)
    s = Series.get(Series.title == "Sherlock Holmes")
    assert s.tvdb_id == 75597 and s.state == "identified"
    eps = browse.episodes_of(s.id)
    assert [(e["season"], e["episode"], e["title"]) for e in eps] == [
        (0, 1, "Pilot"), (1, 1, "The Case of the Cunningham Heritage"), (1, 2, "Lady Beryl"),
        (1, 3, "The Pennsylvania Gun")]
    assert eps[2]["file"] == eps[3]["file"]
    assert ArtworkSlot.select().where(ArtworkSlot.entity_type == "season").count() == 1
    a = Episode.get(Episode.series_id == Series.get(Series.title == "Anime Show").id)
    assert (a.season, a.episode, a.absolute) == (1, 7, 7)
    dly = Episode.get(Episode.series_id == Series.get(Series.title == "Daily Show").id)
    assert dly.aired == "2024-03-01"
    # removing one file of a multi-episode pair's neighbour soft-deletes only its episode
    (show / "Season 01" / "Sherlock Holmes (1954) - S01E01 - The Case of the Cunningham Heritage.mkv").unlink()
    run(services, lib)
    assert [(e["season"], e["episode"]) for e in browse.episodes_of(s.id)] == [(0, 1), (1, 2), (1, 3)]


def test_music_library(services, tmp_path):
    lib, root = make_lib(tmp_path, "music")
    album = root / "Scott Joplin" / "Ragtime (1902)"
    make_track(album / "01 - The Entertainer.flac", "Scott Joplin", "Ragtime", "The Entertainer", 1,
               mb_artist_id="3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a")
    make_track(album / "02 - Maple Leaf Rag.flac", "Scott Joplin", "Ragtime", "Maple Leaf Rag", 2)
    make_image(album / "folder.jpg", 300, 300)
    make_image(root / "Scott Joplin" / "artist.jpg", 300, 300, pattern=2)
    run(services, lib)
    artists, _ = browse.list_entities("artist", limit=10, offset=0)
    assert [a["name"] for a in artists] == ["Scott Joplin"]
    det = browse.detail("artist", artists[0]["id"])
    assert det["musicbrainz_id"] == "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a" and "thumb" in det["assets"]
    alb = browse.detail("album", det["albums"][0]["id"])
    assert (alb["title"], alb["year"]) == ("Ragtime", 1902) and "thumb" in alb["assets"]
    assert [(t["number"], t["title"]) for t in alb["tracks"]] == [(1, "The Entertainer"), (2, "Maple Leaf Rag")]


def test_hostile_names_and_nfos_are_reported_never_fatal(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Amélie (2001)" / "Amélie (2001).mkv")
    make_clip(root / "Spaces   In   Name (1999)" / "Spaces   In   Name (1999).mkv")
    long = "L" * 230 + " (2000)"
    make_clip(root / long / (long + ".mkv"))
    (root / "Loop").mkdir()
    os.symlink(root / "Loop", root / "Loop" / "again")
    os.symlink(root / "nowhere", root / "broken.mkv")
    os.mkfifo(root / "fifo.mkv")
    for name, body in (("XXE", XXE), ("Laughs", LAUGHS), ("Truncated", b"<movie><title>Half"),
                       ("Latin1", "<movie><title>Caf\xe9</title></movie>".encode("latin-1")),
                       ("Garbage", os.urandom(64))):
        make_clip(root / f"{name} (2010)" / f"{name} (2010).mkv")
        (root / f"{name} (2010)" / f"{name} (2010).nfo").write_bytes(body)
    (root / "Bad Art (2011)").mkdir()
    make_clip(root / "Bad Art (2011)" / "Bad Art (2011).mkv")
    (root / "Bad Art (2011)" / "poster.jpg").write_bytes(b"<html>not an image</html>")
    rep = run(services, lib)
    problems = " | ".join(f"{p}: {m}" for p, m in rep.problems)
    assert "symlink loop" in problems and "broken symlink" in problems
    assert "dtd_forbidden" in problems and "XXE (2010)" in problems and "Laughs (2010)" in problems
    assert "Truncated (2010)" in problems and "artwork not imported" in problems
    got = dict(titles(lib))
    assert {"Amélie", "Spaces In Name", "L" * 230, "XXE", "Laughs", "Truncated", "Bad Art"} <= set(got)
    assert "passwd" not in str(Movie.get(Movie.title == "XXE").title)
    assert Movie.get(Movie.title.startswith("Caf")).title == "Café"  # undeclared latin-1 decoded
    assert (root / "Bad Art (2011)" / "poster.jpg").read_bytes() == b"<html>not an image</html>"


async def test_scan_through_the_api_with_live_progress(api, services, tmp_path):
    import asyncio

    from tests.conftest import API_KEY
    root = tmp_path / "Films"
    make_clip(root / "The General (1926)" / "The General (1926).mkv")
    ws = await api.ws_connect(f"/api/v1/ws?apikey={API_KEY}", headers={"X-Api-Key": ""})
    await ws.receive_json(timeout=5)
    r = await api.post("/api/v1/libraries", json={"name": "Films", "kind": "movie", "path": str(root), "watch": False,
                                                  "auto_enrich": False})
    lid = (await r.json())["data"]["id"]
    r = await api.post(f"/api/v1/libraries/{lid}/scan")
    assert r.status == 202
    seen = set()
    while "job.succeeded" not in seen:
        msg = await ws.receive_json(timeout=10)
        seen.add(msg["type"])
    assert "scan.progress" in seen
    r = await api.get("/api/v1/movies?q=General")
    body = await r.json()
    assert body["meta"]["total"] == 1 and body["data"][0]["year"] == 1926
    await ws.close()
    await asyncio.sleep(0)


@pytest.mark.unprivileged
def test_unreadable_directory_reported(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Locked (2000)" / "Locked (2000).mkv")
    os.chmod(root / "Locked (2000)", 0)
    try:
        rep = run(services, lib)
    finally:
        os.chmod(root / "Locked (2000)", 0o755)
    assert any("unreadable" in m for _, m in rep.problems)


def test_loose_files_in_a_tv_root_do_not_retire_shows(services, tmp_path):
    lib, root = make_lib(tmp_path, "tv")
    make_clip(root / "Show (2000)" / "Season 01" / "Show - S01E01.mkv")
    run(services, lib)
    make_clip(root / "Loose - S01E01.mkv")
    rep = run(services, lib)
    assert Series.get(Series.title == "Show").deleted_at is None
    assert any("outside a show folder" in m for _, m in rep.problems)


def test_moves_need_an_unambiguous_inode():
    from metarr.scanning.file_rows import match_moves
    from metarr.scanning.walk import FileEntry
    gone = [(1, "a.mkv", 10, 1, 5, None), (2, "b.mkv", 10, 1, 0, None), (3, "g.mkv", 30, 1, 9, None)]
    new = [FileEntry("c.mkv", 10, 1, 5), FileEntry("d.mkv", 10, 1, 0), FileEntry("e.mkv", 20, 1, 7),
           FileEntry("f.mkv", 20, 1, 7),
           FileEntry("h.mkv", 30, 2, 9)]   # a new file that got a deleted one's inode (and size): not a move
    assert [(r[1], f.path) for r, f in match_moves(gone, new)] == [("a.mkv", "c.mkv")]


def test_a_new_film_in_a_shared_folder_does_not_inherit_a_deleted_neighbour(services, tmp_path):
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Flat" / "Nosferatu (1922).mkv")
    make_clip(root / "Flat" / "Metropolis (1927).mkv")
    run(services, lib)
    old = Movie.get(Movie.title == "Nosferatu")
    (root / "Flat" / "Nosferatu (1922).mkv").unlink()
    make_clip(root / "Flat" / "The General (1926).mkv")
    run(services, lib)
    assert Movie.get_by_id(old.id).deleted_at is not None
    assert Movie.get(Movie.title == "The General").id != old.id


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs (not an Exception, so no handler catches it)."""


def test_a_scan_killed_half_way_creates_every_item_on_its_next_run(services, tmp_path, monkeypatch):
    from metarr.scanning import apply_batch, scanner
    lib, root = make_lib(tmp_path, "movie")
    for i in range(6):
        make_clip(root / f"Film {i} (200{i})" / f"Film {i} (200{i}).mkv")
    real = apply_batch.apply_unit
    applied = []

    def dies_on_the_fourth(db, lib_, unit, *a, **kw):
        if len(applied) == 3:
            raise Killed()
        applied.append(unit)
        return real(db, lib_, unit, *a, **kw)
    monkeypatch.setattr(apply_batch, "apply_unit", dies_on_the_fourth)
    monkeypatch.setattr(scanner, "BATCH_UNITS", 3)   # the kill falls in the second batch
    with pytest.raises(Killed):
        run(services, lib)
    assert len(titles(lib)) == 3   # the file rows of all six are recorded, the first batch's items exist
    monkeypatch.setattr(apply_batch, "apply_unit", real)
    rep = run(services, lib)
    # the files look unchanged now, yet the interrupted folders are applied and their items chained on
    assert rep.new == 0 and len(titles(lib)) == 6
    assert {eid for _, eid in rep.targets} >= {m.id for m in Movie.select() if m.title in ("Film 3", "Film 4", "Film 5")}
    assert rep.targets
    assert run(services, lib).units == 0   # and the backlog is gone


def test_scan_backlog_lives_until_its_job_has_succeeded(services, tmp_path):
    """The enrich jobs a scan chains are recorded with its success: until then, a rerun (the job
    retried after a crash) applies the folders again, although their files look unchanged."""
    from metarr.db.media import ScanBacklog
    from metarr.jobs import store
    from metarr.jobs.model import JobSpec
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Film (2001)" / "Film (2001).mkv")
    ((jid, _),) = store.enqueue(services.db, [JobSpec("scan.library", subject=f"library:{lib.id}")])
    first = run(services, lib, job_id=jid)
    assert first.targets and ScanBacklog.select().count() == 1
    again = run(services, lib, job_id=jid)            # the same job, run again after a kill
    assert again.new == 0 and again.targets == first.targets
    services.db.execute_sql(("UPDATE jobs SET status = 'succeeded' WHERE id = ?" if store.is_sqlite(services.db)
                             else "UPDATE jobs SET status = 'succeeded' WHERE id = %s"), (jid,))
    later = run(services, lib)
    assert later.targets == [] and later.units == 0 and ScanBacklog.select().count() == 0


def test_folder_filter_takes_exactly_the_folder_whatever_its_neighbours_are_called(services):
    """The "inside this folder" test the scanner uses for every unit and every targeted scan: an
    index range on SQLite, an escaped LIKE on PostgreSQL. Names with LIKE's wildcards and names that
    sort right next to the folder must not leak in."""
    from metarr.scanning.folder_sql import under as under_sql
    lib = Library.create(name="F", kind="movie", path="/nowhere", created_at=0, updated_at=0)
    paths = ["A_1", "A_1/a.mkv", "A_1/sub/b.nfo", "A_1-2/c.mkv", "A_1.x", "A_10/d.mkv", "AB1/e.mkv", "A%1/f.mkv",
             "A_1 (cut)/g.mkv", "a_1/h.mkv", "A_0/i.mkv"]
    MediaFile.insert_many([dict(library_id=lib.id, path=p, size=1, mtime_ns=1, inode=i, kind="video", first_seen=0,
                                updated_at=0) for i, p in enumerate(paths)]).execute()
    db = services.db

    def under(prefix):
        cond, args = under_sql(db, "path", prefix)
        p = "?" if "?" in cond else "%s"
        return sorted(r[0] for r in db.execute_sql(f"SELECT path FROM media_files WHERE library_id = {p}" + cond,
                                                   [lib.id, *args]).fetchall())
    assert under("A_1") == ["A_1", "A_1/a.mkv", "A_1/sub/b.nfo"]
    assert under("A%1") == ["A%1/f.mkv"]
    assert under("A_1/sub") == ["A_1/sub/b.nfo"]
    assert under("A") == []


def test_loose_movies_in_the_library_root_retire_and_return_without_touching_folders(services, tmp_path):
    """The root's loose files are a unit of their own: a loose film that goes is soft-deleted and
    comes back with its id, and neither touches the films in folders beside it."""
    lib, root = make_lib(tmp_path, "movie")
    make_clip(root / "Nosferatu (1922).mkv")
    make_clip(root / "Metropolis (1927).mkv")
    make_clip(root / "Metropolis (1927)" / "Metropolis (1927).mkv")   # a folder film of the same name
    run(services, lib)
    loose = {m.key: m.id for m in Movie.select().where(~Movie.key.contains("/"))}
    folder = Movie.get(Movie.key == "Metropolis (1927)/Metropolis (1927).mkv")
    assert set(loose) == {"Nosferatu (1922).mkv", "Metropolis (1927).mkv"}
    (root / "Metropolis (1927).mkv").unlink()
    rep = run(services, lib)
    assert rep.removed == 1
    assert Movie.get_by_id(loose["Metropolis (1927).mkv"]).deleted_at is not None
    assert Movie.get_by_id(loose["Nosferatu (1922).mkv"]).deleted_at is None
    assert Movie.get_by_id(folder.id).deleted_at is None
    make_clip(root / "Metropolis (1927).mkv")
    rep = run(services, lib)
    assert rep.restored == 1 and rep.created == 0
    assert Movie.get_by_id(loose["Metropolis (1927).mkv"]).deleted_at is None
    assert Movie.select().where(Movie.deleted_at.is_null()).count() == 3


def test_artwork_the_cache_holds_already_is_neither_copied_nor_decoded_again(services, tmp_path, monkeypatch):
    """Folders that share their images (the same bytes) reuse the stored file by its hash; a
    folder with other bytes is still copied, checked and stored."""
    from metarr.assets import store as store_mod
    lib, root = make_lib(tmp_path, "movie")
    poster = make_image(tmp_path / "poster.jpg", 200, 300)
    for i in range(3):
        make_clip(root / f"Film {i} (200{i})" / f"Film {i} (200{i}).mkv")
        (root / f"Film {i} (200{i})" / "poster.jpg").write_bytes(poster.read_bytes())
    run(services, lib)
    staged = []
    real = store_mod.AssetStore._stage_copy
    monkeypatch.setattr(store_mod.AssetStore, "_stage_copy", lambda self, src: staged.append(src) or real(self, src))
    for i in range(3, 6):
        make_clip(root / f"Film {i} (200{i})" / f"Film {i} (200{i}).mkv")
        (root / f"Film {i} (200{i})" / "poster.jpg").write_bytes(poster.read_bytes())
    make_image(root / "Film 5 (2005)" / "fanart.jpg", 320, 180)
    rep = run(services, lib)
    assert rep.art_imported == 4 and not rep.problems
    assert [p.name for p in staged] == ["fanart.jpg"]
    assert CacheFile.select().count() == 2
    assert ArtworkSlot.select().where(ArtworkSlot.slot == "poster").count() == 6


@pytest.mark.parametrize("failure", ["python", "database"])
def test_a_broken_folder_costs_only_itself_in_its_batch(services, tmp_path, monkeypatch, failure):
    """A batch of folders is written together; a folder whose apply fails (an error in the code, or
    a write the database refuses, which it may report only later) still costs nothing but itself."""
    from metarr.scanning import scanner
    lib, root = make_lib(tmp_path, "movie")
    for i in range(100):
        d = root / f"Film {i:03d} (2000)"
        d.mkdir()
        (d / f"Film {i:03d} (2000).mkv").write_bytes(b"\0" * 64)
        (d / f"Film {i:03d} (2000).nfo").write_text(
            f"<movie><title>Film {i:03d}</title><year>2000</year><plot>Plot {i}.</plot>"
            f'<uniqueid type="tmdb" default="true">{1000 + i}</uniqueid><genre>Drama</genre></movie>')
    from metarr.scanning import apply_unit
    real = apply_unit.apply_movie
    calls = []

    def broken_42(db, lib_, m, *a, **kw):
        calls.append(m.key)
        eid = real(db, lib_, m, *a, **kw)
        if m.title.title == "Film 042":
            if failure == "python":
                raise ValueError("broken folder")
            # a write the database refuses (a movie's key may not be NULL)
            db.execute_sql(f"UPDATE movies SET key = NULL WHERE id = {eid}")
        return eid
    monkeypatch.setattr(apply_unit, "apply_movie", broken_42)
    monkeypatch.setattr(scanner, "BATCH_UNITS", 100)
    rep = run(services, lib, do_probe=False)
    assert rep.units == 100 and rep.created == 99 and rep.nfo_imported == 99
    assert [p for p, _ in rep.problems] == ["Film 042 (2000)"]
    assert "could not be processed" in rep.problems[0][1]
    films = titles(lib)
    assert len(films) == 99 and ("Film 042", 2000) not in films
    m = Movie.get(Movie.title == "Film 041")
    assert (m.tmdb_id, m.plot, m.state) == (1041, "Plot 41.", "identified")
    assert len(rep.targets) == 99
    # applied together first, then (after the failure rolled the batch back) one folder at a time
    assert calls.count("Film 000 (2000)/Film 000 (2000).mkv") in (1, 2)
