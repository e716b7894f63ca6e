"""Verification (SPEC §5.6): do the published files, the disk and the cache agree?

Findings per published file: `missing` (deleted from the library), `modified` (hash differs: a hand
edit or another tool), `cache_missing` / `cache_corrupt` (the protected copy is gone or damaged),
`orphan` (a published file whose entity is gone). A movie library's verification covers the movie
set folder files (`publish.movieset_folder`) of the collections its movies are in. The policy
decides what happens: `republish` (put our version back from the cache; a modified file is recycled
first), `adopt` (take the edit in: an NFO is imported as user-locked values, an image becomes the
slot's user-locked artwork), or `report` only.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metarr import metadata as md
from metarr.assets import cache
from metarr.assets.store import StoredState, verify_stored
from metarr.db.database import write_tx
from metarr.db.media import ENTITY_MODELS, ArtworkSlot, CacheFile, LibraryFile, Movie
from metarr.db.models import Library
from metarr.library.fsutil import sha256_file
from metarr.library.movie_sets import SET_LIBRARY

POLICIES = ("republish", "adopt", "report")


@dataclass(frozen=True)
class Finding:
    library_id: int
    path: str
    problem: str
    entity_type: str | None = None
    entity_id: int | None = None
    slot: str | None = None
    detail: str = ""

    def to_json(self) -> dict:
        return {"library_id": self.library_id, "path": self.path, "problem": self.problem,
                "entity_type": self.entity_type, "entity_id": self.entity_id, "slot": self.slot,
                "detail": self.detail}


PAGE = 1000          # published files read (and their items and cache rows looked up) at a time
CACHE_MEMO = 10_000  # cache files whose verdict is remembered (shared artwork is hashed once, mostly)


KEPT_FINDINGS = 1000   # findings listed in a verification's result; all are repaired and counted


@dataclass
class Tally:
    """A verification's findings as its result holds them: every one counted by problem, the first
    `kept` listed with what was done (a library changed wholesale by another tool is not one huge row)."""
    kept: int = KEPT_FINDINGS
    problems: int = 0
    by_problem: dict[str, int] = field(default_factory=dict)
    listed: list[dict] = field(default_factory=list)

    def add(self, f: Finding, action: str) -> None:
        self.problems += 1
        self.by_problem[f.problem] = self.by_problem.get(f.problem, 0) + 1
        if len(self.listed) < self.kept:
            self.listed.append({**f.to_json(), "action": action})

    def to_json(self, policy: str) -> dict:
        return {"problems": self.problems, "by_problem": dict(self.by_problem), "findings": self.listed,
                "findings_listed": len(self.listed), "policy": policy}


def check_library(data_dir: Path, library_id: int) -> list[Finding]:
    """Every finding of `iter_findings`, as a list."""
    return list(iter_findings(data_dir, library_id))


def iter_findings(data_dir: Path, library_id: int) -> Iterator[Finding]:
    """Findings for every file published into the library and (a movie library) for the movie set
    folder files of the collections its movies are in (recorded with SET_LIBRARY, absolute paths).
    Read a page at a time in path order: the rows of a library with 500,000 published files never
    sit in memory together, and each page's items and cache rows are one query per kind."""
    lib = Library.get_by_id(library_id)
    verdicts: OrderedDict[int, tuple[StoredState, str]] = OrderedDict()
    yield from _check_pages(data_dir, Path(lib.path), library_id, LibraryFile.library_id == library_id, verdicts)
    if lib.kind == "movie":
        sets = Movie.select(Movie.collection_id).where((Movie.library_id == library_id) & Movie.deleted_at.is_null(True)
                                                      & Movie.collection_id.is_null(False)).distinct()
        yield from _check_pages(data_dir, Path("/"), SET_LIBRARY,
                     (LibraryFile.library_id == SET_LIBRARY) & (LibraryFile.entity_type == "collection")
                     & LibraryFile.entity_id.in_(sets), verdicts)


def _check_pages(data_dir: Path, root: Path, library_id: int, where, verdicts: OrderedDict) -> Iterator[Finding]:
    """The published files matching `where` against the disk (`root / path`: an absolute path stays)
    and the cache, a page at a time."""
    after = None
    fields = (LibraryFile.path, LibraryFile.entity_type, LibraryFile.entity_id, LibraryFile.slot,
              LibraryFile.size, LibraryFile.mtime_ns, LibraryFile.sha256, LibraryFile.cache_file_id)
    while True:
        q = LibraryFile.select(*fields).where(where)
        if after is not None:
            q = q.where(LibraryFile.path > after)
        page = list(q.order_by(LibraryFile.path).limit(PAGE).tuples())
        if not page:
            return
        after = page[-1][0]
        live = _live_items(page)
        cache_ids = sorted({r[7] for r in page if r[7] and r[7] not in verdicts})
        cache_rows = {cf.id: cf for cf in CacheFile.select().where(CacheFile.id.in_(cache_ids))} if cache_ids else {}
        for path, et, eid, slot, size, mtime_ns, sha256, cache_file_id in page:
            f = dict(library_id=library_id, path=path, entity_type=et, entity_id=eid, slot=slot)
            if (et, eid) not in live:
                yield (Finding(problem="orphan", detail="its item is gone", **f))
                continue
            target = root / path
            try:
                st = target.stat()
            except FileNotFoundError:
                yield (Finding(problem="missing", **f))
            else:
                if not (st.st_size == size and st.st_mtime_ns == mtime_ns) and sha256_file(target) != sha256:
                    yield (Finding(problem="modified", detail="content differs from what Metarr wrote", **f))
            if cache_file_id:
                verdict = verdicts.get(cache_file_id)
                if verdict is None:
                    cf = cache_rows.get(cache_file_id)
                    verdict = ((verify_stored(cache.absolute(data_dir, cf), cf.sha256), cf.sha256) if cf
                               else (StoredState.MISSING, ""))
                    verdicts[cache_file_id] = verdict
                    if len(verdicts) > CACHE_MEMO:
                        verdicts.popitem(last=False)
                state, digest = verdict
                if state != StoredState.OK:
                    yield (Finding(problem=f"cache_{state.value}", detail=digest, **f))


