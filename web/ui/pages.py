"""The service's own pages: dashboard, libraries, jobs, players, settings (with schedules), recycle
bin and activity. Times go out as `<time>` elements the page's script turns into words in the
reader's zone; tables carry `data-label`s so they become cards at phone width."""
from __future__ import annotations

import time

from aiohttp import web

from metarr.db.cursors import BadQuery
from metarr.db.database import ping
from metarr.db.errors import trouble
from metarr.db.integrations import PathMapping, Player
from metarr.db.media import Artist as ArtistRow
from metarr.db.media import Movie, Series
from metarr.db.models import Library
from metarr.jobs import paging, scheduling, store
from metarr.jobs import view as job_view
from metarr.jobs.model import Stats
from metarr.library import recyclebin
from metarr.library.libraries import to_dict as library_json
from metarr.library.player_names import DEFAULT as DEFAULT_PLAYERS
from metarr.library.player_names import READERS
from metarr.players import kinds as player_kinds
from metarr.service import activity, humanize, settings

from ..healthcheck import health_check_key
from ..keys import bridge_key, services_key
from .common import render, routes, run

JOBS_PER_PAGE = 100
WATCH_WORDS = {"inotify": "watching", "polling": "watching (polling)"}


async def _status(request: web.Request, name: str) -> dict | None:
    """An actor's status for a page: None when this process has none, the error when it did not
    answer in time (a slow component must not break the page)."""
    actor = request.app[services_key].actor(name)
    if actor is None or not hasattr(actor, "status"):
        return None
    try:
        return await request.app[bridge_key].ask(lambda: actor.status(), timeout=5)
    except Exception as e:
        return {"status": "error", "error": str(e)}


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    s = request.app[services_key]

    def q():
        from metarr import attention
        from metarr.enrichment import refresh
        st = store.stats(s.db, time.time())
        acts, _ = activity.list_entries(15, 0)
        counts = {"movies": Movie.select().where(Movie.deleted_at.is_null(True)).count(),
                  "series": Series.select().where(Series.deleted_at.is_null(True)).count(),
                  "artists": ArtistRow.select().where(ArtistRow.deleted_at.is_null(True)).count()}
        needs = attention.needs_attention(s.db, set(s.config.provider_keys), s.config.data_dir)
        labels = job_view.subject_labels([j["subject"] for j in needs["dead"]])
        for j in needs["dead"]:
            j["name"] = job_view.describe(j, labels)["name"]
        return st, acts, counts, ping(s.db), refresh.status(), needs
    try:
        st, acts, counts, db_ok, freshness, needs = await run(request, q)
    except Exception as e:
        if trouble(e) is None:
            raise
        # the database cannot be reached: the page still says what is wrong (the problems below)
        st, acts, counts, db_ok, freshness = Stats(), [], {"movies": 0, "series": 0, "artists": 0}, False, {}
        needs = {"unidentified": [], "dead": [], "dead_total": 0, "verification": [], "missing_keys": [],
                 "not_publishing": [], "waiting": [], "provider_gaps": [], "count": 0}
    # what stops the service itself (database or data dir cannot be written, ledger down) comes first
    needs["problems"] = await request.app[health_check_key].problems()
    needs["count"] += len(needs["problems"])
    components = {"database": {"status": "ok" if db_ok else "error", "detail": "sqlite" if s.config.is_sqlite else "postgresql"}}
    for name in ("watcher", "gateway", "syncer"):
        got = await _status(request, name)
        if got is None:
            continue
        detail = ", ".join(f"{k}: {v.get('state', v.get('mode', ''))}" for k, v in
                           (got.get("providers") or got.get("libraries") or {}).items())
        components[name] = {"status": got.get("status", "ok"), "detail": detail or got.get("error", "")}
    return render("dashboard.html", request, "/", title="Dashboard", stats=vars(st), activity=acts,
                  counts=counts, components=components, freshness=freshness, needs=needs)


