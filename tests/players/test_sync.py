"""End to end through the ledger: sync.entity jobs (what a publish chains to) → PlayerSyncer
(debounce, coalesce, one player per group) → sync.player jobs → the emulators."""
from __future__ import annotations

import pytest

from actors import player_syncer
from metarr.jobs.model import JobSpec
from metarr.players import kodi, plex_sync
from tests.conftest import wait_for

from .conftest import JF_MOVIES, KODI_MOVIES, MOVIES_ROOT


def entity_spec(kind: str, eid: int, **extra) -> JobSpec:
    return JobSpec("sync.entity", subject=f"{kind}:{eid}", priority=4,
                   payload={"entity_type": kind, "entity_id": eid, **extra})


@pytest.fixture(autouse=True)
def _short_confirm(monkeypatch):
    # items the emulated Kodi cannot find on disk stay missing: look for them again only briefly
    monkeypatch.setattr(kodi, "CONFIRM_GRACE", 0.3)
    monkeypatch.setattr(plex_sync, "GRACE", 0.3)


@pytest.fixture
def setup(world, system):
    world.setting(sync__debounce_seconds=0.3)
    g = world.group()
    k1 = world.kodi(world.emu.kodi, "Kodi lounge", g, order=1)
    k2 = world.kodi(world.emu.kodi2, "Kodi bedroom", g, order=2)
    world.mapping(f"group:{g.id}", MOVIES_ROOT, KODI_MOVIES)
    jf, px = world.jellyfin(), world.plex()
    world.mapping(f"player:{jf.id}", MOVIES_ROOT, JF_MOVIES)
    world.mapping(f"player:{px.id}", MOVIES_ROOT, JF_MOVIES)
    world.emu.plex.add_section("1", "movie", "Movies", JF_MOVIES)
    world.emu.plex.add_section("2", "show", "TV Shows", "/media/tv")
    return {"group": g, "k1": k1, "k2": k2, "jf": jf, "px": px}


def test_burst_of_100_publishes_becomes_a_few_calls(world, setup):
    world.setting(sync__debounce_seconds=3.0)   # a generous window: one batch even on a slow, busy box
    emu = world.emu
    movies = [world.movie(i) for i in range(100)]
    for m in movies:   # what Kodi finds on disk under its own path for the folder
        emu.kodi.put_on_disk("movie", f"{KODI_MOVIES}/{m.key}")
    world.enqueue(*[entity_spec("movie", m.id, paths=[f"{m.folder}/movie.nfo"], new=True) for m in movies])
    world.wait_jobs("sync.entity", 100)
    done = world.wait_jobs("sync.player", 3)
    # the syncer decides "is a flush due?" one change at a time: concurrent syncs chain one flush
    assert len(world.jobs("sync.flush")) == 1
    # one job per target: the Kodi group, Jellyfin, Plex
    assert sorted(j["subject"] for j in world.jobs("sync.player")) == sorted(
        [f"group:{setup['group'].id}", f"player:{setup['jf'].id}", f"player:{setup['px'].id}"])
    # Kodi: the group's first player only; one lookup, one Scan of the mapped root, confirmation
    assert emu.kodi2.requests == []
    scans = emu.kodi.rpc_calls("VideoLibrary.Scan")
    assert [c.body["directory"] for c in scans] == [KODI_MOVIES + "/"]
    assert len(emu.kodi.rpc_calls("VideoLibrary.GetMovies")) == 2          # lookup + confirm
    assert len(emu.kodi.requests) <= 6
    kodi_job = next(j for j in done if j["subject"].startswith("group:"))
    assert kodi_job["result"]["confirmed"] == 100 and kodi_job["result"]["unconfirmed"] == []
    # Jellyfin: one Media/Updated with all 100 mapped folders
    (upd,) = [r for r in emu.jellyfin.requests if r.path == "/Library/Media/Updated"]
    assert len(upd.body["Updates"]) == 100
    assert {u["UpdateType"] for u in upd.body["Updates"]} == {"Created"}
    assert all(u["Path"].startswith(JF_MOVIES + "/Movie ") for u in upd.body["Updates"])
    # Plex: sections + one refresh of the whole section (many folders)
    assert emu.plex.refreshes() == [("1", None)]