def _live_items(page: list[tuple]) -> set[tuple[str, int]]:
    """(entity type, id) of the page's items that exist and are not deleted: one query per type."""
    by_type: dict[str, set[int]] = {}
    for r in page:
        by_type.setdefault(r[1], set()).add(r[2])
    live = set()
    for et, ids in by_type.items():
        model = ENTITY_MODELS.get(et)
        if model is None:
            continue
        deleted = getattr(model, "deleted_at", None)
        q = model.select(model.id).where(model.id.in_(sorted(ids)))
        if deleted is not None:
            q = q.where(deleted.is_null(True))
        live |= {(et, i) for (i,) in q.tuples()}
    return live


def adopt(db, data_dir: Path, root: Path, finding: Finding) -> str:
    """Take an external edit in as the user's own, locked value."""
    path = root / finding.path
    if finding.problem != "modified":
        return "nothing to adopt"
    if finding.path.endswith(".nfo"):
        from metarr.nfo import entity_map as nfo_map
        from metarr.nfo.read import parse_nfo
        res = parse_nfo(path.read_bytes())
        if not res.ok:
            return f"kept as is: the edited NFO does not parse ({res.error.reason})"
        doc = res.doc
        conv = {"movie": nfo_map.movie_update, "series": nfo_map.series_update, "artist": nfo_map.artist_update,
                "album": nfo_map.album_update}.get(finding.entity_type)
        if finding.entity_type == "episode":
            doc, conv = doc.episodes[0], nfo_map.episode_update
        if conv is None:
            return "not adoptable"
        u = conv(doc)
        md.apply(db, finding.entity_type, finding.entity_id,
                 md.Update("user", u.scalars, u.lists, u.cast, u.ratings, lock=True))
    else:
        store = cache.open_store(data_dir)
        cf = cache.ingest_local(db, store, data_dir, path)
        from metarr.publishing.desired import split_slot
        slot, rank = split_slot(finding.slot or "")   # `fanart2`: the fanart slot's third image
        with write_tx(db):
            ArtworkSlot.update(cache_file_id=cf.id, source="user", updated_at=time.time()).where(
                (ArtworkSlot.entity_type == finding.entity_type) & (ArtworkSlot.entity_id == finding.entity_id)
                & (ArtworkSlot.slot == slot) & (ArtworkSlot.rank == rank)).execute()
            if rank == 0:
                md.set_state(finding.entity_type, finding.entity_id, f"art:{slot}", "user", locked=True)
    # the file on disk is now what we hold: record it as ours
    st = path.stat()
    with write_tx(db):
        LibraryFile.update(sha256=sha256_file(path), size=st.st_size, mtime_ns=st.st_mtime_ns).where(
            (LibraryFile.library_id == finding.library_id) & (LibraryFile.path == finding.path)).execute()
    return "adopted"


def root_entity(finding: Finding) -> tuple[str, int] | None:
    """The entity a republish runs on (episodes and seasons publish with their series; a movie set
    folder's file with its collection, `publish.collection`)."""
    if finding.entity_type == "collection" and finding.entity_id is not None:
        return "collection", finding.entity_id
    return root_of(finding.entity_type, finding.entity_id)


def root_of(et: str, eid: int) -> tuple[str, int] | None:
    from metarr.db.media import Album, Episode, Season
    if et in ("movie", "series", "artist"):
        return et, eid
    if et == "episode":
        e = Episode.get_or_none(Episode.id == eid)
        return ("series", e.series_id) if e else None
    if et == "season":
        s = Season.get_or_none(Season.id == eid)
        return ("series", s.series_id) if s else None
    if et == "album":
        a = Album.get_or_none(Album.id == eid)
        return ("artist", a.artist_id) if a else None
    return None


def remedy(problem: str, policy: str) -> str:
    """What the verification does about one finding under a policy (pure): "restore_cache" (the
    library copy may still hold the cache file's bytes), "adopt" (keep the user's change and import
    it), "republish" (write Metarr's version again) or "report"."""
    if problem.startswith("cache_"):
        return "restore_cache"
    if policy == "adopt" and problem == "modified":
        return "adopt"
    if policy != "report" and problem in ("missing", "modified"):
        return "republish"
    return "report"


def repair(db, data_dir: Path, root: Path, finding: Finding, policy: str) -> tuple[str, tuple[str, int] | None]:
    """Carry out the remedy of one finding: (what was done, in words; the item to republish)."""
    from metarr.assets import cache
    from metarr.db.media import CacheFile
    from metarr.library.fsutil import sha256_file
    what = remedy(finding.problem, policy)
    if what == "restore_cache":
        cf = CacheFile.get_or_none(CacheFile.sha256 == finding.detail) if finding.detail else None
        path = root / finding.path
        if cf and path.exists() and sha256_file(path) == cf.sha256:
            cache.ingest_local(db, cache.open_store(data_dir), data_dir, path)
            return "restored from the library copy", None
        return "reported", None
    if what == "adopt":
        return adopt(db, data_dir, root, finding), None
    if what == "republish":
        item = root_entity(finding)
        return ("republishing", item) if item else ("reported", None)
    return "reported", None

