"""The set (collection) a movie is published in: its collection item's name, overview and TMDB id,
which the user edits and locks on the collection's page; or, for a movie in no known collection
(or one the user put in another set by hand), the set its own fields name (an NFO's `<set>`)."""
from __future__ import annotations

from dataclasses import dataclass

from metarr.db.media import Collection, FieldState, Movie

# LibraryFile.library_id of the files in Kodi's movie set information folder: no library holds them
SET_LIBRARY = 0


@dataclass(frozen=True)
class MovieSet:
    name: str
    overview: str | None = None
    tmdb_id: int | None = None          # the TMDB collection id; None for a set known only by its name
    collection_id: int | None = None    # Metarr's collection item


def _own_set_by_hand(movie_id: int) -> bool:
    return FieldState.select().where((FieldState.entity_type == "movie") & (FieldState.entity_id == movie_id)
                                     & (FieldState.field == "set_name") & (FieldState.source == "user")).exists()


def set_of(m: Movie) -> MovieSet | None:
    by_hand = bool(m.collection_id) and _own_set_by_hand(m.id)
    c = Collection.get_or_none(Collection.id == m.collection_id) if m.collection_id and not by_hand else None
    return set_from(m, by_hand, c)


def set_from(m: Movie, by_hand: bool, collection: Collection | None) -> MovieSet | None:
    """The set, from the movie's row, whether the user named its set by hand and its collection's row
    (None: no such row). Pure: a publish plan reads the last two for a page of movies at once."""
    if m.collection_id and not by_hand and collection is not None and collection.name.strip():
        return MovieSet(collection.name, collection.overview, collection.tmdb_id, collection.id)
    if m.set_name:
        return MovieSet(m.set_name, m.set_overview)
    return None


def ref(collection_id: int | None) -> dict | None:
    """{id, name, tmdb_id} of a movie's collection, for its page."""
    c = Collection.get_or_none(Collection.id == collection_id) if collection_id else None
    return {"id": c.id, "name": c.name, "tmdb_id": c.tmdb_id} if c is not None else None
