"""Publishing: the library files an entity should have (Kodi-named artwork and NFO), the plan that
turns disk into that, and applying the plan with atomic writes.

Rules (SPEC §5.4): only the difference is written; a file Metarr did not write, or that changed
since it wrote it, goes to the recycle bin before it is replaced; every path is confined to the
library root; what was written is recorded with its hash, size and mtime so that publishing again
with the same inputs touches nothing.
"""
from __future__ import annotations

import difflib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from metarr.db.database import write_tx
from metarr.db.media import LibraryFile, RecycleEntry
from metarr.db.models import Library
from metarr.library import naming
from metarr.library.fsutil import (
    atomic_copy,
    atomic_link,
    atomic_write,
    confine,
    sha256_file,
    sweep_own_temp_files,
)
from metarr.library.recyclebin import recycle_path
from metarr.publishing import desired as want
from metarr.publishing import plan_inputs
from metarr.publishing.desired import ROOT_ENTITIES, Desired, Gone, PublishError


@dataclass(frozen=True)
class Action:
    op: str                        # write | replace | recycle_replace | remove | keep
    rel: str
    reason: str
    desired: Desired | None = None


@dataclass
class Plan:
    entity_type: str
    entity_id: int
    library_id: int
    root: str
    actions: list[Action] = field(default_factory=list)
    nfo_diffs: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha, mtime) as published

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.op != "keep"]

    def to_json(self) -> dict:
        return {"entity_type": self.entity_type, "entity_id": self.entity_id, "library_id": self.library_id,
                "changes": len(self.changes),
                "actions": [{"op": a.op, "path": a.rel, "reason": a.reason, "kind": a.desired.kind if a.desired else None,
                             "slot": a.desired.slot if a.desired else None,
                             "linked_to": a.desired.link_to if a.desired else None} for a in self.actions],
                "nfo_diff": self.nfo_diffs}


# ------------------------------------------------------------------ decisions (pure)

def decide(desired_sha: str, disk_sha: str | None, ours: LibraryFile | None) -> tuple[str, str]:
    """What to do with one target path. `disk_sha` None = nothing on disk."""
    if disk_sha is None:
        return "write", "missing on disk"
    if disk_sha == desired_sha:
        return "keep", "up to date"
    if ours is not None and ours.sha256 == disk_sha:
        return "replace", "new content for a file Metarr wrote"
    return "recycle_replace", ("changed since Metarr wrote it" if ours is not None else "not written by Metarr")


# ------------------------------------------------------------------ planning against disk

def _disk_sha(path: Path, ours: LibraryFile | None) -> str | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if ours is not None and st.st_size == ours.size and st.st_mtime_ns == ours.mtime_ns:
        return ours.sha256  # unchanged since we wrote it: no need to read it
    return sha256_file(path)


def make_plans(data_dir: Path, entity_type: str, ids: list[int], with_actors: bool = True,
               allow_unidentified: bool = False, fanart_count: int = 1,
               nfo_diffs: Callable[[], bool] = lambda: True) -> Iterator[tuple[int, Plan | PublishError]]:
    """Each item's plan, or what keeps it from being published, in the order of `ids`. The database
    is read a page of items at a time (plan_inputs.py), the disk item by item as each plan is made;
    `nfo_diffs()` is asked before each plan (a library dry run shows the first few items' only)."""
    for eid, got in plan_inputs.load(entity_type, ids, allow_unidentified, fanart_count):
        if isinstance(got, PublishError):
            yield eid, got
            continue
        try:
            yield eid, plan_of(data_dir, got, with_actors, nfo_diffs())
        except PublishError as e:
            yield eid, e


def make_plan(data_dir: Path, entity_type: str, entity_id: int, with_actors: bool = True,
              allow_unidentified: bool = False, fanart_count: int = 1, nfo_diffs: bool = True) -> Plan:
    """One item's plan (make_plans with a page of one); raises what keeps it from being published.
    `nfo_diffs` False: the NFO differences are not computed."""
    ((_, got),) = make_plans(data_dir, entity_type, [entity_id], with_actors, allow_unidentified, fanart_count,
                             lambda: nfo_diffs)
    if isinstance(got, PublishError):
        raise got
    return got


