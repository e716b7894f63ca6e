"""The clients against the emulators: methods, auth headers, errors, group fallback."""
from __future__ import annotations

import base64

import pytest

from metarr.assets.ssrf import AllowList
from metarr.players.http import PlayerAuthError, PlayerUnreachable
from metarr.players.jellyfin import JellyfinClient
from metarr.players.kinds import kind_of
from metarr.players.kodi import KodiClient, KodiRpcError
from metarr.players.model import Change, PlayerCalls, PlayerConn, SyncCall
from metarr.players.plex import PlexClient
from metarr.players.run import PlayersBusy, PlayersFailed, check_connection, run_sync

ROOT = "/mnt/movies"

LOOP = AllowList.parse("127.0.0.1")   # the emulators live on loopback


def kodi_conn(server, pid=1, **kw) -> PlayerConn:
    return PlayerConn(pid, "kodi", f"kodi{pid}", server.url, "kodi", kw.pop("password", "secret"), **kw, allow=LOOP)


def movie(i: int) -> Change:
    return Change(1, "movie", ROOT, f"{ROOT}/M{i}", "movie", file=f"{ROOT}/M{i}/M{i}.mkv")


def test_kodi_basic_auth_rpc_and_errors(emu):
    k = KodiClient(emu.kodi.url, "kodi", "secret", allow=LOOP)
    assert k.ping()
    call = emu.kodi.rpc[-1]
    assert call.method == "JSONRPC.Ping"
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(b"kodi:secret").decode()
    assert emu.kodi.requests[-1].method == "POST" and emu.kodi.requests[-1].path == "/jsonrpc"
    with pytest.raises(KodiRpcError) as e:
        k.call("VideoLibrary.RefreshMovie", {"movieid": 999})
    assert e.value.code == -32602
    with pytest.raises(PlayerAuthError):
        KodiClient(emu.kodi.url, "kodi", "wrong", allow=LOOP).ping()


def test_kodi_batch_is_one_http_request(emu):
    ids = [emu.kodi.add("movie", f"{ROOT}/M{i}/M{i}.mkv") for i in range(3)]
    k = KodiClient(emu.kodi.url, "kodi", "secret", allow=LOOP)
    before = len(emu.kodi.requests)
    assert k.batch([("VideoLibrary.RefreshMovie", {"movieid": i}) for i in ids]) == ["OK"] * 3
    assert len(emu.kodi.requests) - before == 1 and len(emu.kodi.refreshed) == 3


def test_kodi_list_items_filters_by_root_and_reads_the_uniqueids(emu):
    a = emu.kodi.add("movie", f"{ROOT}/A/A.mkv", ids={"tmdb": "19", "imdb": "tt0017136"})
    emu.kodi.add("movie", "/mnt/other/B/B.mkv")
    items = KodiClient(emu.kodi.url, "kodi", "secret", allow=LOOP).list_items("movie", ROOT + "/")
    assert [(k, [(i.kid, i.ids) for i in v]) for k, v in items.items()] == [
        (f"{ROOT}/A/A.mkv", [(a, {"tmdb": "19", "imdb": "tt0017136"})])]
    flt = emu.kodi.rpc_calls("VideoLibrary.GetMovies")[-1].body["filter"]
    assert flt == {"field": "path", "operator": "startswith", "value": ROOT + "/"}


def test_jellyfin_token_header_and_fallback_to_full_refresh(emu):
    jf = JellyfinClient(emu.jellyfin.url, emu.jellyfin.token, allow=LOOP)
    assert jf.media_updated([{"Path": "/m/A", "UpdateType": "Created"}]) == "media_updated"
    req = emu.jellyfin.requests[-1]
    assert req.headers["Authorization"] == f'MediaBrowser Token="{emu.jellyfin.token}"'
    assert req.body == {"Updates": [{"Path": "/m/A", "UpdateType": "Created"}]}
    emu.jellyfin.media_updated = False
    assert jf.media_updated([{"Path": "/m/A", "UpdateType": "Modified"}]) == "refresh"
    assert [(r.method, r.path) for r in emu.jellyfin.requests[-2:]] == [
        ("POST", "/Library/Media/Updated"), ("POST", "/Library/Refresh")]
    with pytest.raises(PlayerAuthError):
        JellyfinClient(emu.jellyfin.url, "nope", allow=LOOP).info()


def test_plex_token_sections_and_partial_refresh(emu):
    emu.plex.add_section("3", "movie", "Movies", "/media/movies")
    px = PlexClient(emu.plex.url, emu.plex.token, allow=LOOP)
    (sec,) = px.sections()
    assert sec.key == "3" and sec.locations == ("/media/movies",)
    px.refresh("3", "/media/movies/A & B (2001)")
    req = emu.plex.requests[-1]
    assert req.headers["X-Plex-Token"] == emu.plex.token and req.headers["Accept"] == "application/json"
    assert emu.plex.refreshes() == [("3", "/media/movies/A & B (2001)")]
    with pytest.raises(PlayerAuthError):
        PlexClient(emu.plex.url, "bad", allow=LOOP).sections()


