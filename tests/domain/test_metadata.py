"""Merge rules: locks hold for every field and list, empty never erases, priorities decide."""
import time

from metarr import metadata as md
from metarr.db.media import Movie


def _movie(services):
    now = time.time()
    return Movie.create(library_id=1, key="A (2000)/A.mkv", folder="A (2000)", title="A", date_added=now,
                        created_at=now, updated_at=now).id


def test_may_set_rules():
    nfo, tmdb, user = md.State("nfo", False), md.State("provider:tmdb", False), md.State("user", True)
    assert md.may_set("provider:tmdb", None)
    assert not md.may_set("provider:tmdb", nfo)            # NFO values are kept by default
    assert md.may_set("provider:tmdb", nfo, overwrite_nfo=True)
    assert not md.may_set("provider:omdb", tmdb)           # lower priority provider
    assert md.may_set("provider:tmdb", md.State("provider:omdb", False))
    assert not md.may_set("provider:tmdb", user, overwrite_nfo=True)
    assert md.may_set("user", user)


def test_locks_hold_for_scalars_and_lists(services):
    mid = _movie(services)
    db = services.db
    md.apply(db, "movie", mid, md.Update("provider:tmdb", {"title": "A", "plot": "p1"}, {"genres": ["Drama"]}))
    changed = md.apply(db, "movie", mid, md.Update("user", {"title": "My A"}, {"genres": ["Horror", "horror"]}, lock=True))
    assert changed == ["list:genres", "title"]
    again = md.apply(db, "movie", mid, md.Update("provider:tmdb", {"title": "Other", "plot": "p2"},
                                                 {"genres": ["Comedy"]}))
    assert again == ["plot"]
    m = Movie.get_by_id(mid)
    assert (m.title, m.plot) == ("My A", "p2")
    assert md.get_lists("movie", mid)["genres"] == ["Horror"]
    locks = md.locks_json("movie", mid)
    assert locks["title"] == {"source": "user", "locked": True} and locks["list:genres"]["locked"]
    assert locks["plot"] == {"source": "provider:tmdb", "locked": False}


def test_empty_values_never_erase(services):
    mid = _movie(services)
    md.apply(services.db, "movie", mid, md.Update("provider:tmdb", {"plot": "kept"}, {"studios": ["X"]}))
    assert md.apply(services.db, "movie", mid, md.Update("provider:tmdb", {"plot": "", "tagline": None},
                                                         {"studios": []})) == []
    assert Movie.get_by_id(mid).plot == "kept"


def test_cast_and_ratings(services):
    mid = _movie(services)
    db = services.db
    md.apply(db, "movie", mid, md.Update("provider:tmdb", cast=(md.CastEntry("Duane Jones", "Ben", 0),),
                                         ratings=(md.RatingEntry("themoviedb", 7.5, 1200, 10, True),)))
    md.apply(db, "movie", mid, md.Update("provider:omdb", ratings=(md.RatingEntry("imdb", 7.8, 130000),)))
    assert [c.name for c in md.get_cast("movie", mid)] == ["Duane Jones"]
    assert {r.source: r.value for r in md.get_ratings("movie", mid)} == {"themoviedb": 7.5, "imdb": 7.8}
