"""A movie's place in a collection: its enrichment names the TMDB collection it belongs to; the
collection item is made on first sight (with the name and overview the movie's answer carried,
so its members' NFOs have a `<set>` at once) and the movie points at it."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from metarr import metadata as md
from metarr.db.database import write_tx
from metarr.db.media import Collection, Movie

# a collection's texts and artwork are fetched again when a member is enriched this long after
REFRESH_AFTER = 30 * 86400


@dataclass(frozen=True)
class Link:
    collection_id: int | None       # the movie's collection now (None: none)
    left: int | None = None         # the collection it no longer belongs to
    enrich: bool = False            # the collection wants its own enrichment (new, stale or a new member)
    moved: bool = False             # the movie joined, left or changed collection now (its NFO's <set> changes)

    def to_json(self) -> dict:
        return asdict(self)


def link_movie(db, movie_id: int, tmdb_collection_id, name: str | None, now: float | None = None) -> Link:
    """Point the movie at the collection TMDB says it belongs to (None: it belongs to none)."""
    now = now or time.time()
    with write_tx(db):
        m = Movie.get_by_id(movie_id)
        row = None
        if tmdb_collection_id:
            tid = int(tmdb_collection_id)
            row = Collection.get_or_none(Collection.tmdb_id == tid)
            if row is None:
                # two members enriched at once: one insert wins, the other finds its row
                Collection.insert(tmdb_id=tid, name=(name or "").strip(), overview=m.set_overview or None,
                                  state="discovered", created_at=now, updated_at=now).on_conflict_ignore().execute()
                row = Collection.get(Collection.tmdb_id == tid)
                if row.created_at == now:
                    md.set_states("collection", row.id, [k for k in ("name", "overview") if getattr(row, k)],
                                  "provider:tmdb", now=now)
        cid = row.id if row is not None else None
        if m.collection_id != cid:
            Movie.update(collection_id=cid).where(Movie.id == movie_id).execute()
    moved = m.collection_id != cid
    if row is None:
        return Link(None, left=m.collection_id, moved=moved)
    stale = row.state == "discovered" or (row.enriched_at or 0) < now - REFRESH_AFTER
    return Link(cid, left=m.collection_id if m.collection_id not in (None, cid) else None,
                enrich=stale or moved, moved=moved)
