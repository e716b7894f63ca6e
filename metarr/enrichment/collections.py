"""A collection's own enrichment: its name and overview from TMDB in its movies' library language,
its artwork from TMDB and Fanart.tv (by the TMDB collection id) stored as scored candidates and the
best chosen per slot, like any item's. Locks and the user's choices hold as everywhere."""
from __future__ import annotations

import time

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import Collection, Movie
from metarr.db.models import Library
from metarr.enrichment import languages
from metarr.enrichment.artwork_selection import auto_select, store_candidates
from metarr.enrichment.context import Ctx, EnrichResult, more_art, safe
from metarr.jobs import chain
from metarr.jobs.model import JobSpec
from metarr.library.naming import COLLECTION_ART
from metarr.sources import tmdb_collections

LIMITS = {slot: 1 for slot in COLLECTION_ART}   # one image per slot: a set has no extra backdrops


def members(collection_id: int) -> list[Movie]:
    """The collection's movies in the libraries (not deleted), oldest first."""
    return list(Movie.select().where((Movie.collection_id == collection_id) & Movie.deleted_at.is_null(True))
                .order_by(Movie.year, Movie.title, Movie.id))


def texts_library(collection_id: int) -> Library | None:
    """The library whose language the collection's texts follow: the one holding most of its movies
    (the first made, on a tie). The languages' fallback takes its order from this library too."""
    counts: dict[int, int] = {}
    for m in members(collection_id):
        counts[m.library_id] = counts.get(m.library_id, 0) + 1
    if not counts:
        return None
    best = min(counts, key=lambda lid: (-counts[lid], lid))
    return Library.get_or_none(Library.id == best)


def member_libraries(collection_id: int) -> list[Library]:
    ids = sorted({m.library_id for m in members(collection_id)})
    return list(Library.select().where(Library.id.in_(ids))) if ids else []


def enrich_collection(db, ctx: Ctx, collection_id: int) -> EnrichResult:
    c = Collection.get_by_id(collection_id)
    res = EnrichResult("collection", collection_id, c.state)
    if "tmdb" not in ctx.configured:
        res.degraded.append("tmdb: not configured")
        return res
    meta = safe(res, "tmdb", tmdb_collections.collection, ctx.call, c.tmdb_id, ctx.image_base, ctx.language,
                 ctx.wish.languages.image_request())
    arts = list(meta.art) if meta is not None else []
    if meta is not None:   # each text along the library's languages, with the language it came from
        chain = ctx.wish.languages.chain()
        values, origins = languages.choose(meta.texts, ("name", "overview"), chain)
        res.changed += md.apply(db, "collection", collection_id, md.Update(
            "provider:tmdb", {**dict(meta.scalars), **values}, origins=origins, preference=chain))
    arts += more_art(res, ctx, "collection", {"tmdb": str(c.tmdb_id)})
    arts = [a for a in arts if a.slot in COLLECTION_ART]
    res.candidates = store_candidates(db, "collection", collection_id, arts, ctx.language, res,
                                      ctx.wish.languages.images())
    res.selected = auto_select(db, "collection", collection_id, LIMITS, res=res)
    if meta is None and not arts:
        return res   # TMDB did not answer (or does not know it): nothing learnt, the state stays
    now = time.time()
    with write_tx(db):
        values = {"enriched_at": now, "updated_at": now}
        if c.state == "discovered" or res.modified:
            values["state"] = "enriched"
        Collection.update(**values).where(Collection.id == collection_id).execute()
    res.state = values.get("state", c.state)
    return res


# ------------------------------------------------------------------ what follows (job specs)

def republish_members(collection_id: int, priority: int) -> tuple[JobSpec, ...]:
    """Its movies' publish jobs (their NFOs' <set>), in the libraries that publish by themselves."""
    libs = {lib.id for lib in member_libraries(collection_id) if lib.auto_publish}
    return tuple(chain.entity_job("publish", "movie", m.id, m.library_id, priority)
                 for m in members(collection_id) if m.library_id in libs)


def publish_spec(collection_id: int, priority: int) -> JobSpec | None:
    """publish.collection, when one of its movies' libraries publishes by itself (or it has files
    to clear: no movies left)."""
    libs = member_libraries(collection_id)
    if libs and not any(lib.auto_publish for lib in libs):
        return None
    return chain.entity_job("publish", "collection", collection_id, None, priority)


def after_member_enrich(link: dict | None, library_id: int, priority: int) -> tuple[JobSpec, ...]:
    """What a movie's enrichment chains for its collection: the collection's own enrichment when it
    is new, stale or has a new member; the publish of a collection it left (perhaps its last movie)."""
    if not link:
        return ()
    out = []
    if link.get("collection_id") and link.get("enrich"):
        out.append(chain.entity_job("enrich", "collection", int(link["collection_id"]), None, priority))
    if link.get("left"):
        spec = publish_spec(int(link["left"]), priority)
        out += [spec] if spec else []
    return tuple(out)


def republish_all(priority: int) -> list[JobSpec]:
    """Every collection's publish (the movie set folder moved, or was turned on or off): those with
    movies, and those with set folder files to clear."""
    from metarr.db.media import LibraryFile
    from metarr.library.movie_sets import SET_LIBRARY
    ids = {cid for (cid,) in Movie.select(Movie.collection_id).where(
        Movie.collection_id.is_null(False) & Movie.deleted_at.is_null(True)).distinct().tuples()}
    ids |= {eid for (eid,) in LibraryFile.select(LibraryFile.entity_id).where(
        (LibraryFile.library_id == SET_LIBRARY) & (LibraryFile.entity_type == "collection")).distinct().tuples()}
    return [spec for spec in (publish_spec(cid, priority) for cid in sorted(ids)) if spec is not None]
