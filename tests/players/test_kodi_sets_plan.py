"""The pure decisions of Kodi's movie sets: which sets get SetMovieSetDetails, which are missing."""
from metarr.library.naming import movieset_folder
from metarr.players.kodi_sets import parse_sets, plan_sets
from metarr.players.model import Change


def _set(name, art, check=False):
    return Change(1, "movie", "/m", "/sets/" + name, "collection", name=name, art=art, check=check, entity_id=1)


def test_only_sets_whose_art_is_not_ours_are_set_and_a_set_a_movie_brought_must_be_there():
    have = parse_sets({"sets": [
        {"setid": 4, "title": "Alien Collection", "art": {"poster": "image://%2Fsets%2FA%2Fposter.jpg/"}},
        {"setid": 5, "label": "Mad Max Collection", "art": {}}]})
    calls, done = plan_sets([
        _set("alien collection", {"poster": "/sets/A/poster.jpg"}),                 # Kodi's title is case-blind
        _set("Mad Max Collection", {"poster": "/sets/M/poster.jpg", "fanart": "/sets/M/fanart.jpg"}),
        _set("Dune Collection", {"poster": "/sets/D/poster.jpg"}, check=True),      # no movie of it synced
        _set("Blade Runner Collection", {"poster": "/sets/B/poster.jpg"})], have)
    assert calls == [("VideoLibrary.SetMovieSetDetails", {"setid": 5, "art": {"poster": "/sets/M/poster.jpg",
                                                                              "fanart": "/sets/M/fanart.jpg"}})]
    assert (done.unchanged, done.updated, done.absent, done.missing) == (
        ["Alien Collection"], ["Mad Max Collection"], ["Dune Collection"], ["Blade Runner Collection"])


def test_a_set_folder_is_named_as_kodi_makes_a_title_legal():
    assert movieset_folder('Alien: "Director\'s" Cut / 4K?') == "Alien_ _Director's_ Cut _ 4K_"
    assert movieset_folder("Star Wars <Saga> | Collection... ") == "Star Wars _Saga_ _ Collection"
    assert movieset_folder(" Leading space kept") == " Leading space kept"
    for bad in ("...", "  ", ""):
        try:
            movieset_folder(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
