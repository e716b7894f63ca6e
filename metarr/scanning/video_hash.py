"""A cheap fingerprint of a video's content, to know a moved file that got a new inode (copied to
another file system and the original deleted: a NAS move, Radarr's copy + delete) (#28 item 5).
Sampled as OpenSubtitles does: the size, the first and the last 64 KiB, here digested with BLAKE2b
(a sum of words, as OpenSubtitles keeps, equals for any reordering of them). Computed for every live
video without one after a scan's probing (new, changed, or recorded before the column existed),
kept on its file row (`media_files.video_hash`), cleared when the file's content changes.

`pair_by_hash` is the decision (pure): a vanished video row and a new file are the same file only
when they have the same size and hash and no other vanished row or new file shares that pair. Within
one walk (`content_moves`) and across folder scans (`content_elsewhere`: the watcher scans the folder
that appeared and the one that went separately, in either order)."""
from __future__ import annotations

import hashlib
import os
import posixpath
from pathlib import Path
from typing import Any

from metarr.db import statements
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import MediaFile
from metarr.scanning.classify import VIDEO_EXT
from metarr.scanning.folder_sql import under
from metarr.scanning.moves import map_path, prefix_map

CHUNK = 64 * 1024
PAGE = 500
UNREADABLE = ""   # kept so an unreadable file is not read again at every scan; never pairs


