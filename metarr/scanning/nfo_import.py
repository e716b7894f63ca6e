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


def _hand_edited(db, library_id: int, path: str, data: bytes) -> bool:
    # the one column, as a tuple: asked for every NFO of a first scan (an ORM lookup was a tenth of it)
    p = statements.mark(db)
    ours = db.execute_sql(f"SELECT sha256 FROM library_files WHERE library_id = {p} AND path = {p}",
                          (library_id, path)).fetchone()
    return ours is not None and ours[0] != hashlib.sha256(data).hexdigest()


def import_nfo(db, entity_type: str, eid: int, path: str, lib: Library, rep: ScanReport, converter,
                known: tuple[dict, dict] | None = None) -> Any:
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
    if res.doc is None:
        if res.ids:  # a URL-only or broken NFO still names the item
            fill(entity_type, eid, ids_update(dict(res.ids), entity_type), "nfo")
        return None
    doc = res.doc
    if entity_type == "episode" and hasattr(doc, "episodes"):
        return doc  # the caller picks the matching <episodedetails>
    update = converter(doc)
    if _hand_edited(db, lib.id, path, data):
        # an NFO Metarr wrote, changed since by hand: what the user changed there is theirs (locked);
        # everything they left as it was keeps its provenance
        update = dataclasses.replace(update, lock=True)
    md.apply(db, entity_type, eid, update, known=known)
    model = md.ENTITY_MODELS[entity_type]
    if getattr(doc, "unknown", None):
        model.update(nfo_unknown=list(doc.unknown)).where(model.id == eid).execute()
    rep.nfo_imported += 1
    return doc
