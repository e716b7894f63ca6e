"""The pure decisions of checking a Kodi sync (metarr/players/kodi_check.py)."""
from metarr.players.kodi_check import KodiItem, check_items, ids_agree, plan_recovery, unwrap_image
from metarr.players.model import Change
from metarr.players.plan import kodi_file

ROOT = "/media/movies"


def movie(folder: str, name: str, **kw) -> Change:
    return Change(1, "movie", ROOT, f"{ROOT}/{folder}", "movie", file=f"{ROOT}/{folder}/{name}",
                  local_folder=f"/srv/movies/{folder}", **kw)


def test_a_stacked_movie_is_known_by_its_first_part():
    assert kodi_file("stack:///m/D/D cd1.mkv , /m/D/D cd2.mkv") == "/m/D/D cd1.mkv"
    assert kodi_file("stack:///m/A,,B/A cd1.mkv , /m/A,,B/A cd2.mkv") == "/m/A,B/A cd1.mkv"
    assert kodi_file("/m/E/E.mkv") == "/m/E/E.mkv"


def test_ids_agree_on_the_types_both_know_and_need_one():
    assert ids_agree({"tmdb": "653", "imdb": "tt0013442"}, {"tmdb": "653"})
    assert not ids_agree({"tmdb": "653"}, {"tmdb": "19"})
    assert not ids_agree({"tmdb": "653"}, {})            # Kodi read an NFO without our ids
    assert not ids_agree({"tmdb": "653", "imdb": "tt1"}, {"tmdb": "653", "imdb": "tt2"})


def test_missing_wrong_ids_and_wrong_art_are_each_reported_with_words():
    a = movie("A", "A.mkv", ids={"tmdb": "1"})
    b = movie("B", "B.mkv", ids={"tmdb": "2"})
    c = movie("C", "C.mkv", art={"poster": f"{ROOT}/C/C-poster.png"})
    found = {("movie", f"{ROOT}/B/B.mkv"): [KodiItem(7, {"tmdb": "19"})],
             ("movie", f"{ROOT}/C/C.mkv"): [KodiItem(8, {}, art={"poster": f"{ROOT}/C/C-poster.jpg"})]}
    probs = check_items([a, b, c], found)
    assert [(p.path, p.problem) for p in probs] == [(a.file, "missing"), (b.file, "ids"), (c.file, "art")]
    assert probs[0].detail == f"not in Kodi's library after a scan of {ROOT}/A/"
    assert probs[1].detail == "Kodi holds it as tmdb 19, Metarr as tmdb 2"
    assert probs[2].detail == "Kodi does not show the published poster"


def test_recovery_touches_the_local_folder_and_rescans_refreshes_and_sets_art():
    a = movie("A", "A.mkv", ids={"tmdb": "1"})
    b = movie("B", "B.mkv", ids={"tmdb": "2"})
    c = movie("C", "C.mkv", art={"poster": f"{ROOT}/C/C-poster.png", "fanart": f"{ROOT}/C/C-fanart.jpg"})
    found = {("movie", f"{ROOT}/B/B.mkv"): [KodiItem(7, {"tmdb": "19"})],
             ("movie", f"{ROOT}/C/C.mkv"): [KodiItem(8, {}, art={"poster": f"{ROOT}/C/C-poster.jpg",
                                                                  "fanart": f"{ROOT}/C/C-fanart.jpg"})]}
    rec = plan_recovery(check_items([a, b, c], found), found)
    assert rec.touch == ("/srv/movies/A",)            # Metarr's own path, not the player's
    assert [(o.method, o.params) for o in rec.ops] == [
        ("VideoLibrary.Scan", {"directory": f"{ROOT}/A/", "showdialogs": False}),
        ("VideoLibrary.RefreshMovie", {"movieid": 7, "ignorenfo": False}),
        ("VideoLibrary.SetMovieDetails", {"movieid": 8, "art": {"poster": f"{ROOT}/C/C-poster.png"}})]


def test_a_missing_episode_of_a_show_kodi_has_refreshes_the_show_with_its_episodes():
    ep = Change(2, "tv", "/tv", "/tv/Show", "episode", file="/tv/Show/S01E05.mkv", local_folder="/tv/Show")
    found = {("tvshow", "/tv/Show"): [KodiItem(3)]}
    rec = plan_recovery(check_items([ep], found), found)
    assert rec.touch == () and [(o.method, o.params) for o in rec.ops] == [
        ("VideoLibrary.RefreshTVShow", {"tvshowid": 3, "ignorenfo": False, "refreshepisodes": True})]


def test_kodi_art_urls_are_unwrapped_to_the_published_file():
    assert unwrap_image("image://%2fmedia%2fmovies%2fA%2fA-poster.jpg/") == "/media/movies/A/A-poster.jpg"
    assert unwrap_image("image://smb%3a%2f%2fnas%2fm%2fA-poster.jpg/") == "smb://nas/m/A-poster.jpg"


def test_a_library_sync_scans_the_root_and_refreshes_nothing_it_has_only_checks():
    from metarr.players.plan import plan_kodi
    lib = Change(1, "movie", ROOT, ROOT, "library", new=True)
    known, new = movie("A", "A.mkv", check=True), movie("B", "B.mkv", check=True)
    ops, scanned = plan_kodi([lib, known, new], {("movie", f"{ROOT}/A/A.mkv"): 5})
    assert [(o.method, o.params["directory"]) for o in ops] == [("VideoLibrary.Scan", ROOT + "/")]
    assert scanned == [new]


def test_only_cached_copies_of_an_older_file_are_renewed():
    """Kodi keeps a cached copy of each image with "d<mtime s>s<size>" and checks it again only a
    day later: a poster replaced under the same name shows the old picture until its copy goes."""
    from metarr.players.kodi_check import image_hash, stale_textures, textures_to_check
    poster, fanart = f"{ROOT}/A/A-poster.jpg", f"{ROOT}/A/A-fanart.jpg"
    assert image_hash(1_796_480_525_999_999_999, 4429) == "d1796480525s4429"
    a = movie("A", "A.mkv", art={"poster": poster, "fanart": fanart, "clearlogo": f"{ROOT}/A/A-clearlogo.png"},
              art_hash={"poster": "d200s10", "fanart": "d100s20", "clearlogo": "d1s1"})
    shown = KodiItem(8, {}, art={"poster": poster, "fanart": fanart, "clearlogo": f"{ROOT}/A/other.png"},
                     art_urls={"poster": "image://P/", "fanart": "image://F/", "clearlogo": "image://O/"})
    expected = textures_to_check([a], {("movie", f"{ROOT}/A/A.mkv"): [shown]})
    assert expected == {"image://P/": "d200s10", "image://F/": "d100s20"}   # not an image Kodi shows instead
    textures = [{"textureid": 1, "url": "image://P/", "imagehash": "d100s9"},    # the replaced poster
                {"textureid": 2, "url": "image://F/", "imagehash": "d100s20"},   # the same fanart
                {"textureid": 3, "url": "image://X/", "imagehash": "d0s0"}]      # not ours
    assert stale_textures(expected, textures) == [1]
