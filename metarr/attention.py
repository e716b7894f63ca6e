"""What needs the user, in one read model: items not identified (and why), jobs that failed for
good, jobs waiting for a disk or the database, items enriched while a provider could not be asked,
verification problems, libraries where nothing is written, provider keys not set. The CLI's end-of-command summary and the
dashboard's "needs attention" panel read it.

May import: db, service, metadata, jobs, library, sources, publishing.
"""
from __future__ import annotations

from metarr.db.media import Artist, Movie, Series
from metarr.publishing.desired import describe_reason

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


def dead_jobs(db, limit: int = 5) -> tuple[list[dict], int]:
    """Jobs that failed for good (the latest few, and how many), each with its error."""
    from metarr.jobs import store
    rows, total = store.list_jobs(db, ["dead"], None, limit, 0, "-id")
    return [{"id": r["id"], "type": r["type"], "subject": r["subject"], "error": r["last_error"] or ""}
            for r in rows], total


def verification_problems(db) -> list[dict]:
    """Per library, the problems its latest verification found (missing or changed files…)."""
    from metarr.db.models import Library
    from metarr.jobs import store
    out = []
    for lib in Library.select(Library.id, Library.name).order_by(Library.id):
        rows, _ = store.list_jobs(db, ["succeeded"], ["verify.library"], 1, 0, "-finished_at", lib.id)
        res = (rows[0]["result"] or {}) if rows else {}
        if res.get("problems"):
            kinds = sorted({f.get("problem", "") for f in res.get("findings") or []})
            out.append({"library_id": lib.id, "library": lib.name, "problems": res["problems"], "kinds": kinds})
    return out


def missing_keys(configured: set[str]) -> list[dict]:
    """Providers that need a key and have none: what goes unidentified or without art because of it."""
    from metarr.sources import registry
    what = {"tmdb": "movies and shows are not identified", "tvdb": "shows fall back to TMDB only",
            "fanart": "no Fanart.tv artwork (logos, clear art, disc art)", "omdb": "no IMDb/Rotten Tomatoes ratings"}
    return [{"provider": s.name, "label": s.label, "env": s.key_var, "effect": what.get(s.name, "not used")}
            for s in registry.sources() if s.key_var and s.name not in configured]


def not_publishing() -> list[dict]:
    """Libraries that publish nothing by themselves (publishing after enrichment is off, as it is for
    a new library) and hold items never written, with how many."""
    from metarr.db.models import Library
    out = []
    quiet = Library.select().where((Library.enabled == True) & (Library.auto_publish == False))  # noqa: E712
    for lib in quiet.order_by(Library.id):
        unwritten = 0
        for _, model, _ in ROOTS:
            unwritten += model.select().where((model.library_id == lib.id) & model.deleted_at.is_null(True)
                                              & model.published_at.is_null(True)).count()
        if unwritten:
            out.append({"library_id": lib.id, "library": lib.name, "path": lib.path, "unwritten": unwritten})
    return out


def waiting(db, data_dir=None) -> list[dict]:
    """Places jobs wait on (a library or the data directory that cannot be written, the database),
    each in words: "Library Movies (/mnt/movies): cannot write: disk full". They resume by themselves."""
    from metarr.db.models import Library
    from metarr.jobs import store
    from metarr.jobs.waiting import parse_code, sentence
    groups = store.blocked_groups(db)
    ids = sorted({b.library_id for b in map(parse_code, groups) if b and b.library_id is not None})
    libs = {lib.id: lib for lib in Library.select(Library.id, Library.name, Library.path).where(Library.id.in_(ids))} if ids else {}
    out = []
    for code, (jobs, since) in sorted(groups.items(), key=lambda kv: kv[1][1]):
        b = parse_code(code)
        if b is None:
            continue
        lib = libs.get(b.library_id) if b.library_id is not None else None
        if lib is not None:
            label, path = f"Library {lib.name} ({lib.path})", lib.path
        elif b.place == "data":
            label, path = f"The data directory{f' ({data_dir})' if data_dir else ''}", str(data_dir or "")
        else:
            label, path = ("The database" if b.place == "database" else b.place), ""
        out.append({"place": b.place, "kind": b.kind, "library_id": b.library_id, "label": label, "path": path,
                    "words": b.words, "jobs": jobs, "since": since, "sentence": sentence(b, label, jobs)})
    return out


def needs_attention(db, configured: set[str], data_dir=None) -> dict:
    """Everything the dashboard's "needs attention" panel shows, each with where it is resolved."""
    dead, dead_total = dead_jobs(db)
    items = not_identified()
    verification = verification_problems(db)
    quiet = not_publishing()
    waits = waiting(db, data_dir)
    from metarr.sources import gaps
    missed = gaps.summary()
    return {"unidentified": items, "dead": dead, "dead_total": dead_total, "verification": verification,
            "missing_keys": missing_keys(configured), "not_publishing": quiet, "waiting": waits,
            "provider_gaps": missed,
            "count": len(items) + dead_total + len(verification) + len(quiet) + len(waits) + len(missed)}