@routes.get("/libraries")
async def libraries_page(request: web.Request) -> web.Response:
    libs = await run(request, lambda: [library_json(x) for x in Library.select().order_by(Library.id)])
    configured = await run(request, lambda: {p.kind for p in Player.select(Player.kind)})
    watcher = ((await _status(request, "watcher")) or {}).get("libraries") or {}
    for lib in libs:
        mode = (watcher.get(str(lib["id"])) or {}).get("mode")
        lib["watch_text"] = WATCH_WORDS.get(mode, mode) if mode else ("starting…" if lib["watch"] else "not watched")
    # the players that read libraries, and what a new library proposes: the kinds of the players set up
    readers = [(k, player_kinds.KINDS[k].label if k in player_kinds.KINDS else k) for k in READERS]
    proposed = [k for k in READERS if k in configured] or list(DEFAULT_PLAYERS)
    return render("libraries.html", request, "/libraries", title="Libraries", libraries=libs, readers=readers,
                  proposed=proposed)


@routes.get("/jobs")
async def jobs_page(request: web.Request) -> web.Response:
    from ..api.jobs import job_json
    s = request.app[services_key]
    status = request.query.get("status") or ""
    statuses = [status] if status in ("pending", "running", "succeeded", "dead", "cancelled") else None
    try:
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        offset = 0
    # Older/Newer are cursors (the job a page is older/newer than); one that is not a cursor is the first page
    after, before = (_job_cursor(request.query.get(k)) for k in ("after", "before"))
    now = time.time()

    def q():
        pg = job_view.page(s.db, statuses, JOBS_PER_PAGE, offset, now, after=after, before=before)
        waiting = job_view.waiting_schedules(s.db, now)
        jobs = [{**job_json(r), "payload": r["payload"]} for r in pg.rows + waiting]
        labels = job_view.subject_labels([j["subject"] for j in jobs])
        described = [job_view.describe(j, labels) for j in jobs]
        return described[:len(pg.rows)], described[len(pg.rows):], pg
    jobs, waiting, pg = await run(request, q)
    return render("jobs.html", request, "/jobs", title="Jobs", runs=job_view.group_runs(jobs), waiting=waiting,
                  status=status, total=pg.total, offset=pg.offset, limit=JOBS_PER_PAGE, shown=len(jobs),
                  older=pg.older, newer=pg.newer)


def _job_cursor(raw: str | None) -> int | None:
    if not raw or len(raw) > 200:
        return None
    try:
        return paging.decode(raw, "-id")
    except BadQuery:
        return None


@routes.get("/players")
async def players_page(request: web.Request) -> web.Response:
    def q():
        players = [{"id": p.id, "name": p.name, "kind": p.kind, "url": p.url, "last_status": p.last_status}
                   for p in Player.select().order_by(Player.id)]
        maps = [{"id": m.id, "scope": m.scope, "from": m.from_prefix, "to": m.to_prefix}
                for m in PathMapping.select().order_by(PathMapping.scope)]
        return players, maps
    players, maps = await run(request, q)
    return render("players.html", request, "/players", title="Players", players=players, mappings=maps,
                  kinds=[{"name": k.name, "label": k.label} for k in player_kinds.KINDS.values()])


@routes.get("/settings")
async def settings_page(request: web.Request) -> web.Response:
    from metarr.service import settings_info
    from metarr.sources import keys as provider_keys
    s = request.app[services_key]
    values = await run(request, settings.get_all, s.db)
    scheds = await run(request, scheduling.list_schedules, s.db, time.time())
    providers = ((await _status(request, "gateway")) or {}).get("providers") or {}
    keys = await run(request, provider_keys.states, s.config.provider_keys, s.db)
    return render("settings.html", request, "/settings", title="Settings", settings=values, schedules=scheds,
                  fields=settings_info.fields(values), keys=keys, providers=providers)


@routes.get("/recycle-bin")
async def recycle_page(request: web.Request) -> web.Response:
    s = request.app[services_key]
    rows, _ = await run(request, recyclebin.list_entries, 200, 0, "present")
    rows = [{**r, "size_text": humanize.size(r.get("size"))} for r in rows]
    retention = await run(request, settings.get, s.db, "recycle.retention_days")
    return render("recycle.html", request, "/recycle-bin", title="Recycle bin", entries=rows, retention=retention)


@routes.get("/activity")
async def activity_page(request: web.Request) -> web.Response:
    rows, _ = await run(request, activity.list_entries, 200, 0)
    return render("activity.html", request, "/activity", title="Activity", entries=rows)
