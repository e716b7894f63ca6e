"""The Kodi emulator scans as a real Kodi with the local-information-only scraper does
(reference/kodi-behaviour.md): in the background, saying so through `Library.IsScanningVideo`,
and adding nothing without an NFO."""
import time

import pytest

from metarr.assets.ssrf import AllowList
from metarr.players.kodi import KodiClient
from web.demo.emulation.players import PlayerEmulators

NFO = '<movie><title>{t}</title><uniqueid type="tmdb" default="true">{i}</uniqueid></movie>'


@pytest.fixture
def kodi():
    with PlayerEmulators() as emu:
        emu.kodi.scan_seconds = 0.5
        yield emu.kodi, KodiClient(emu.kodi.url, "kodi", "secret", allow=AllowList.parse("127.0.0.1"))


def test_a_scan_runs_in_the_background_and_adds_only_items_with_an_nfo(kodi, tmp_path):
    server, client = kodi
    movies = tmp_path / "Movies"
    for name, nfo in (("With NFO (2001)", True), ("Without NFO (2002)", False)):
        (movies / name).mkdir(parents=True)
        (movies / name / f"{name}.mkv").write_bytes(b"\x1aE\xdf\xa3")
        if nfo:
            (movies / name / f"{name}.nfo").write_text(NFO.format(t=name, i=603))
        server.put_on_disk("movie", str(movies / name / f"{name}.mkv"))
    shows = tmp_path / "TV"
    for show, nfo in (("Show A", True), ("Show B", False)):
        (shows / show / "Season 01").mkdir(parents=True)
        ep = shows / show / "Season 01" / f"{show} - S01E01.mkv"
        ep.write_bytes(b"\x1aE\xdf\xa3")
        ep.with_suffix(".nfo").write_text("<episodedetails><title>One</title></episodedetails>")
        if nfo:
            (shows / show / "tvshow.nfo").write_text("<tvshow><title>A</title></tvshow>")
        server.put_on_disk("tvshow", str(shows / show))
        server.put_on_disk("episode", str(ep))

    assert client.call("VideoLibrary.Scan", {"directory": str(tmp_path) + "/"}) == "OK"
    # the call returns at once; the scan goes on, and what it finds is not there yet
    assert client.is_scanning() and not client.list_items("movie", str(movies) + "/")
    t0 = time.monotonic()
    assert client.wait_scan(timeout=10, interval=0.1)
    assert time.monotonic() - t0 > 0.2 and not client.is_scanning()
    found = client.list_items("movie", str(movies) + "/")
    # no NFO, no item: the local-only scraper never falls back to the file name
    assert [k.rsplit("/", 1)[1] for k in found] == ["With NFO (2001).mkv"]
    assert next(iter(found.values()))[0].ids == {"tmdb": "603"}
    assert [k.rstrip("/").rsplit("/", 1)[1] for k in client.list_items("tvshow", str(shows) + "/")] == ["Show A"]
    # an episode of a show Kodi did not add is not added either, NFO or not
    assert [k.rsplit("/", 1)[1] for k in client.list_items("episode", str(shows) + "/")] == ["Show A - S01E01.mkv"]


def test_scans_at_once_keep_kodi_scanning_until_the_last_ends(kodi):
    server, client = kodi
    server.put_on_disk("movie", "smb://nas/movies/A (2001)/A (2001).mkv")
    server.put_on_disk("movie", "smb://nas/movies/B (2002)/B (2002).mkv", nfo=False)   # declared: no NFO there
    client.call("VideoLibrary.Scan", {"directory": "smb://nas/movies/A (2001)/"})
    time.sleep(0.3)
    client.call("VideoLibrary.Scan", {"directory": "smb://nas/movies/"})
    time.sleep(0.3)
    assert client.is_scanning()          # the first has ended, the second has not
    assert server.find("movie", "smb://nas/movies/A (2001)/A (2001).mkv") is not None
    assert client.wait_scan(timeout=10, interval=0.1)
    assert server.find("movie", "smb://nas/movies/B (2002)/B (2002).mkv") is None
    assert client.call("XBMC.GetInfoBooleans", {"booleans": ["Library.IsScanningVideo", "Library.IsScanningMusic"]}) \
        == {"Library.IsScanningVideo": False, "Library.IsScanningMusic": False}