def plan_of(data_dir: Path, inputs: plan_inputs.Inputs, with_actors: bool, nfo_diffs: bool) -> Plan:
    """The plan of one item from what was read for it, against the disk."""
    entity_type, entity_id = inputs.entity_type, inputs.entity.id
    try:
        desired = desired_of(data_dir, inputs, with_actors)
    except ValueError as e:  # a name the naming rules refuse (separators, '..')
        raise PublishError(f"cannot name the files of {entity_type} {entity_id}: {e}") from e
    lib = inputs.library
    root = Path(lib.path)
    plan = Plan(entity_type, entity_id, lib.id, str(root))
    rows = inputs.published
    ours = {r.path: r for r in rows}
    plan.recorded = {r.path: (r.sha256, r.mtime_ns) for r in rows}
    wanted = set()
    for d in desired:
        try:
            target = confine(root, d.rel)
        except ValueError as e:  # PathEscape: a name that would leave the library
            raise PublishError(f"refusing to write outside the library: {d.rel} ({e})") from e
        wanted.add(d.rel)
        row = ours.get(d.rel)
        disk = _disk_sha(target, row)
        op, reason = decide(d.sha256, disk, row)
        plan.actions.append(Action(op, d.rel, reason, d))
        if nfo_diffs and d.kind == "nfo" and op != "keep":
            old = target.read_text("utf-8", "replace") if disk is not None else ""
            plan.nfo_diffs[d.rel] = "".join(difflib.unified_diff(
                old.splitlines(True), d.data.decode("utf-8").splitlines(True), f"a/{d.rel}", f"b/{d.rel}"))
    plan.actions = relink(plan.actions)
    for r in rows:
        if r.path not in wanted:
            plan.actions.append(Action("remove", r.path, "no longer wanted (slot cleared, renamed, or no listed "
                                                         "player reads this name)"))
    for rel in other_nfos(inputs.nfo_files, desired, set(ours)):
        if confine(root, rel).is_file():
            # Kodi reads movie.nfo before <video>.nfo: a second NFO beside ours would hide it
            plan.actions.append(Action("remove", rel, "another NFO of this item (players would read it instead)"))
    return plan


def desired_of(data_dir: Path, inputs: plan_inputs.Inputs, with_actors: bool = True) -> list[Desired]:
    """The files of a root item (or an album on its own) from what plan_inputs.load read for it."""
    e, readers = inputs.entity, inputs.readers
    if inputs.entity_type == "movie":
        return want.desired_movie(data_dir, e, inputs.parts, with_actors, readers)
    if inputs.entity_type == "series":
        return want.desired_series(data_dir, e, inputs.parts, with_actors, readers)
    if inputs.entity_type == "album":   # one album on its own: its folder only, never the artist's files
        artist = inputs.parts.artist
        if artist is None or artist.deleted_at is not None:
            raise Gone(f"the artist of album {e.id} no longer exists")
        return want.desired_album(data_dir, e, artist, inputs.parts)
    return want.desired_artist(data_dir, e, inputs.parts)


def relink(actions: list[Action]) -> list[Action]:
    """A second name of an image whose first name is written again is linked again, although its
    bytes are right: otherwise the two names would hold two copies (after a verify put back a deleted
    first name, say). Pure."""
    rewritten = {a.rel for a in actions if a.op != "keep"}
    return [Action("replace", a.rel, f"linked again to {a.desired.link_to}", a.desired)
            if a.op == "keep" and a.desired is not None and a.desired.link_to in rewritten else a for a in actions]


def republish_after_edit(kind: str, eid: int) -> tuple[str, int, int] | None:
    """(root type, root id, library id) to publish after a user's edit of this entity, when its
    library publishes by itself; None otherwise."""
    from metarr.publishing.verify import root_of
    root = root_of(kind, eid)
    if root is None:
        return None
    model = ROOT_ENTITIES[root[0]]
    row = model.get_or_none(model.id == root[1])
    lib = Library.get_or_none(Library.id == row.library_id) if row else None
    return (root[0], root[1], lib.id) if lib is not None and lib.auto_publish else None


def published_entities(entity_type: str, entity_id: int, plan: Plan) -> dict[str, list[int]]:
    """The root item and every child whose NFO or artwork the plan holds (an album whose album.nfo
    was written is published too, not left `enriched` with no date)."""
    out: dict[str, set[int]] = {entity_type: {entity_id}}
    for a in plan.actions:
        if a.desired is not None:
            out.setdefault(a.desired.entity_type, set()).add(a.desired.entity_id)
    return {et: sorted(ids) for et, ids in out.items()}


def other_nfos(found: list[tuple[str, str, int]], desired: list[Desired], ours: set[str]) -> list[str]:
    """The one-NFO rule: an NFO of an entity lying in the folder where this publish writes that
    entity's NFO under another name (movie.nfo, a stacked part's own NFO) is one too many. NFOs in
    other folders (a season folder's season.nfo for Jellyfin) are left alone; so are files Metarr
    wrote itself (those are planned from its own records)."""
    written = {(d.entity_type, d.entity_id): d.rel for d in desired if d.kind == "nfo"}
    out = []
    for path, et, eid in found:
        mine = written.get((et, eid))
        if mine and path != mine and path not in ours and PurePosixPath(path).parent == PurePosixPath(mine).parent:
            out.append(path)
    return sorted(set(out))


