"""Files and folders that moved are the same item (#28): a movie folder renamed, a show moved, a
video renamed by Radarr. A moved file keeps its row (id, links, stream details, by inode and size
or an *arr Rename's own word); this makes its item follow: the item's key (and a movie's folder)
take the new path, a soft-deleted one comes back, the files Metarr published there stay known as
its own under their new paths, and the activity log says "moved". So the item's edits, locks,
artwork choices and published state, all tied to its row, stay with it.

`follow_keys` is the decision (pure); `pair_elsewhere` finds, for a scan of one folder, files that
left another folder of the library (a rename under the watcher is two folder scans, in either
order); `follow` is the hook a scan calls in the transaction that gives the file rows their new paths.
"""
from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from metarr.db import statements
from metarr.db.media import Album, Artist, LibraryFile, Movie, Series
from metarr.db.models import Library
from metarr.scanning.folder_sql import under
from metarr.service import activity

log = logging.getLogger(__name__)

FOLDER_KEYED = (("series", Series), ("artist", Artist), ("album", Album))   # key = the item's folder


# ---------------------------------------------------------------- the decision (pure)

def prefix_map(old: str, new: str) -> tuple[str, str]:
    """The rename behind one move, its common trailing path parts taken off: 'A/x.mkv' → 'B/x.mkv'
    is the folder 'A' renamed to 'B'; 'A/x.mkv' → 'A/y.mkv' is the file renamed."""
    o, n = old.split("/"), new.split("/")
    while len(o) > 1 and len(n) > 1 and o[-1] == n[-1]:
        o.pop()
        n.pop()
    return "/".join(o), "/".join(n)


