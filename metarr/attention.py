"""What needs the user: the items that are not identified, and why, in one read model (the CLI's
end-of-command summary reads it; a dashboard panel should too)."""
from __future__ import annotations

from .db.media import Artist, Movie, Series
from .publish import describe_reason

ROOTS = (("movie", Movie, "movies"), ("series", Series, "series"), ("artist", Artist, "artists"))


def not_identified(library_ids: list[int] | None = None, limit: int = 50) -> list[dict]:
    """Ambiguous and unidentified root items, ambiguous first (one click resolves those)."""
    out = []
    for kind, model, plural in ROOTS:
        name = model.name if kind == "artist" else model.title
        q = (model.select(model.id, name.alias("label"), model.state, model.identify_reason, model.library_id)
             .where(model.state.in_(("ambiguous", "unidentified")) & model.deleted_at.is_null(True)))
        if library_ids:
            q = q.where(model.library_id.in_(library_ids))
        for r in q.order_by(model.id).limit(limit):
            reason = r.identify_reason or ("ambiguous" if r.state == "ambiguous" else None)
            out.append({"kind": kind, "id": r.id, "title": r.label, "state": r.state, "reason": reason,
                        "reason_text": describe_reason(reason), "path": f"/{plural}/{r.id}"})
    out.sort(key=lambda x: (x["state"] != "ambiguous", x["kind"], x["id"]))
    return out[:limit]


def summary_lines(items: list[dict], base_url: str, shown: int = 5) -> list[str]:
    """The CLI's words for items that need a decision (one line each, a link to where it is made)."""
    if not items:
        return []
    lines = [f"{len(items)} item(s) not identified; nothing was written into the library for them:"]
    for it in items[:shown]:
        lines.append(f"  {it['title']}: {it['reason_text']} -> {base_url}{it['path']}")
    if len(items) > shown:
        lines.append(f"  … and {len(items) - shown} more: {base_url}/")
    return lines