def test_changed_movie_known_to_kodi_is_refreshed_by_id(world, setup):
    emu = world.emu
    m1, m2 = world.movie(1), world.movie(2)
    kid = emu.kodi.add("movie", f"{KODI_MOVIES}/{m1.key}")
    world.enqueue(entity_spec("movie", m1.id), entity_spec("movie", m2.id))
    world.wait_jobs("sync.player", 2)        # Jellyfin and Plex; Kodi's is below
    assert [c.body for c in emu.kodi.rpc_calls("VideoLibrary.RefreshMovie")] == [{"movieid": kid, "ignorenfo": False}]
    # the unknown one gets a Scan of its (mapped) folder; still missing, a second Scan (the recovery);
    # still missing, the job does not report success: it names the item and why, and retries later
    def kodi_job():
        return next((j for j in world.jobs("sync.player", ["pending", "dead"])
                     if j["subject"].startswith("group:") and j["last_error"]), None)
    job = wait_for(kodi_job, 15)
    assert [c.body["directory"] for c in emu.kodi.rpc_calls("VideoLibrary.Scan")] == [f"{KODI_MOVIES}/{m2.folder}/"] * 2
    assert job["last_error"].startswith("Kodi lounge: Kodi did not take 1 of 2 item(s): ")
    assert f"{KODI_MOVIES}/{m2.key} (not in Kodi's library after a scan of {KODI_MOVIES}/{m2.folder}/)" in job["last_error"]
    assert sorted(emu.plex.refreshes()) == [("1", f"{JF_MOVIES}/{m1.folder}"), ("1", f"{JF_MOVIES}/{m2.folder}")]
    assert [u["UpdateType"] for u in emu.jellyfin.updates()] == ["Modified", "Modified"]


def test_second_group_member_used_when_the_first_is_down(world, setup):
    world.emu.kodi.go_down()
    m = world.movie(1)
    world.emu.kodi2.put_on_disk("movie", f"{KODI_MOVIES}/{m.key}")
    world.enqueue(entity_spec("movie", m.id))
    world.wait_jobs("sync.player", 3)
    assert "VideoLibrary.Scan" in world.emu.kodi2.rpc_methods()
    from metarr.db.database import connection
    from metarr.db.integrations import Player
    with connection(world.s.db):
        assert Player.get_by_id(setup["k1"].id).last_status == "down"
        assert Player.get_by_id(setup["k2"].id).last_status == "ok"


def test_player_down_is_retried_through_the_ledger(world, system, monkeypatch):
    monkeypatch.setattr(player_syncer, "RETRY_BASE", 0.4)
    world.setting(sync__debounce_seconds=0.2)
    k = world.kodi(world.emu.kodi, "Solo")
    world.emu.kodi.go_down()
    m = world.movie(1)
    world.emu.kodi.put_on_disk("movie", f"{MOVIES_ROOT}/{m.key}")
    world.enqueue(entity_spec("movie", m.id))
    job = wait_for(lambda: next((j for j in world.jobs("sync.player") if j["attempts"] >= 2), None), 15)
    assert job["status"] in ("pending", "running") and "cannot connect" in (job["last_error"] or "")
    world.emu.kodi.come_back()
    (done,) = world.wait_jobs("sync.player", 1, timeout=20)
    assert done["attempts"] >= 2 and done["result"]["player_id"] == k.id
    assert "VideoLibrary.Scan" in world.emu.kodi.rpc_methods()


def test_deferred_while_playing_then_synced(world, system, monkeypatch):
    monkeypatch.setattr(player_syncer, "DEFER_SECONDS", 0.5)
    world.setting(sync__debounce_seconds=0.2)
    world.kodi(world.emu.kodi, "Solo")
    world.emu.kodi.playing = True
    m = world.movie(1)
    world.emu.kodi.put_on_disk("movie", f"{MOVIES_ROOT}/{m.key}")
    world.enqueue(entity_spec("movie", m.id))
    job = wait_for(lambda: next((j for j in world.jobs("sync.player", ["pending"]) if j["failed"]), None), 10)
    assert "playing" in job["last_error"]
    assert "VideoLibrary.Scan" not in world.emu.kodi.rpc_methods()
    world.emu.kodi.playing = False
    world.wait_jobs("sync.player", 1, timeout=15)
    assert "VideoLibrary.Scan" in world.emu.kodi.rpc_methods()


