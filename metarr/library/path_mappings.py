"""Path mappings as the user configures them: *arr → Metarr (`radarr`, `sonarr`, `lidarr`) and
Metarr → player (`player:<id>`, `group:<id>`). Metarr's side of a mapping is a local path and is
stored normalised ('..' resolved), so what it maps to is what it says; a webhook path it maps
outside every library is refused where it is used. The mapping itself is metarr/library/pathmap.py.
Blocking; worker threads only."""
from __future__ import annotations

import re
import time

from metarr.db.database import write_tx
from metarr.db.integrations import PathMapping
from metarr.library import paths
from metarr.service.records import Invalid, page
from metarr.service.timefmt import iso

SCOPE_RE = re.compile(r"^(radarr|sonarr|lidarr|player:\d+|group:\d+)$")


def mapping_json(m: PathMapping) -> dict:
    return {"id": m.id, "scope": m.scope, "from": m.from_prefix, "to": m.to_prefix, "created_at": iso(m.created_at)}


def list_mappings(scope: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    query = PathMapping.select().order_by(PathMapping.scope, PathMapping.id)
    if scope:
        query = query.where(PathMapping.scope == scope)
    return page(query, mapping_json, limit, offset)


def create_mapping(db, scope: str, src: str, dst: str) -> dict:
    if not SCOPE_RE.match(scope):
        raise Invalid("scope must be radarr, sonarr, lidarr, player:<id> or group:<id>", "scope")
    if not src.strip() or not dst.strip():
        raise Invalid("'from' and 'to' must not be empty")
    local = "to" if scope in ("radarr", "sonarr", "lidarr") else "from"
    try:
        if local == "to":
            dst = paths.norm(dst)
        else:
            src = paths.norm(src)
    except paths.OutsidePath as e:
        raise Invalid(f"'{local}': {e}", local) from None
    with write_tx(db):
        return mapping_json(PathMapping.create(scope=scope, from_prefix=src, to_prefix=dst, created_at=time.time()))


def remove_mapping(db, mid: int) -> bool:
    with write_tx(db):
        return bool(PathMapping.delete().where(PathMapping.id == mid).execute())
