"""A collection's files: Kodi's movie set information folder (reference players-and-orders §2.2).

With `publish.movieset_folder` set, each collection with movies in the libraries gets
`<folder>/<set title made legal as Kodi does>/poster.jpg`, `fanart.jpg`, … (bare art-type names),
planned and written like an item's files (only the difference; what Metarr did not write, or
changed since, goes to the recycle bin first). A collection with no movies left, a renamed one (its
old folder) and every set when the setting is emptied lose their files to the recycle bin.

The files lie outside every library: they are recorded with `library_id` SET_LIBRARY and their
absolute path, so a folder moved in the settings is still known and cleared.
"""
from __future__ import annotations

import os
from pathlib import Path

from metarr.db.database import write_tx
from metarr.db.media import ArtworkSlot, CacheFile, Collection, LibraryFile, Movie
from metarr.library import naming
from metarr.library.fsutil import PathEscape, confine
from metarr.library.movie_sets import SET_LIBRARY
from metarr.publishing.desired import Desired, Gone, PublishError
from metarr.publishing.publish import Action, Plan, _disk_sha, apply_plan, decide, relink


def live_members(collection_id: int) -> int:
    return Movie.select().where((Movie.collection_id == collection_id) & Movie.deleted_at.is_null(True)).count()


def set_folder(root: str, title: str) -> str:
    """`<root>/<legal title>`, refused when it would lead out of the root (a symlink)."""
    try:
        return str(confine(root, naming.movieset_folder(title)))
    except (ValueError, PathEscape) as e:
        raise PublishError(f"no movie set folder for {title!r}: {e}") from e


def _fmt(cf: CacheFile) -> str:
    return {"image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}.get(cf.mime, "JPEG")


def desired_files(data_dir: Path, c: Collection, root: str) -> list[Desired]:
    """What the collection's folder should hold: nothing when the setting is off or no movie of it
    is left; else its chosen image of every set art type."""
    if not root or not live_members(c.id):
        return []
    folder = set_folder(root, c.name)
    out = []
    q = (ArtworkSlot.select(ArtworkSlot, CacheFile).join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
         .where((ArtworkSlot.entity_type == "collection") & (ArtworkSlot.entity_id == c.id) & (ArtworkSlot.rank == 0))
         .order_by(ArtworkSlot.slot))
    for slot in q:
        cf = slot.cachefile
        if slot.slot not in naming.COLLECTION_ART:
            continue
        src = Path(cf.path) if Path(cf.path).is_absolute() else data_dir / cf.path
        out.append(Desired(os.path.join(folder, naming.movieset_art(slot.slot, _fmt(cf))), "artwork", "collection",
                           c.id, cf.sha256, slot=slot.slot, source=src, cache_file_id=cf.id))
    return out


def owned(collection_id: int) -> list[LibraryFile]:
    return list(LibraryFile.select().where((LibraryFile.library_id == SET_LIBRARY)
                                           & (LibraryFile.entity_type == "collection")
                                           & (LibraryFile.entity_id == collection_id)))


def make_plan(data_dir: Path, collection_id: int, root: str) -> Plan:
    """The plan of the collection's set folder. `root`: the movie set folder setting (may be '')."""
    c = Collection.get_or_none(Collection.id == collection_id)
    if c is None:
        raise Gone(f"collection {collection_id} no longer exists")
    if root and not os.path.isdir(root):
        raise PublishError(f"the movie set folder {root} is not there (not mounted?): nothing written")
    desired = desired_files(data_dir, c, root)
    rows = owned(collection_id)
    ours = {r.path: r for r in rows}
    plan = Plan("collection", collection_id, SET_LIBRARY, "/")
    plan.recorded = {r.path: (r.sha256, r.mtime_ns) for r in rows}
    for d in desired:
        row = ours.get(d.rel)
        op, reason = decide(d.sha256, _disk_sha(Path(d.rel), row), row)
        plan.actions.append(Action(op, d.rel, reason, d))
    plan.actions = relink(plan.actions)
    wanted = {d.rel for d in desired}
    why = ("the collection has no movies left" if root and not desired and not live_members(collection_id)
           else "no longer wanted (renamed set, slot cleared, or no movie set folder)")
    for r in rows:
        if r.path not in wanted:
            plan.actions.append(Action("remove", r.path, why))
    return plan


def apply(db, plan: Plan, recycle_root: Path) -> dict:
    """Write the plan: the set's folder is made (in the movie set folder, which must exist); a file to
    remove whose folder is gone is only forgotten; an emptied set folder is removed after its files
    went to the recycle bin."""
    gone = [a for a in plan.actions if a.op == "remove" and not os.path.isdir(os.path.dirname(a.rel))]
    if gone:
        with write_tx(db):
            LibraryFile.delete().where((LibraryFile.library_id == SET_LIBRARY)
                                       & LibraryFile.path.in_([a.rel for a in gone])).execute()
        plan.actions = [a for a in plan.actions if a not in gone]
    for folder in sorted({os.path.dirname(a.rel) for a in plan.actions if a.op != "remove"}):
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except OSError as e:
            raise PublishError(f"cannot make the movie set folder {folder}: {e}") from e
    counts = apply_plan(db, plan, recycle_root)
    for folder in sorted({os.path.dirname(a.rel) for a in plan.actions if a.op == "remove"}):
        try:
            os.rmdir(folder)   # only when empty: anything else in it stays
        except OSError:
            pass
    return {**counts, "forgotten": len(gone)}


def orphans() -> list[int]:
    """Collections whose set folder files are still recorded although none of their movies is left."""
    ids = {eid for (eid,) in LibraryFile.select(LibraryFile.entity_id).where(
        (LibraryFile.library_id == SET_LIBRARY) & (LibraryFile.entity_type == "collection")).distinct().tuples()}
    return sorted(i for i in ids if not live_members(i))
