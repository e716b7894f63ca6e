"""The last whole-library walk, remembered in the database as a digest beside the library's
`files_version`, so that a no-change rescan, in this process or the first one after a restart,
proves that nothing changed without reading the library's file rows (most of its cost beyond the
walk itself).

The digest covers the version and the hash of every walked (path, size, mtime_ns, inode) in walk
order (`walk_spool.WalkSpool` takes it as the walk streams by). The
version is a random token replaced in the transaction of every change to the file rows (by any
process), and tokens never repeat: a digest written under an older version can never match again,
so a stale digest costs one read of the rows, never a missed change. A walk that lists the same
files in another order only costs that read too."""
from __future__ import annotations

import hashlib

from metarr.db import statements
from metarr.db.database import write_tx


def walk_digest(version: str, walk_hash: str) -> str:
    """The walk (its hash, `WalkSpool.finish`) under the rows' version."""
    return hashlib.blake2b(f"{version}:{walk_hash}".encode(), digest_size=20).hexdigest()


def library_state(db, library_id: int) -> tuple[str | None, str | None]:
    """(files_version, walk_digest) of the library, in one read."""
    row = db.execute_sql(f"SELECT files_version, walk_digest FROM libraries WHERE id = {statements.mark(db)}",
                         (library_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def remember_walk(db, library_id: int, version: str, digest: str) -> None:
    """The rows hold the walk under `version`. Written only while that version stands."""
    m = statements.mark(db)
    with write_tx(db):
        db.execute_sql(f"UPDATE libraries SET walk_digest = {m} WHERE id = {m} AND files_version = {m}",
                       (digest, library_id, version))
