"""Libraries: create, list, get, update, remove; trigger a whole-library phase."""
from __future__ import annotations

from aiohttp import web

from metarr.db.models import Library
from metarr.jobs import chain
from metarr.jobs.model import PRIORITY
from metarr.library import libraries

from ..envelope import ApiError, bad_request, not_found, ok
from ..keys import bridge_key, services_key
from ..validate import field, int_param, json_body, path_id
from .ops import call, get_by_id, listed, removed

routes = web.RouteTableDef()
PHASES = ("scan", "enrich", "publish", "verify")


@routes.get("/api/v1/libraries")
async def list_libraries(request: web.Request) -> web.Response:
    return await listed(request, libraries.list_page)


@routes.post("/api/v1/libraries")
async def create_library(request: web.Request) -> web.Response:
    body = await json_body(request)
    inp = libraries.LibraryInput(
        name=field(body, "name", str, required=True, max_len=200),
        kind=field(body, "kind", str, required=True, choices=libraries.KINDS),
        path=field(body, "path", str, required=True, max_len=4096),
        watch=field(body, "watch", bool, default=True),
        auto_enrich=field(body, "auto_enrich", bool, default=True),
        auto_publish=field(body, "auto_publish", bool, default=False),
        auto_sync=field(body, "auto_sync", bool, default=True),
        language=field(body, "language", str, default="en", max_len=16),
        fallback_languages=tuple(field(body, "fallback_languages", list, default=libraries.DEFAULT_FALLBACKS)),
        certification_country=field(body, "certification_country", str, max_len=8),
        players=tuple(field(body, "players", list, default=list(libraries.DEFAULT_PLAYERS))),
    )
    s = request.app[services_key]
    try:
        lib = await request.app[bridge_key].run(libraries.create, s.db, inp, s.bus, s.config.own_dirs())
    except libraries.LibraryNameTaken as e:
        raise ApiError(409, "conflict", str(e)) from None
    except libraries.LibraryError as e:
        raise bad_request(str(e)) from None
    return ok(libraries.to_dict(lib), status=201)


get_by_id(routes, "/api/v1/libraries/{id}", libraries.get, "library")


@routes.route("PATCH", "/api/v1/libraries/{id}")
async def update_library(request: web.Request) -> web.Response:
    lid = path_id(request)
    body = await json_body(request)
    changes = {}
    for k in libraries.UPDATABLE:
        if k in body:
            kind = (list if k in ("ignore_patterns", "fallback_languages", "players") else
                    str if k in ("name", "language", "certification_country") else bool)
            changes[k] = field(body, k, kind)
    unknown = set(body) - set(libraries.UPDATABLE)
    if unknown:
        raise bad_request(f"cannot change: {', '.join(sorted(unknown))}")
    s = request.app[services_key]
    before = await request.app[bridge_key].run(libraries.get, lid)
    try:
        lib = await request.app[bridge_key].run(libraries.update, s.db, lid, changes, s.bus)
    except libraries.LibraryNameTaken as e:
        raise ApiError(409, "conflict", str(e)) from None
    except libraries.LibraryError as e:
        raise bad_request(str(e)) from None
    if lib is None:
        raise not_found(f"library {lid}")
    out = libraries.to_dict(lib)
    if before is not None and before["players"] != out["players"]:
        # what is published now carries names for other players: publish it again (names no listed
        # player reads go to the recycle bin)
        spec = chain.library_job("publish", lid, PRIORITY["bulk"], trigger=chain.REPUBLISH_PUBLISHED)
        ledger = s.actor("ledger")
        out["publish_job_id"] = (await request.app[bridge_key].ask(lambda: ledger.enqueue(spec)))[0]
    return ok(out)


@routes.delete("/api/v1/libraries/{id}")
async def delete_library(request: web.Request) -> web.Response:
    """Forget a library. Files on disk are never touched."""
    lid = path_id(request)
    s = request.app[services_key]
    await call(request, libraries.remove, s.db, lid, s.bus, missing=f"library {lid}")
    return ok(removed(lid))


@routes.post("/api/v1/libraries/{id}/{phase}")
async def run_phase(request: web.Request) -> web.Response:
    lid = path_id(request)
    phase = request.match_info["phase"]
    if phase not in PHASES:
        raise not_found(f"action {phase!r}")
    s = request.app[services_key]
    lib = await request.app[bridge_key].run(lambda: Library.get_or_none(Library.id == lid))
    if lib is None:
        raise not_found(f"library {lid}")
    if phase == "publish" and request.query.get("dry_run") in ("1", "true"):
        # a whole library is planned in a job (166,667 movies take minutes): 202 with the job, whose
        # progress events and result (the summary) are the answer; nothing is written
        from metarr.publishing.library_plan import MAX_SAMPLES, SAMPLES
        spec = chain.library_dry_run(lid, int_param(request, "samples", SAMPLES, 0, MAX_SAMPLES))
        ledger = s.actor("ledger")
        ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
        return ok({"job_id": ids[0], "dry_run": True}, status=202)
    if s.registry.get(f"{phase}.library") is None:
        raise ApiError(501, "not_implemented", f"the {phase} phase is not available")
    spec = chain.library_job(phase, lid)
    ledger = s.actor("ledger")
    ids = await request.app[bridge_key].ask(lambda: ledger.enqueue(spec))
    return ok({"job_id": ids[0]}, status=202)


@routes.get("/api/v1/libraries/{id}/verification")
async def last_verification(request: web.Request) -> web.Response:
    """The findings of the latest finished verification of this library."""
    from metarr.jobs import store
    lid = path_id(request)
    s = request.app[services_key]

    def q():
        rows, _ = store.list_jobs(s.db, ["succeeded"], ["verify.library"], 1, 0, "-finished_at", lid)
        return rows[0] if rows else None
    row = await request.app[bridge_key].run(q)
    if row is None:
        raise not_found(f"a verification of library {lid}")
    from metarr.service.timefmt import iso
    return ok({"job_id": row["id"], "finished_at": iso(row["finished_at"]), **(row["result"] or {})})