@pytest.mark.parametrize("name", ["jellyfin", "emby", "plex"])
def test_a_media_server_says_whether_something_plays_from_its_sessions(emu, name):
    server = getattr(emu, name)
    kind = kind_of(name)
    client = kind.connect(PlayerConn(1, name, name, server.url, token=server.token, allow=LOOP))
    assert kind.is_playing(client) is False   # Jellyfin and Emby list an idle web client: not playing
    sid = server.start_playback("/media/movies/A (2001)/A (2001).mkv")
    assert kind.is_playing(client) is True
    server.stop_playback(sid)
    assert kind.is_playing(client) is False
    # paused is still playing: the film resumes into whatever the refresh left
    if name == "plex":
        server.start_playback("/media/movies/A (2001)/A (2001).mkv", state="paused")
    else:
        server.start_playback("/media/movies/A (2001)/A (2001).mkv", paused=True)
    assert kind.is_playing(client) is True
    # asked where the real server answers it, with its credentials
    req = server.requests[-1]
    assert (req.method, req.path) == ("GET", {"jellyfin": "/Sessions", "emby": "/emby/Sessions",
                                              "plex": "/status/sessions"}[name])
    header = {"jellyfin": "Authorization", "emby": "X-Emby-Token", "plex": "X-Plex-Token"}[name]
    assert server.token in req.headers[header]
    with pytest.raises(PlayerAuthError):
        kind.is_playing(kind.connect(PlayerConn(1, name, name, server.url, token="wrong", allow=LOOP)))


def test_connection_test_messages(emu):
    ok = check_connection(kodi_conn(emu.kodi))
    assert ok["ok"] and "Kodi answered" in ok["message"]
    bad = check_connection(kodi_conn(emu.kodi, password="wrong"))
    assert not bad["ok"] and bad["status"] == "auth_failed" and "credentials" in bad["message"]
    emu.kodi.go_down()
    down = check_connection(kodi_conn(emu.kodi))
    assert not down["ok"] and down["status"] == "down" and "cannot connect" in down["message"]
    emu.kodi.come_back()
    assert check_connection(PlayerConn(2, "jellyfin", "jf", emu.jellyfin.url, token=emu.jellyfin.token, allow=LOOP))["ok"]
    assert "library sections" in check_connection(PlayerConn(3, "plex", "px", emu.plex.url, token=emu.plex.token, allow=LOOP))["message"]


def group_call(*ids) -> SyncCall:
    return SyncCall("group:1", "kodi", tuple(PlayerCalls(i, (movie(1),), (ROOT,)) for i in ids))


def test_group_first_down_second_does_the_work(emu):
    conns = {1: kodi_conn(emu.kodi, 1), 2: kodi_conn(emu.kodi2, 2)}
    emu.kodi.go_down()
    seen = []
    res = run_sync(group_call(1, 2), conns, confirm_timeout=0, on_status=lambda *a: seen.append(a[2]))
    assert res["player_id"] == 2 and seen == ["down", "ok"]
    assert "VideoLibrary.Scan" in emu.kodi2.rpc_methods()
    emu.kodi2.go_down()
    with pytest.raises(PlayersFailed) as e:
        run_sync(group_call(1, 2), conns, confirm_timeout=0)
    assert not e.value.permanent


def test_group_playing_member_is_passed_over_then_deferred(emu):
    conns = {1: kodi_conn(emu.kodi, 1), 2: kodi_conn(emu.kodi2, 2)}
    emu.kodi.playing = True
    assert run_sync(group_call(1, 2), conns, confirm_timeout=0)["player_id"] == 2
    assert "VideoLibrary.Scan" not in emu.kodi.rpc_methods()
    emu.kodi2.playing = True
    with pytest.raises(PlayersBusy):
        run_sync(group_call(1, 2), conns, confirm_timeout=0)
    # per-player policy: sync anyway, or drop the sync
    conns[1] = kodi_conn(emu.kodi, 1, options={"skip_when_playing": False})
    assert run_sync(group_call(1, 2), conns, confirm_timeout=0)["player_id"] == 1
    skip = {1: kodi_conn(emu.kodi, 1, options={"when_playing": "skip"})}
    assert run_sync(group_call(1), skip, confirm_timeout=0)["skipped"] == "playing"


def test_wrong_credentials_are_permanent(emu):
    with pytest.raises(PlayersFailed) as e:
        run_sync(group_call(1), {1: kodi_conn(emu.kodi, password="bad")}, confirm_timeout=0)
    assert e.value.permanent and "authentication failed" in str(e.value)


def test_unreachable_is_an_error_value_not_a_hang(emu):
    emu.plex.go_down()
    with pytest.raises(PlayerUnreachable):
        PlexClient(emu.plex.url, emu.plex.token, timeout=1, allow=LOOP).identity()
