"""The pure decisions: who is told, with which paths, in how many calls."""
from __future__ import annotations

from metarr.library.pathmap import Mapping
from metarr.players.model import Change, PlayerInfo, SyncCall
from metarr.players.plan import (
    MANY_FOLDERS,
    PlexSection,
    collapse,
    merge_changes,
    plan_jellyfin,
    plan_kodi,
    plan_plex,
    plan_sync,
)

ROOT = "/data/movies"


def movie(i: int, new: bool = False) -> Change:
    folder = f"{ROOT}/M{i}"
    return Change(1, "movie", ROOT, folder, "movie", file=f"{folder}/M{i}.mkv", new=new)


def test_one_call_per_group_and_one_per_ungrouped_player():
    players = [PlayerInfo(1, "kodi", "a", group_id=7), PlayerInfo(2, "kodi", "b", group_id=7),
               PlayerInfo(3, "jellyfin", "jf"), PlayerInfo(4, "plex", "px"), PlayerInfo(5, "kodi", "off", enabled=False)]
    calls = plan_sync([movie(1)], players, [7], [])
    assert [(c.target, c.kind) for c in calls] == [("group:7", "kodi"), ("player:3", "jellyfin"), ("player:4", "plex")]
    assert [pc.player_id for pc in calls[0].candidates] == [1, 2]   # tried in order, first success wins


def test_group_try_order_and_unknown_group_is_ungrouped():
    players = [PlayerInfo(1, "kodi", group_id=7, order=5), PlayerInfo(2, "kodi", group_id=7, order=1),
               PlayerInfo(3, "kodi", group_id=99)]
    calls = {c.target: c for c in plan_sync([movie(1)], players, [7], [])}
    assert [pc.player_id for pc in calls["group:7"].candidates] == [2, 1]
    assert set(calls) == {"group:7", "player:3"}


def test_paths_mapped_per_player_own_scope_before_group():
    maps = [Mapping("group:7", ROOT, "smb://nas/movies"), Mapping("player:2", ROOT, "nfs://other/movies")]
    players = [PlayerInfo(1, "kodi", group_id=7), PlayerInfo(2, "kodi", group_id=7)]
    (call,) = plan_sync([movie(1)], players, [7], maps)
    a, b = call.candidates
    assert a.changes[0].file == "smb://nas/movies/M1/M1.mkv" and a.roots == ("smb://nas/movies",)
    assert b.changes[0].folder == "nfs://other/movies/M1"


def test_sync_call_round_trips_through_a_job_payload():
    (call,) = plan_sync([movie(1, new=True)], [PlayerInfo(1, "kodi")], [], [])
    assert SyncCall.from_json(call.to_json()) == call


def test_burst_is_merged():
    changes = [movie(1), movie(1, new=True), movie(2)]
    merged = merge_changes(changes)
    assert len(merged) == 2 and merged[0].new


def test_kodi_known_items_refresh_unknown_scan_folder():
    known = {("movie", f"{ROOT}/M1/M1.mkv"): 41}
    ops, scanned = plan_kodi([movie(1), movie(2)], known)
    assert [(o.method, o.params) for o in ops] == [
        ("VideoLibrary.Scan", {"directory": f"{ROOT}/M2/", "showdialogs": False}),
        ("VideoLibrary.RefreshMovie", {"movieid": 41, "ignorenfo": False})]
    assert [c.folder for c in scanned] == [f"{ROOT}/M2"]


def test_kodi_many_new_items_become_one_root_scan():
    ops, scanned = plan_kodi([movie(i, new=True) for i in range(MANY_FOLDERS + 5)], {})
    assert [(o.method, o.params["directory"]) for o in ops] == [("VideoLibrary.Scan", ROOT + "/")]
    assert len(scanned) == MANY_FOLDERS + 5


