"""Plex gets what Kodi gets (#30 item 5): a publish → sync.entity → sync.player through the ledger
leaves the emulated Plex holding Metarr's values, locked, and the chosen images; what Metarr does
not hold stays as Plex had it; a second sync with nothing changed edits nothing."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from metarr import metadata as md
from metarr.assets import cache
from metarr.db.database import connection
from metarr.db.integrations import PathMapping, Player
from metarr.db.media import ArtworkSlot, Episode, MediaFile, Movie, Season, Series
from metarr.db.models import Library
from metarr.jobs import store
from metarr.jobs.model import JobSpec
from metarr.players import plex_sync
from metarr.service import settings
from tests.conftest import wait_for
from web.demo.media import make_clip, make_image

PLEX_MOVIES, PLEX_TV = "/media/movies", "/media/tv"


class Lib:
    """Real library folders, a Plex player that sees them under other paths, the emulated Plex."""

    def __init__(self, services, emu, root: Path) -> None:
        self.s, self.emu, self.root = services, emu, root
        self.store = cache.open_store(services.config.data_dir)
        now = time.time()
        with connection(services.db):
            settings.put_many(services.db, {"sync.debounce_seconds": 0.2})
            self.movies = Library.create(name="Movies", kind="movie", path=str(root / "movies"), created_at=now,
                                         updated_at=now, watch=False)
            self.tv = Library.create(name="TV", kind="tv", path=str(root / "tv"), created_at=now, updated_at=now,
                                     watch=False)
            self.player = Player.create(name="Plex", kind="plex", url=emu.plex.url, token=emu.plex.token,
                                        created_at=now)
            for lib, to in ((self.movies, PLEX_MOVIES), (self.tv, PLEX_TV)):
                PathMapping.create(scope=f"player:{self.player.id}", from_prefix=lib.path, to_prefix=to,
                                   created_at=now)
        emu.plex.add_section("1", "movie", "Movies", PLEX_MOVIES)
        emu.plex.add_section("2", "show", "TV Shows", PLEX_TV)
        self.plex = emu.plex.library

    def video(self, lib, rel: str, entity) -> MediaFile:
        path = Path(lib.path) / rel
        make_clip(path)
        st = path.stat()
        return MediaFile.create(library_id=lib.id, path=rel, size=st.st_size, mtime_ns=st.st_mtime_ns,
                                inode=st.st_ino, kind="video", entity_type=entity[0], entity_id=entity[1],
                                first_seen=time.time(), updated_at=time.time())

    def art(self, entity_type: str, entity_id: int, slot: str, w=400, h=600, pattern=0):
        img = make_image(self.root / "src" / f"{entity_type}{entity_id}{slot}{pattern}.jpg", w, h, pattern=pattern)
        cf = cache.ingest_local(self.s.db, self.store, self.s.config.data_dir, img)
        ArtworkSlot.delete().where((ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
                                   & (ArtworkSlot.slot == slot)).execute()
        ArtworkSlot.create(entity_type=entity_type, entity_id=entity_id, slot=slot, rank=0, cache_file_id=cf.id,
                           source="provider:tmdb", updated_at=time.time())
        return cf

    def movie(self) -> Movie:
        folder = "Alien (1979)"
        now = time.time()
        with connection(self.s.db):
            m = Movie.create(library_id=self.movies.id, key=f"{folder}/{folder}.mkv", folder=folder, title="Alien",
                             year=1979, date_added=now, created_at=now, updated_at=now, tmdb_id=348,
                             imdb_id="tt0078748", plot="In space no one can hear you scream.",
                             tagline="The crew of the Nostromo wakes.", premiered="1979-05-25",
                             content_rating="R", set_name="Alien Collection", sort_title="Alien 1")
            md.apply(self.s.db, "movie", m.id, md.Update("provider:tmdb", {}, {"genres": ["Horror", "Science Fiction"],
                                                                             "studios": ["Brandywine"]}))
            # the user renamed it in Metarr: a lock there
            md.apply(self.s.db, "movie", m.id, md.Update("user", {"title": "Alien (Director's Cut)"}, lock=True))
            self.video(self.movies, m.key, ("movie", m.id))
            self.art("movie", m.id, "poster")
            self.art("movie", m.id, "fanart", 640, 360, pattern=1)
            return Movie.get_by_id(m.id)

    def series(self):
        now = time.time()
        with connection(self.s.db):
            s = Series.create(library_id=self.tv.id, key="Firefly", title="Firefly", year=2002, tvdb_id=78874,
                              plot="Captain Malcolm Reynolds …", date_added=now, created_at=now, updated_at=now)
            season = Season.create(series_id=s.id, number=1, library_id=self.tv.id, date_added=now, created_at=now,
                                   updated_at=now, title="The Only Season")
            eps = []
            for n in (1, 2):
                f = self.video(self.tv, f"Firefly/Season 01/Firefly - S01E0{n}.mkv", ("series", s.id))
                eps.append(Episode.create(series_id=s.id, season=1, episode=n, title=f"Episode title {n}",
                                          plot=f"Plot {n}", file_id=f.id, library_id=self.tv.id, date_added=now,
                                          created_at=now, updated_at=now))
            self.art("series", s.id, "poster", pattern=2)
            self.art("series", s.id, "fanart", 640, 360, pattern=3)
            self.art("season", season.id, "poster", pattern=4)
            self.art("episode", eps[0].id, "thumb", 400, 225, pattern=5)
            return s, season, eps

    def publish(self, kind: str, eid: int) -> None:
        with connection(self.s.db):
            jid, = self.s.actor("ledger").enqueue(JobSpec(f"publish.{kind}", f"{kind}:{eid}",
                                                          {"entity_type": kind, "entity_id": eid})).get(timeout=5)
        job = wait_for(lambda: (j := self._job(jid))["status"] in ("succeeded", "dead") and j, timeout=30)
        assert job["status"] == "succeeded", job["last_error"]

    def _job(self, jid):
        with connection(self.s.db):
            return store.get_job(self.s.db, jid)

    def synced(self, n: int) -> list[dict]:
        def done():
            with connection(self.s.db):
                js = store.list_jobs(self.s.db, statuses=["succeeded", "dead"], types=["sync.player"], limit=50,
                                     sort="id")[0]
            return js if len(js) >= n else None
        jobs = wait_for(done, timeout=30)
        assert jobs[-1]["status"] == "succeeded", jobs[-1]["last_error"]
        return jobs

    def sync_again(self, kind: str, eid: int, n: int) -> list[dict]:
        self.s.actor("ledger").enqueue([JobSpec("sync.entity", subject=f"{kind}:{eid}", priority=4,
                                                payload={"entity_type": kind, "entity_id": eid,
                                                         "paths": ["x"]})]).get(timeout=10)
        return self.synced(n)


@pytest.fixture
def lib(services, system, emu, tmp_path):
    (tmp_path / "movies").mkdir()
    (tmp_path / "tv").mkdir()
    return Lib(services, emu, tmp_path)


def published(lib: Lib, rel: str) -> bytes:
    return (lib.root / rel).read_bytes()


def test_a_movie_in_plex_holds_metarrs_locked_fields_and_images(lib, emu):
    m = lib.movie()
    plex_file = f"{PLEX_MOVIES}/{m.key}"
    # Plex has the film already, as its agent matched it, with a field Metarr holds no value for
    key = lib.plex.add_movie(plex_file, title="Alien", summary="Agent summary", originalTitle="Alien (orig)",
                             Label=[{"tag": "Watch with Bob"}])
    lib.publish("movie", m.id)
    (job,) = lib.synced(1)
    item = lib.plex.items[key]
    assert (item["title"], item["summary"], item["tagline"], item["titleSort"]) == (
        "Alien (Director's Cut)", "In space no one can hear you scream.", "The crew of the Nostromo wakes.", "Alien 1")
    assert (item["originallyAvailableAt"], item["contentRating"], item["studio"]) == ("1979-05-25", "R", "Brandywine")
    assert lib.plex.tags(key, "genre") == ["Horror", "Science Fiction"]
    assert lib.plex.tags(key, "collection") == ["Alien Collection"]
    # the user's lock in Metarr (and every value Metarr set) is a lock in Plex: its agent keeps off
    assert {"title", "summary", "genre", "collection", "thumb", "art"} <= lib.plex.locked(key)
    # the chosen poster and background, the bytes Metarr published for Kodi
    folder = f"movies/{m.folder}"
    assert lib.plex.image(key, "thumb") == published(lib, f"{folder}/{m.folder}-poster.jpg")
    assert lib.plex.image(key, "art") == published(lib, f"{folder}/{m.folder}-fanart.jpg")
    # what Metarr does not hold is Plex's: untouched, unlocked
    assert item["originalTitle"] == "Alien (orig)" and "originalTitle" not in lib.plex.locked(key)
    assert lib.plex.tags(key, "label") == ["Watch with Bob"]
    assert job["result"]["edited"] == 1 and job["result"]["uploaded"] == 2 and job["result"]["refreshes"] == []


def test_a_second_sync_with_nothing_changed_sends_no_edit(lib, emu):
    m = lib.movie()
    key = lib.plex.add_movie(f"{PLEX_MOVIES}/{m.key}")
    lib.publish("movie", m.id)
    lib.synced(1)
    before = len(emu.plex.requests)
    (_, again) = lib.sync_again("movie", m.id, 2)
    sent = [(r.method, r.path) for r in emu.plex.requests[before:]]
    assert sent and all(method == "GET" for method, _ in sent), sent
    assert again["result"]["edited"] == again["result"]["uploaded"] == again["result"]["selected"] == 0
    # a poster chosen in Plex by hand is replaced by Metarr's again (selected, not uploaded twice)
    lib.plex._show(key, "thumb", 0)
    (*_, third) = lib.sync_again("movie", m.id, 3)
    assert third["result"]["selected"] == 1 and third["result"]["uploaded"] == 0
    assert lib.plex.image(key, "thumb") == published(lib, f"movies/{m.folder}/{m.folder}-poster.jpg")


def test_a_show_its_season_and_episodes_in_plex(lib, emu):
    s, season, eps = lib.series()
    keys = [lib.plex.add_episode(f"{PLEX_TV}/Firefly/Season 01/Firefly - S01E0{n}.mkv", show="Firefly (2002)")
            for n in (1, 2)]
    ep = lib.plex.items[keys[0]]
    show_key, season_key = ep["grandparentRatingKey"], ep["parentRatingKey"]
    lib.plex.items[show_key]["tagline"] = "Plex's own tagline"     # Metarr holds no tagline for shows
    lib.publish("series", s.id)
    lib.synced(1)
    show = lib.plex.items[show_key]
    assert (show["title"], show["summary"]) == ("Firefly", "Captain Malcolm Reynolds …")
    assert {"title", "summary", "thumb", "art"} <= lib.plex.locked(show_key)
    assert lib.plex.image(show_key, "thumb") == published(lib, "tv/Firefly/poster.jpg")
    assert lib.plex.image(show_key, "art") == published(lib, "tv/Firefly/fanart.jpg")
    assert show["tagline"] == "Plex's own tagline"
    assert lib.plex.items[season_key]["title"] == "The Only Season"
    assert lib.plex.image(season_key, "thumb") == published(lib, "tv/Firefly/season01-poster.jpg")
    assert "thumb" in lib.plex.locked(season_key)
    first, second = (lib.plex.items[k] for k in keys)
    assert (first["title"], first["summary"], second["title"]) == ("Episode title 1", "Plot 1", "Episode title 2")
    assert lib.plex.image(keys[0], "thumb") == published(lib, "tv/Firefly/Season 01/Firefly - S01E01-thumb.jpg")
    assert lib.plex.image(keys[1], "thumb") == b"agent thumb " + keys[1].encode()   # Metarr chose none


def test_a_new_file_is_scanned_then_edited_and_a_missing_one_fails_the_job(lib, emu, monkeypatch):
    monkeypatch.setattr(plex_sync, "GRACE", 0.3)
    lib.plex.scan_delay = 0.4                    # Plex scans in the background; the sync waits for it
    m = lib.movie()
    lib.plex.put_on_disk(f"{PLEX_MOVIES}/{m.key}")
    lib.publish("movie", m.id)
    (job,) = lib.synced(1)
    key = lib.plex.find(f"{PLEX_MOVIES}/{m.key}")
    assert key and lib.plex.items[key]["title"] == "Alien (Director's Cut)"
    assert job["result"]["refreshes"] == [{"section": "1", "path": f"{PLEX_MOVIES}/{m.folder}"}]
    # a file Plex does not find after its scan: the job says so and is retried, never "succeeded"
    del lib.plex.items[key]
    lib.sync_again("movie", m.id, 1)
    failed = wait_for(lambda: next((j for j in _jobs(lib) if j["last_error"]), None), 20)
    assert f"Plex does not have 1 of 1 item(s) after a scan: {PLEX_MOVIES}/{m.key}" in failed["last_error"]


def _jobs(lib):
    with connection(lib.s.db):
        return store.list_jobs(lib.s.db, statuses=["pending", "running", "dead"], types=["sync.player"], limit=50,
                               sort="id")[0]


def test_the_players_path_mapping_decides_which_plex_item_is_edited(lib, emu):
    m = lib.movie()
    # a second section holds the same film under Metarr's own path (another server's old share):
    # the player's mapping says Plex reads it as /media/movies/…, so that one is edited, not this one
    emu.plex.add_section("3", "movie", "Old share", lib.movies.path)
    decoy = lib.plex.add_movie(f"{lib.movies.path}/{m.key}", title="Alien")
    key = lib.plex.add_movie(f"{PLEX_MOVIES}/{m.key}", title="Alien")
    lib.publish("movie", m.id)
    lib.synced(1)
    assert lib.plex.items[key]["title"] == "Alien (Director's Cut)"
    assert lib.plex.items[decoy]["title"] == "Alien" and lib.plex.locked(decoy) == set()
    assert {k for k, _ in lib.plex.edits} == {key}


def test_a_shows_episode_order_reaches_plex_and_aired_leaves_plexs_default_alone(lib, emu):
    from metarr.db.media import Series

    def order(value):
        with connection(lib.s.db):
            Series.update(episode_order=value).where(Series.id == s.id).execute()
    s, _season, _eps = lib.series()
    key, _ = (lib.plex.add_episode(f"{PLEX_TV}/Firefly/Season 01/Firefly - S01E0{n}.mkv", show="Firefly (2002)")
              for n in (1, 2))
    show_key = lib.plex.items[key]["grandparentRatingKey"]
    lib.publish("series", s.id)
    lib.synced(1)
    assert "showOrdering" not in lib.plex.items[show_key]     # aired, Metarr's default: Plex's own setting stays
    order("dvd")
    lib.sync_again("series", s.id, 2)
    assert lib.plex.items[show_key]["showOrdering"] == "dvd"   # Series.episode_order, set through /prefs
    order("aired")
    lib.sync_again("series", s.id, 3)
    assert lib.plex.items[show_key]["showOrdering"] == "aired"   # taken back from DVD (TheTVDB's aired)