@pytest.mark.parametrize("name", ["jellyfin", "emby", "plex"])
def test_deferred_while_a_media_server_plays_then_synced(world, system, monkeypatch, name):
    monkeypatch.setattr(player_syncer, "DEFER_SECONDS", 0.5)
    world.setting(sync__debounce_seconds=0.2)
    server = getattr(world.emu, name)
    player = getattr(world, name)()
    world.mapping(f"player:{player.id}", MOVIES_ROOT, JF_MOVIES)
    if name == "plex":
        server.add_section("1", "movie", "Movies", JF_MOVIES)
    m = world.movie(1)
    sid = server.start_playback(f"{JF_MOVIES}/Movie 7 (2001)/Movie 7 (2001).mkv")
    world.enqueue(entity_spec("movie", m.id))

    def refreshed():
        return server.refreshes() if name == "plex" else server.updates()
    job = wait_for(lambda: next((j for j in world.jobs("sync.player", ["pending"]) if j["failed"]), None), 10)
    assert "playing" in job["last_error"] and refreshed() == []
    server.stop_playback(sid)
    (done,) = world.wait_jobs("sync.player", 1, timeout=15)
    assert done["attempts"] >= 2 and refreshed() != []


def test_playing_does_not_block_when_the_setting_is_off(world, system):
    world.setting(sync__debounce_seconds=0.2, sync__skip_when_playing=False)
    world.kodi(world.emu.kodi, "Solo")
    world.emu.kodi.playing = True
    m = world.movie(1)
    world.emu.kodi.put_on_disk("movie", f"{MOVIES_ROOT}/{m.key}")
    world.enqueue(entity_spec("movie", m.id))
    world.wait_jobs("sync.player", 1)
    assert "VideoLibrary.Scan" in world.emu.kodi.rpc_methods()


def test_sync_library_scans_roots_and_tv_show_refresh(world, setup):
    emu = world.emu
    s = world.series("Show A")
    sid = emu.kodi.add("tvshow", "/data/tv/Show A")   # no TV mapping: Kodi sees Metarr's path
    world.enqueue(JobSpec("sync.library", subject=f"library:{world.movies.id}", payload={"library_id": world.movies.id}),
                  entity_spec("series", s.id, paths=["Show A/tvshow.nfo", "Show A/Season 01/e1.nfo"]))
    world.wait_jobs("sync.player", 3)
    assert sorted(c.body["directory"] for c in emu.kodi.rpc_calls("VideoLibrary.Scan")) == [
        "/data/tv/Show A/", KODI_MOVIES + "/"]
    (ref,) = emu.kodi.rpc_calls("VideoLibrary.RefreshTVShow")
    assert ref.body == {"tvshowid": sid, "ignorenfo": False, "refreshepisodes": True}
    # Plex: the movie section whole; the show folder has no section under Metarr's path (no mapping)
    assert emu.plex.refreshes() == [("1", None)]


def test_missing_entity_is_a_dead_job_not_a_retry(world, system):
    world.enqueue(entity_spec("movie", 424242))
    (job,) = world.wait_jobs("sync.entity", 1, status="dead")
    assert "not found" in job["last_error"]


def test_a_kodi_only_library_sends_nothing_to_plex_or_jellyfin(world, setup):
    from metarr.db.database import connection
    from metarr.db.models import Library
    with connection(world.s.db):
        Library.update(players=["kodi"]).where(Library.id == world.movies.id).execute()
    emu = world.emu
    m = world.movie(1)
    emu.kodi.put_on_disk("movie", f"{KODI_MOVIES}/{m.key}")
    world.enqueue(entity_spec("movie", m.id, paths=[f"{m.folder}/movie.nfo"], new=True))
    (job,) = world.wait_jobs("sync.player", 1)
    assert job["subject"] == f"group:{setup['group'].id}"
    (flush,) = world.jobs("sync.flush", ["succeeded"])
    assert flush["result"]["targets"] == [f"group:{setup['group'].id}"]
    assert emu.kodi.rpc_calls("VideoLibrary.Scan")
    assert emu.plex.requests == [] and emu.jellyfin.requests == []
    # listed again: Plex and Jellyfin hear of the next change
    with connection(world.s.db):
        Library.update(players=["kodi", "jellyfin", "plex"]).where(Library.id == world.movies.id).execute()
    world.enqueue(entity_spec("movie", m.id, paths=[f"{m.folder}/movie.nfo"]))
    done = world.wait_jobs("sync.player", 4, timeout=30)
    assert {j["subject"] for j in done} == {f"group:{setup['group'].id}", f"player:{setup['jf'].id}",
                                          f"player:{setup['px'].id}"}
    assert emu.jellyfin.updates() == [{"Path": f"{JF_MOVIES}/{m.folder}", "UpdateType": "Modified"}]
