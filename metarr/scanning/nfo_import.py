"""Reading the user's NFO files into an item (SPEC 5.1)."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from metarr import metadata as md
from metarr.db import statements
from metarr.db.models import Library
from metarr.nfo.read import parse_nfo
from metarr.scanning.entities import fill, ids_update
from metarr.scanning.report import ScanReport


def _hand_edited(db, library_id: int, path: str, data: bytes, shas: dict[str, str | None] | None) -> bool:
    """`shas`: path -> sha256 of the unit's files Metarr wrote, when the caller read them already."""
    if shas is not None:
        ours = (shas[path],) if path in shas else None
    else:   # the one column, as a tuple: asked for every NFO of a first scan (an ORM lookup was a tenth of it)
        p = statements.mark(db)
        ours = db.execute_sql(f"SELECT sha256 FROM library_files WHERE library_id = {p} AND path = {p}",
                              (library_id, path)).fetchone()
    return ours is not None and ours[0] != hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True)
class NfoRead:
    """An NFO read and converted, nothing written yet: `update` is None when it had no document
    (`ids`: what a URL-only or broken one still names) or is a TV show's episode file."""
    doc: Any
    update: md.Update | None
    ids: dict


def read_nfo(db, entity_type: str, path: str, lib: Library, rep: ScanReport, converter,
             shas: dict[str, str | None] | None = None) -> NfoRead | None:
    """Read, parse and convert an NFO (its problems go to `rep`); None if it cannot be read. `shas`:
    see `_hand_edited`."""
    full = Path(lib.path) / path
    try:
        data = full.read_bytes()
    except OSError as e:
        rep.problems.append((path, f"NFO unreadable: {e.strerror or e}"))
        return None
    res = parse_nfo(data)
    for w in res.warnings:
        rep.problems.append((path, f"NFO warning: {w}"))
    if res.error is not None:
        rep.problems.append((path, f"NFO {res.error.code}: {res.error.reason}"))
    doc = res.doc
    if doc is None or (entity_type == "episode" and hasattr(doc, "episodes")):
        return NfoRead(doc, None, dict(res.ids or {}))
    update = converter(doc)
    if _hand_edited(db, lib.id, path, data, shas):
        # an NFO Metarr wrote, changed since by hand: what the user changed there is theirs (locked);
        # everything they left as it was keeps its provenance
        update = dataclasses.replace(update, lock=True)
    return NfoRead(doc, update, dict(res.ids or {}))


def import_nfo(db, entity_type: str, eid: int, path: str, lib: Library, rep: ScanReport, converter,
                known: tuple[dict, dict] | None = None, shas: dict[str, str | None] | None = None) -> Any:
    got = read_nfo(db, entity_type, path, lib, rep, converter, shas)
    if got is None:
        return None
    if got.doc is None:
        if got.ids:  # a URL-only or broken NFO still names the item
            fill(entity_type, eid, ids_update(got.ids, entity_type), "nfo")
        return None
    if got.update is None:
        return got.doc  # the caller picks the matching <episodedetails>
    md.apply(db, entity_type, eid, got.update, known=known)
    model = md.ENTITY_MODELS[entity_type]
    if getattr(got.doc, "unknown", None):
        model.update(nfo_unknown=list(got.doc.unknown)).where(model.id == eid).execute()
    rep.nfo_imported += 1
    return got.doc