def apply_plan(db, plan: Plan, recycle_root: Path, now: float | None = None) -> dict:
    """Write the plan's changes. Each file is independent: a failure leaves earlier writes done and
    recorded, later ones for the next run (the job retries)."""
    now = now or time.time()
    root = Path(plan.root)
    counts = {"written": 0, "replaced": 0, "recycled": 0, "removed": 0, "kept": 0, "swept": 0, "linked": 0}
    # temp files carry the entity: a run killed mid-write left its own, which this run may remove
    # although other entities' publishes may be writing in the same folder
    tag = temp_tag(plan.entity_type, plan.entity_id)
    folders = sorted({confine(root, a.rel).parent for a in plan.actions})
    for folder in folders:
        if not folder.is_dir() and not (folder.name in naming.OWN_FOLDERS and folder.parent.is_dir()):
            # a movie folder renamed or deleted since the plan's scan, or a share that is not mounted:
            # writing would bring back a folder of NFOs and artwork without its video
            raise Gone(f"{folder} is not there any more; publish waits for the next scan")
    for folder in folders:
        counts["swept"] += len(sweep_own_temp_files(folder, tag))
    for a in plan.actions:
        target = confine(root, a.rel)
        if a.op == "keep":
            counts["kept"] += 1
            _record(db, plan, a.desired, target, now, only_if_missing=True)
            continue
        if a.op == "remove":
            row = LibraryFile.get_or_none((LibraryFile.library_id == plan.library_id) & (LibraryFile.path == a.rel))
            if target.exists():
                recycle_path(db, recycle_root, target, a.reason, plan.library_id, now)
                counts["recycled"] += 1
            if row is not None:
                with write_tx(db):
                    LibraryFile.delete().where(LibraryFile.id == row.id).execute()
            counts["removed"] += 1
            continue
        if a.op == "recycle_replace" and target.exists():
            # a copy goes to the bin and the file stays until the new one takes its place in one rename:
            # a write that fails (disk full, read-only share) leaves the user's file where it was
            if _keep_in_bin(db, recycle_root, target, f"replaced by publish ({a.reason})", plan.library_id, now):
                counts["recycled"] += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        d = a.desired
        if d.kind == "nfo":
            atomic_write(target, d.data, tag=tag)
        elif d.link_to is not None:
            # another name of the image just put in place under its first name (an earlier action)
            counts["linked"] += atomic_link(confine(root, d.link_to), target, fallback=d.source, tag=tag)
        else:
            atomic_copy(d.source, target, tag=tag)
        counts["replaced" if a.op != "write" else "written"] += 1
        _record(db, plan, d, target, now)
    for folder in folders:
        if folder.name in naming.OWN_FOLDERS and folder.parent.is_dir():
            _drop_if_empty(folder)
    return counts


def _drop_if_empty(folder: Path) -> None:
    """A folder Metarr made (`extrafanart/`) goes when its last file went to the recycle bin."""
    try:
        folder.rmdir()
    except OSError:
        pass   # not empty (or gone): left as it is


def paths_to_notify(changed: list[str], published: list[str], attempt: int) -> list[str]:
    """The files the players are told about after a publish. A retry that finds nothing to change
    may follow a try that wrote the files and died before its sync link was recorded, so it tells
    them about all of them (a refresh too many is cheap; one too few leaves a player stale)."""
    return published if not changed and attempt > 1 else changed


def temp_tag(entity_type: str, entity_id: int) -> str:
    """`m12-`: the trailing dash keeps m1's tag from being a prefix of m12's."""
    return f"{entity_type[:2]}{entity_id}-"


def _keep_in_bin(db, recycle_root: Path, target: Path, reason: str, library_id: int, now: float) -> bool:
    """Copy `target` into the recycle bin, leaving it in place, unless an earlier try of this publish
    (one that failed to write the replacement) already put these very bytes there."""
    digest = sha256_file(target)
    if RecycleEntry.select().where((RecycleEntry.original_path == str(target)) & (RecycleEntry.sha256 == digest)
                                   & RecycleEntry.restored_at.is_null(True)
                                   & RecycleEntry.purged_at.is_null(True)).exists():
        return False
    recycle_path(db, recycle_root, target, reason, library_id, now, keep=True)
    return True


def _record(db, plan: Plan, d: Desired, target: Path, now: float, only_if_missing: bool = False) -> None:
    st = os.stat(target)
    if only_if_missing and plan.recorded.get(d.rel) == (d.sha256, st.st_mtime_ns):
        return   # already recorded exactly so (known from planning: no query, no write)
    with write_tx(db):
        row = LibraryFile.get_or_none((LibraryFile.library_id == plan.library_id) & (LibraryFile.path == d.rel))
        if row is not None and only_if_missing and row.sha256 == d.sha256 and row.mtime_ns == st.st_mtime_ns:
            return
        values = dict(kind=d.kind, entity_type=d.entity_type, entity_id=d.entity_id, slot=d.slot,
                      cache_file_id=d.cache_file_id, sha256=d.sha256, size=st.st_size, mtime_ns=st.st_mtime_ns,
                      published_at=now)
        if row is None:
            LibraryFile.create(library_id=plan.library_id, path=d.rel, **values)
        else:
            LibraryFile.update(**values).where(LibraryFile.id == row.id).execute()