def video_hash(path: str | os.PathLike[str]) -> str:
    """The size and the first and last 64 KiB of the file, as 32 hex digits. Raises OSError."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        h = hashlib.blake2b(size.to_bytes(8, "little"), digest_size=16)
        h.update(f.read(CHUNK))
        if size > CHUNK:
            f.seek(max(size - CHUNK, CHUNK))
            h.update(f.read(CHUNK))
    return h.hexdigest()


def is_video(path: str) -> bool:
    return posixpath.splitext(path)[1][1:].lower() in VIDEO_EXT


def pair_by_hash(missing: list[tuple[Any, int, str]], new: list[tuple[Any, int, str]]) -> list[tuple[Any, Any]]:
    """(row, size, hash) of vanished rows and (file, size, hash) of new files → unambiguous
    (row, file) pairs: one row and one file with that (size, hash), the hash known."""
    gone: dict[tuple[int, str], list] = {}
    for row, size, h in missing:
        if h:
            gone.setdefault((size, h), []).append(row)
    came: dict[tuple[int, str], list] = {}
    for f, size, h in new:
        if h:
            came.setdefault((size, h), []).append(f)
    return [(rows[0], came[k][0]) for k, rows in gone.items() if len(rows) == 1 and len(came.get(k, ())) == 1]


def hash_new(root: str, files: list) -> list[tuple[Any, int, str]]:
    """(file, size, hash) of the new `files` (FileEntry) that are videos and still readable."""
    out = []
    for f in files:
        if not is_video(f.path):
            continue
        try:
            out.append((f, f.size, video_hash(Path(root) / f.path)))
        except OSError:
            continue
    return out


def hash_pending(db, lib, cond: str = "", args: list | None = None) -> int:
    """Hash the library's live videos that have no hash yet (inside the scanned folder: `cond`), a
    page at a time, each page in one write transaction. Returns how many were read."""
    m = statements.mark(db)
    hint = " INDEXED BY media_files_hash_pending" if is_sqlite(db) else ""
    pending = (f"FROM media_files{hint} WHERE library_id = {m} AND kind = 'video' AND deleted_at IS NULL "
               f"AND video_hash IS NULL{cond}")
    root, after, done = Path(lib.path), None, 0
    while True:
        rows = db.execute_sql(f"SELECT id, path, size, mtime_ns {pending}{'' if after is None else f' AND path > {m}'} "
                              f"ORDER BY path LIMIT {PAGE}", [lib.id, *(args or [])] + ([] if after is None else [after])
                              ).fetchall()
        if not rows:
            return done
        after = rows[-1][1]
        got = []
        for fid, path, size, mtime_ns in rows:
            try:
                st = os.stat(root / path)
                h = video_hash(root / path)
                if st.st_size != size or st.st_mtime_ns != mtime_ns:
                    continue   # changing under the read (still being written): the next scan reads it
            except OSError:
                h = UNREADABLE
            got.append((h, fid))
            done += 1
        if got:
            with write_tx(db):
                statements.update_many(db, MediaFile, ("video_hash",), "id", got)


def content_moves(db, lib, table, missing: list, skip: set[str]) -> list[tuple[Any, Any]]:
    """For a scan's walk (`table`, a WalkTable): vanished rows (`missing`, as WalkTable.missing gives
    them) whose video came back under a new inode, paired with the new file by size and hash; then,
    where such a pair is a folder's rename, the folder's other vanished files found under the new
    folder with their size (the poster, the NFO beside the video). `skip`: new paths already paired."""
    videos = [r for r in missing if is_video(r[1])]
    if not videos:
        return []
    m = statements.mark(db)
    hashes: dict[int, str] = {}
    ids = [r[0] for r in videos]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        hashes.update(db.execute_sql(f"SELECT id, video_hash FROM media_files WHERE id IN "
                                     f"({statements.marks(db, len(chunk))}) AND video_hash IS NOT NULL "
                                     f"AND video_hash <> {m}", [*chunk, UNREADABLE]).fetchall())
    known = [r for r in videos if r[0] in hashes]
    if not known:
        return []
    new = [f for f in table.new_with_sizes(lib.id, sorted({r[2] for r in known})) if f.path not in skip]
    pairs = pair_by_hash([(r, r[2], hashes[r[0]]) for r in known], hash_new(lib.path, new))
    if not pairs:
        return []
    maps = {prefix_map(r[1], f.path) for r, f in pairs}
    paired = {r[0] for r, _ in pairs}
    want: dict[str, Any] = {}
    for r in missing:
        to = map_path(r[1], maps) if r[0] not in paired else None
        if to is not None and to not in skip:
            want[to] = r
    taken = {f.path for _, f in pairs}
    for f in table.new_at(lib.id, sorted(want)):
        r = want[f.path]
        if f.size == r[2] and f.path not in taken:
            pairs.append((r, f))
            taken.add(f.path)
    return pairs


def content_elsewhere(db, lib, sub: str, new: list, used: set[int]) -> list[tuple[Any, Any]]:
    """For a scan of the folder `sub`: its new videos whose content left another folder of the library
    with a new inode (a copy + delete seen as two folder scans, in either order, or a folder an earlier
    scan saw go). A video row outside `sub`, soft-deleted or whose file is gone from disk, with the same
    size and hash is the same file (one-to-one, as `pair_by_hash`). `used`: rows already paired.
    Returns (row, entry) pairs as `moves.pair_elsewhere` does."""
    videos = [f for f in new if is_video(f.path)]
    if not videos:
        return []
    m = statements.mark(db)
    cond, args = under(db, "path", sub)
    inside = f" AND NOT (1=1{cond})" if cond else ""
    sizes = sorted({f.size for f in videos})
    gone = []
    for i in range(0, len(sizes), 500):
        chunk = sizes[i:i + 500]
        for r in db.execute_sql(
                f"SELECT id, path, size, mtime_ns, inode, deleted_at, video_hash FROM media_files "
                f"WHERE library_id = {m} AND kind = 'video' AND video_hash IS NOT NULL AND video_hash <> {m} "
                f"AND size IN ({statements.marks(db, len(chunk))}){inside}", [lib.id, UNREADABLE, *chunk, *args]):
            # a whole walk's own vanished rows were weighed against all its new files (content_moves);
            # only what an earlier scan saw go is left for it
            if r[0] not in used and (r[5] is not None or (sub and not os.path.lexists(Path(lib.path) / r[1]))):
                gone.append(r)
    if not gone:
        return []
    want = {r[2] for r in gone}
    pairs = pair_by_hash([(tuple(r[:6]), r[2], r[6]) for r in gone],
                         hash_new(lib.path, [f for f in videos if f.size in want]))
    # the folder's other files (the NFO, the poster) follow the video by path and size, as in one walk
    maps = {prefix_map(r[1], f.path) for r, f in pairs}
    paired = used | {r[0] for r, _ in pairs}
    by_path = {f.path: f for f in new}
    taken = {f.path for _, f in pairs}
    for old, _ in maps:
        c, a = under(db, "path", old)
        for r in db.execute_sql(f"SELECT id, path, size, mtime_ns, inode, deleted_at FROM media_files "
                                f"WHERE library_id = {m}{c}", [lib.id, *a]).fetchall():
            f = by_path.get(map_path(r[1], maps) or "")
            if (f is None or r[0] in paired or f.path in taken or f.size != r[2]
                    or (r[5] is None and (not sub or os.path.lexists(Path(lib.path) / r[1])))):
                continue
            pairs.append((tuple(r), f))
            paired.add(r[0])
            taken.add(f.path)
    return pairs