def test_kodi_show_refresh_with_episodes_and_scan_for_new_ones():
    show = Change(2, "tv", "/data/tv", "/data/tv/Show", "series", new=True, deep=True)
    ops, _ = plan_kodi([show], {("tvshow", "/data/tv/Show"): 3})
    assert [o.method for o in ops] == ["VideoLibrary.Scan", "VideoLibrary.RefreshTVShow"]
    assert ops[1].params == {"tvshowid": 3, "ignorenfo": False, "refreshepisodes": True}


def test_kodi_music_uses_audio_library_and_library_scan_uses_root():
    album = Change(3, "music", "/data/music", "/data/music/A/B", "album")
    lib = Change(1, "movie", ROOT, ROOT, "library", new=True)
    ops, _ = plan_kodi([album, lib, movie(1)], {})
    assert sorted((o.method, o.params["directory"]) for o in ops) == [
        ("AudioLibrary.Scan", "/data/music/A/B/"), ("VideoLibrary.Scan", ROOT + "/")]


def test_kodi_windows_style_paths_keep_their_separator():
    c = Change(1, "movie", "D:\\Movies", "D:\\Movies\\M1", "movie", file="D:\\Movies\\M1\\M1.mkv")
    ops, _ = plan_kodi([c], {})
    assert ops[0].params["directory"] == "D:\\Movies\\M1\\"


def test_jellyfin_one_entry_per_folder_created_for_new():
    show = Change(2, "tv", "/tv", "/tv/Show", "series")
    ep = Change(2, "tv", "/tv", "/tv/Show", "episode", file="/tv/Show/S01/e1.mkv", new=True)
    ups = plan_jellyfin([movie(1, new=True), movie(2), show, ep])
    assert ups == [{"Path": f"{ROOT}/M1", "UpdateType": "Created"}, {"Path": f"{ROOT}/M2", "UpdateType": "Modified"},
                   {"Path": "/tv/Show", "UpdateType": "Created"}]


def test_plex_partial_per_folder_section_when_many_unmatched_reported():
    sections = [PlexSection("1", "movie", "Movies", (ROOT,)), PlexSection("2", "show", "TV", ("/tv",))]
    few, unmatched = plan_plex([movie(1), movie(2), Change(9, "movie", "/x", "/x/Y", "movie")], sections)
    assert few == [("1", f"{ROOT}/M1"), ("1", f"{ROOT}/M2")] and unmatched == ["/x/Y"]
    many, _ = plan_plex([movie(i) for i in range(MANY_FOLDERS + 1)], sections)
    assert many == [("1", None)]


def test_collapse_keeps_outermost_folders():
    assert collapse(["/a/b", "/a", "/c/d", "/a/b/c", "/c/d/"]) == ["/a", "/c/d"]
    assert collapse(["/media/tv", "/media/tvshows"]) == ["/media/tv", "/media/tvshows"]


def test_a_player_is_told_only_of_libraries_that_list_its_kind():
    from dataclasses import replace
    players = [PlayerInfo(1, "kodi"), PlayerInfo(2, "plex"), PlayerInfo(3, "jellyfin", group_id=7),
               PlayerInfo(4, "jellyfin", group_id=7)]
    kodi_only = replace(movie(1), players=("kodi",))
    both = replace(movie(2), players=("kodi", "jellyfin"))
    calls = {c.target: c for c in plan_sync([kodi_only, both], players, [7], [])}
    assert set(calls) == {"player:1", "group:7"}     # Plex reads neither library: no call at all
    assert [c.folder for c in calls["player:1"].candidates[0].changes] == [f"{ROOT}/M1", f"{ROOT}/M2"]
    for pc in calls["group:7"].candidates:
        assert [c.folder for c in pc.changes] == [f"{ROOT}/M2"]
    # a library that lists no players (from before the field): every player, as before
    assert {c.target for c in plan_sync([movie(3)], players, [7], [])} == {"player:1", "player:2", "group:7"}
    # the list survives the job payload
    assert Change.from_json(both.to_json()) == both