def _covered(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def map_path(path: str, maps: Iterable[tuple[str, str]]) -> str | None:
    """`path` under the renames `maps`, or None when no rename covers it or two disagree."""
    got = {new + path[len(old):] for old, new in maps if _covered(path, old)}
    return got.pop() if len(got) == 1 else None


@dataclass(frozen=True)
class Rekey:
    entity_type: str
    id: int
    old_key: str
    new_key: str
    folder: str | None = None        # a movie's new folder


def follow_keys(moves: list[tuple[str, str]], movies: list[tuple[int, str, str]],
                folders: dict[str, list[tuple[int, str]]], left_behind: set[str]) -> list[Rekey]:
    """The items that move with `moves` (old path → new path of each moved file). `movies`: (id, key,
    folder) of movies whose key (their video) may have moved; `folders`: per entity type, (id, key)
    of items keyed by their folder (shows, artists, albums); `left_behind`: folder keys under which
    live files are still found at the old place: those items stay (a single episode moved into
    another show does not move the show)."""
    by_old = dict(moves)
    maps = {prefix_map(o, n) for o, n in moves}
    out: list[Rekey] = []
    for mid, key, folder in movies:
        new = by_old.get(key)
        if new is None:
            continue
        nf = map_path(folder, maps) if folder else None
        if nf is None:   # no folder rename: the folder stays, unless the video left it
            nf = folder if folder and _covered(new, folder) else posixpath.dirname(new)
        out.append(Rekey("movie", mid, key, new, nf))
    for et, rows in folders.items():
        for eid, key in rows:
            if key in left_behind:
                continue
            new = map_path(key, maps)
            if new is not None and new != key:
                out.append(Rekey(et, eid, key, new))
    return out


# ---------------------------------------------------------------- finding moves a folder scan cannot see

def pair_elsewhere(db, lib: Library, sub: str, new: list, renames: dict[str, str] | None = None) -> list:
    """For a scan of the folder `sub`: its new files that left another folder of the library (a
    rename seen by the watcher as two folder scans, in either order). A row outside `sub` with the
    file's inode, size and mtime (both sides unique), soft-deleted or whose file is gone from disk,
    is the same file. `renames` (new path → old path, an *arr Rename's word) pairs by path and size where
    the file system has no stable inodes (the old row may lie inside `sub` too: the caller takes it
    off its missing rows). Returns (row, entry) pairs as `file_rows.match_moves` does."""
    m = statements.mark(db)
    if not new or (not sub and not renames and db.execute_sql(
            f"SELECT 1 FROM media_files WHERE library_id = {m} AND deleted_at IS NOT NULL LIMIT 1",
            (lib.id,)).fetchone() is None):
        return []   # a whole-library walk pairs its own moves; only a file an earlier scan saw go is left
    cond, args = under(db, "path", sub)
    inside = f" AND NOT (1=1{cond})" if cond else ""
    out, taken = [], set()
    keyed: dict[tuple[int, int, int], list] = {}
    for f in new:
        if f.inode:
            keyed.setdefault((f.inode, f.size, f.mtime_ns), []).append(f)
    inodes = sorted({k[0] for k, fs in keyed.items() if len(fs) == 1})
    for i in range(0, len(inodes), 500):
        chunk = inodes[i:i + 500]
        rows = db.execute_sql(
            f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files WHERE library_id = {m} "
            f"AND inode IN ({statements.marks(db, len(chunk))}){inside}", [lib.id, *chunk, *args]).fetchall()
        found: dict[tuple[int, int, int], list] = {}
        for r in rows:
            found.setdefault((r[4], r[2], r[3]), []).append(r)
        for k, rs in found.items():
            fs = keyed.get(k)
            if fs and len(rs) == 1 and _gone(lib, rs[0]):
                out.append((rs[0], fs[0]))
                taken.add(fs[0].path)
    for f in new:
        old = (renames or {}).get(f.path)
        if old is None or f.path in taken:
            continue
        r = db.execute_sql(f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files WHERE library_id = {m} "
                           f"AND path = {m}", (lib.id, old)).fetchone()
        if r is not None and r[2] == f.size and _gone(lib, r) and r[0] not in {p[0][0] for p in out}:
            out.append((r, f))
    return out


def _gone(lib: Library, row) -> bool:
    """A row's file is not where the row says (soft-deleted, or missing on disk)."""
    return row[5] is not None or not os.path.lexists(Path(lib.path) / row[1])


def renames_in(lib: Library, renames: Iterable) -> dict[str, str]:
    """An *arr Rename's (previous, new) absolute paths inside this library, as new → old relative paths."""
    root = os.path.abspath(lib.path)
    out = {}
    for pair in renames or ():
        try:
            old, new = (os.path.abspath(p) for p in pair)
        except (TypeError, ValueError):
            continue
        if old.startswith(root + os.sep) and new.startswith(root + os.sep):
            out[os.path.relpath(new, root).replace(os.sep, "/")] = os.path.relpath(old, root).replace(os.sep, "/")
    return out


# ---------------------------------------------------------------- the hook

def follow(db, lib: Library, moves: list[tuple[str, str]], now: float) -> list[Rekey]:
    """Called inside the transaction that gave moved file rows their new paths: the items move
    with them, soft-deleted ones come back, Metarr's own published files keep being its own, and
    each item's move is in the activity log."""
    if not moves:
        return []
    m = statements.mark(db)
    olds = [o for o, _ in moves]
    movies: list[tuple[int, str, str]] = []
    for i in range(0, len(olds), 500):
        chunk = olds[i:i + 500]
        movies += db.execute_sql(f"SELECT id, key, folder FROM movies WHERE library_id = {m} AND key IN "
                                 f"({statements.marks(db, len(chunk))})", [lib.id, *chunk]).fetchall()
    dirs = sorted({d for o in olds for d in _ancestors(o)})
    folders: dict[str, list[tuple[int, str]]] = {}
    left: set[str] = set()
    for et, model in FOLDER_KEYED:
        for i in range(0, len(dirs), 500):
            chunk = dirs[i:i + 500]
            folders.setdefault(et, []).extend(db.execute_sql(
                f"SELECT id, key FROM {model._meta.table_name} WHERE library_id = {m} AND key IN "
                f"({statements.marks(db, len(chunk))})", [lib.id, *chunk]).fetchall())
    for key in {k for rows in folders.values() for _, k in rows}:
        cond, args = under(db, "path", key)
        if db.execute_sql(f"SELECT 1 FROM media_files WHERE library_id = {m} AND deleted_at IS NULL{cond} LIMIT 1",
                          [lib.id, *args]).fetchone():
            left.add(key)
    rekeys = follow_keys(moves, movies, folders, left)
    models = {"movie": Movie, **dict(FOLDER_KEYED)}
    done = []
    for rk in rekeys:
        model = models[rk.entity_type]
        taken = model.select(model.id).where((model.library_id == lib.id) & (model.key == rk.new_key)
                                             & (model.id != rk.id)).first()
        if taken is not None:   # the new place already holds an item of its own: both stay as they are
            log.warning("%s %s moved to %s, where %s %s already is; not merged", rk.entity_type, rk.id, rk.new_key,
                        rk.entity_type, taken.id)
            continue
        values = {"key": rk.new_key, "deleted_at": None, "updated_at": now}
        if rk.folder is not None:
            values["folder"] = rk.folder
        model.update(**values).where(model.id == rk.id).execute()
        done.append(rk)
    for old, new in moves:   # the files Metarr wrote there, known as its own under the new path
        LibraryFile.delete().where((LibraryFile.library_id == lib.id) & (LibraryFile.path == new)).execute()
        LibraryFile.update(path=new).where((LibraryFile.library_id == lib.id) & (LibraryFile.path == old)).execute()
    for rk in done:
        if rk.entity_type == "album":
            continue   # its artist's line says it
        activity.record(db, "scan", f"{activity.entity_label(rk.entity_type, rk.id)}: moved from {rk.old_key} to "
                        f"{rk.new_key}", "info", rk.entity_type, rk.id, {"library_id": lib.id, "moved_from": rk.old_key,
                                                                         "moved_to": rk.new_key})
    return done


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
