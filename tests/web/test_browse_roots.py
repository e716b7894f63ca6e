"""The UI's folder browser does not start at / by default: library parents, the usual media mount
points that exist, the home folder; configured roots when set."""
from metarr.library.paths import browse_roots


def test_default_roots_are_media_places_not_the_whole_file_system():
    exists = {"/mnt", "/home", "/srv"}.__contains__
    got = browse_roots([], ["/mnt/disk1/Movies", "/data/tv/Shows"], "/home/alice", exists=exists)
    assert got == ["/mnt/disk1", "/data/tv", "/mnt", "/srv", "/home"]
    assert "/" not in got
    assert browse_roots([], [], "/root", exists=lambda p: False) == ["/root"]


def test_configured_roots_win():
    assert browse_roots(["/srv/media/"], ["/mnt/x/Movies"], "/home/a", exists=lambda p: True) == ["/srv/media"]


async def test_the_browser_lists_the_starting_points_and_refuses_what_is_outside(api, tmp_path):
    media = tmp_path / "media"
    (media / "Movies").mkdir(parents=True)
    await api.patch("/api/v1/settings", json={"ui.browse_roots": [str(media)]})
    r = await api.get("/ui/browse")
    d = (await r.json())["data"]
    assert d["path"] == str(media) and [x["name"] for x in d["dirs"]] == ["Movies"]
    r = await api.get("/ui/browse?path=/etc")
    assert r.status == 403
