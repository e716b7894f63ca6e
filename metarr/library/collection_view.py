"""Read models of collections (TMDB movie sets) for the API and the UI: the list, and one
collection with its fields and locks, artwork and candidates, its movies and its movie set folder
files. Built on browse.py's pieces (summaries, assets, candidates)."""
from __future__ import annotations

from metarr import metadata as md
from metarr.db.media import ArtworkSlot, CacheFile, Collection, LibraryFile, Movie
from metarr.library import browse
from metarr.library.movie_sets import SET_LIBRARY
from metarr.service.timefmt import iso


def _posters(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (ArtworkSlot.select(ArtworkSlot.entity_id, CacheFile.sha256)
            .join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
            .where((ArtworkSlot.entity_type == "collection") & ArtworkSlot.entity_id.in_(ids)
                   & (ArtworkSlot.slot == "poster") & (ArtworkSlot.rank == 0)).tuples())
    return dict(rows)


def _counts(ids: list[int]) -> dict[int, int]:
    from peewee import fn
    if not ids:
        return {}
    return dict(Movie.select(Movie.collection_id, fn.COUNT(Movie.id)).where(
        Movie.collection_id.in_(ids) & Movie.deleted_at.is_null(True)).group_by(Movie.collection_id).tuples())


def summary(c: Collection, poster_sha: str | None, movies: int) -> dict:
    return {"id": c.id, "tmdb_id": c.tmdb_id, "name": c.name, "title": c.name, "state": c.state, "movies": movies,
            "poster": f"/api/v1/assets/{poster_sha}" if poster_sha else None}


def list_collections(*, limit: int, offset: int, q: str | None = None, empty: bool = False) -> tuple[list[dict], int]:
    """Collections by name; those without a movie left only with `empty`."""
    query = Collection.select()
    if q:
        query = query.where(Collection.name.contains(q))
    if not empty:
        live = Movie.select(Movie.collection_id).where(Movie.collection_id.is_null(False) & Movie.deleted_at.is_null(True))
        query = query.where(Collection.id.in_(live))
    total = query.count()
    rows = list(query.order_by(Collection.name, Collection.id).limit(limit).offset(offset))
    ids = [c.id for c in rows]
    posters, counts = _posters(ids), _counts(ids)
    return [summary(c, posters.get(c.id), counts.get(c.id, 0)) for c in rows], total


def movies_of(collection_id: int) -> list[dict]:
    rows = list(Movie.select().where((Movie.collection_id == collection_id) & Movie.deleted_at.is_null(True))
                .order_by(Movie.year, Movie.title, Movie.id))
    posters = browse._poster_map("movie", [m.id for m in rows])
    return [browse.summary("movie", m, posters.get(m.id)) for m in rows]


def set_files(collection_id: int) -> list[dict]:
    """The files of its movie set folder Metarr wrote (absolute paths)."""
    return [{"path": r.path, "slot": r.slot, "size": r.size, "published_at": iso(r.published_at)}
            for r in LibraryFile.select().where((LibraryFile.library_id == SET_LIBRARY)
                                                & (LibraryFile.entity_type == "collection")
                                                & (LibraryFile.entity_id == collection_id)).order_by(LibraryFile.path)]


def detail(collection_id: int) -> dict | None:
    c = Collection.get_or_none(Collection.id == collection_id)
    if c is None:
        return None
    movies = movies_of(collection_id)
    d = summary(c, _posters([c.id]).get(c.id), len(movies))
    d.update(overview=c.overview, locks=md.locks_json("collection", c.id), assets=browse.assets_of("collection", c.id),
             candidates=browse.artwork_candidates("collection", c.id), movies=movies, set_files=set_files(c.id),
             created_at=iso(c.created_at), updated_at=iso(c.updated_at), enriched_at=iso(c.enriched_at),
             published_at=iso(c.published_at))
    return d

