from metarr.library.pathmap import Mapping, map_for_player, map_path

M = [Mapping("radarr", "/downloads/movies", "/srv/media/movies"),
     Mapping("radarr", "/downloads/movies/4k", "/srv/media/movies-4k"),
     Mapping("player:1", "/srv/media", "smb://nas/media"),
     Mapping("player:2", "/srv/media/", "D:\\Media\\"),
     Mapping("group:7", "/srv/media", "nfs://nas/media")]


def test_longest_prefix_wins_on_whole_components():
    assert map_path("/downloads/movies/A (2000)/a.mkv", M, "radarr") == "/srv/media/movies/A (2000)/a.mkv"
    assert map_path("/downloads/movies/4k/B/b.mkv", M, "radarr") == "/srv/media/movies-4k/B/b.mkv"
    assert map_path("/downloads/movies4k/C", M, "radarr") == "/downloads/movies4k/C"
    assert map_path("/elsewhere/x", M, "radarr") == "/elsewhere/x"


def test_player_mappings_including_windows_targets():
    assert map_for_player("/srv/media/tv/Show", M, 1) == "smb://nas/media/tv/Show"
    assert map_for_player("/srv/media/tv/Show/", M, 2) == "D:\\Media\\tv\\Show"
    assert map_for_player("/srv/media/tv", M, 3, group_id=7) == "nfs://nas/media/tv"
    assert map_for_player("/srv/media/tv", M, 3) == "/srv/media/tv"
