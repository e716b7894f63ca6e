"""The web UI: server-rendered pages (aiohttp-jinja2) over the same read models as the REST API;
actions go through the REST API from a small script (session cookie + CSRF token)."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from metarr import metadata as md
from metarr.assets.errors import describe_candidate_reason
from metarr.db.database import ping
from metarr.db.integrations import PathMapping, Player
from metarr.db.media import Artist as ArtistRow
from metarr.db.media import AssetCandidate, Movie, Series
from metarr.db.models import Library, Schedule
from metarr.enrichment.scoring import explain_score
from metarr.jobs import store
from metarr.jobs import view as job_view
from metarr.library import browse, recyclebin
from metarr.library.browse import candidate_reason
from metarr.library.libraries import to_dict as library_json
from metarr.library.paths import browse_roots
from metarr.players import kinds as player_kinds
from metarr.publishing.desired import describe_reason
from metarr.service import activity, humanize, settings
from metarr.service.timefmt import iso

from .. import auth
from ..keys import (
    api_key_key,
    bridge_key,
    hub_key,
    login_guard_key,
    services_key,
    session_book_key,
    session_secret_key,
)
from ..ratelimit import came_over_https, client_address, ratelimit_key
from ..validate import form_body

HERE = Path(__file__).parent
NAV = [("/", "Dashboard"), ("/libraries", "Libraries"), ("/movies", "Movies"), ("/series", "TV"), ("/music", "Music"),
       ("/jobs", "Jobs"), ("/players", "Players"), ("/settings", "Settings"), ("/recycle-bin", "Recycle bin"),
       ("/activity", "Activity")]
log = logging.getLogger(__name__)
routes = web.RouteTableDef()
LABELS = {"title": "Title", "original_title": "Original title", "sort_title": "Sort title", "year": "Year",
          "premiered": "Premiered", "plot": "Plot", "outline": "Outline", "tagline": "Tagline", "runtime": "Runtime (min)",
          "content_rating": "Rating (MPAA)", "set_name": "Collection", "set_overview": "Collection overview",
          "trailer": "Trailer", "tmdb_id": "TMDB id", "imdb_id": "IMDb id", "tvdb_id": "TVDB id",
          "user_rating": "Your rating", "status": "Status", "name": "Name", "sort_name": "Sort name",
          "biography": "Biography", "formed": "Formed", "musicbrainz_id": "MusicBrainz id"}
TEXT_FIELDS = {"plot", "outline", "biography", "set_overview"}
INT_FIELDS = {"year", "runtime", "tmdb_id", "tvdb_id"}


def setup(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                         context_processors=[_context])
    app.router.add_routes(routes)
    app.router.add_static("/static/", str(HERE / "static"), name="static")


async def _context(request: web.Request) -> dict:
    session = request.cookies.get(auth.SESSION_COOKIE, "")
    secret = request.app[session_secret_key]
    return {"nav": NAV, "csrf": auth.csrf_token(secret, session) if session else ""}


def render(template: str, request: web.Request, active: str, **ctx) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, {"active": active, **ctx})


async def run(request, fn, *args):
    return await request.app[bridge_key].run(fn, *args)


# ------------------------------------------------------------------ login

@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, auth.safe_next(request.query.get("next")), None)


def _login_page(request: web.Request, nxt: str, error: str | None, status: int = 200) -> web.Response:
    # the hint names the data directory: `metarr apikey` must be run against the same one
    data_dir = str(request.app[services_key].config.data_dir)
    return aiohttp_jinja2.render_template("login.html", request, {"next": nxt, "error": error, "data_dir": data_dir},
                                          status=status)


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await form_body(request)
    secret = str(form.get("secret", ""))
    nxt = auth.safe_next(str(form.get("next", "/")))   # no open redirect
    s = request.app[services_key]
    addr = client_address(request, request.app[ratelimit_key].trusted)
    guard = request.app[login_guard_key]
    wait = guard.throttle.attempt(addr, time.time())   # counted now: a burst cannot outrun the count
    if wait > 0:
        log.warning("login from %s refused: too many failed logins (retry in %.0f s)", addr, wait)
        resp = _login_page(request, nxt, f"Too many failed logins. Try again in {int(wait) + 1} seconds.", 429)
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    stored = await run(request, settings.get, s.db, "ui.password")
    ok = auth.same(secret, request.app[api_key_key])
    if not ok and stored:
        # PBKDF2 takes a core for a tenth of a second: off the loop, and a few at a time
        async with guard.hashing:
            ok = await run(request, settings.check_password, secret, stored)
    if not ok:
        log.warning("failed login from %s", addr)
        # the form again with a message (a 401 here would only add a console error in the browser)
        return _login_page(request, nxt, "Wrong key or password.")
    guard.throttle.succeeded(addr)
    resp = web.HTTPFound(nxt)
    sid = await run(request, request.app[session_book_key].open, s.db, auth.SESSION_TTL)
    resp.set_cookie(auth.SESSION_COOKIE, auth.make_session(request.app[session_secret_key], sid), httponly=True,
                    samesite="Lax", max_age=auth.SESSION_TTL, path="/",
                    secure=came_over_https(request, request.app[ratelimit_key].trusted))
    raise resp


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    form = await form_body(request)
    secret = request.app[session_secret_key]
    cookie = request.cookies.get(auth.SESSION_COOKIE, "")
    sid = auth.session_id(secret, cookie)
    if sid is not None:
        # a cross-site form must not end the user's session: the page's CSRF token is required
        if not auth.same(str(form.get("csrf", "")), auth.csrf_token(secret, cookie)):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        await run(request, request.app[session_book_key].close, request.app[services_key].db, sid)
        await request.app[hub_key].end_sessions({sid})
    resp = web.HTTPFound("/login")
    resp.del_cookie(auth.SESSION_COOKIE, path="/")
    raise resp


# ------------------------------------------------------------------ pages

@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    s = request.app[services_key]

    def q():
        st = store.stats(s.db, time.time())
        acts, _ = activity.list_entries(15, 0)
        counts = {"movies": Movie.select().where(Movie.deleted_at.is_null(True)).count(),
                  "series": Series.select().where(Series.deleted_at.is_null(True)).count(),
                  "artists": ArtistRow.select().where(ArtistRow.deleted_at.is_null(True)).count()}
        from metarr import attention
        from metarr.enrichment import refresh
        return (st, acts, counts, ping(s.db), refresh.status(),
                attention.needs_attention(s.db, set(s.config.provider_keys)))
    st, acts, counts, db_ok, freshness, needs = await run(request, q)
    components = {"database": {"status": "ok" if db_ok else "error", "detail": "sqlite" if s.config.is_sqlite else "postgresql"}}
    for name in ("watcher", "gateway", "syncer"):
        actor = s.actor(name)
        if actor is None or not hasattr(actor, "status"):
            continue
        try:
            got = await request.app[bridge_key].ask(lambda a=actor: a.status(), timeout=5)
            detail = ", ".join(f"{k}: {v.get('state', v.get('mode', ''))}" for k, v in
                               (got.get("providers") or got.get("libraries") or {}).items())
            components[name] = {"status": got.get("status", "ok"), "detail": detail}
        except Exception as e:  # a slow component must not break the page
            components[name] = {"status": "error", "detail": str(e)}
    return render("dashboard.html", request, "/", title="Dashboard", stats=vars(st), activity=acts,
                  counts=counts, components=components, freshness=freshness, needs=needs)


@routes.get("/libraries")
async def libraries_page(request: web.Request) -> web.Response:
    s = request.app[services_key]
    libs = await run(request, lambda: [library_json(x) for x in Library.select().order_by(Library.id)])
    watcher = {}
    if s.actor("watcher") is not None:
        try:
            watcher = (await request.app[bridge_key].ask(lambda: s.actor("watcher").status(), timeout=5))["libraries"]
        except Exception:
            watcher = {}
    return render("libraries.html", request, "/libraries", title="Libraries", libraries=libs, watcher=watcher)


LIST_PAGES = {"/movies": ("movie", "Movies"), "/series": ("series", "TV shows"), "/music": ("artist", "Music")}


async def list_page(request: web.Request) -> web.Response:
    path = request.path.rstrip("/") or "/"
    kind, title = LIST_PAGES[path]
    q = (request.query.get("q") or "")[:200]
    state = request.query.get("state") or None
    if state not in (None, "discovered", "identified", "enriched", "published", "ambiguous", "unidentified"):
        state = None
    default_sort = "name" if kind == "artist" else "title"
    sort = request.query.get("sort") or default_sort
    if sort.lstrip("-") not in browse.SORTS[kind]:
        sort = default_sort
    try:
        offset = max(0, int(request.query.get("offset", "0")))
    except ValueError:
        offset = 0
    limit = 48
    filters = {"state": state} if state else {}
    items, total = await run(request, lambda: browse.list_entities(kind, limit=limit, offset=offset, q=q or None,
                                                                    sort=sort, **filters))
    for it in items:
        it.setdefault("title", it.get("name"))
    sorts = [(k, k) for k in browse.SORTS[kind]] + [(f"-{k}", f"{k} (desc)") for k in browse.SORTS[kind]]
    base = {"movie": "/movies", "series": "/series", "artist": "/artists"}[kind]
    return render("media_list.html", request, path, title=title, items=items, total=total, q=q, state=state or "",
                  sort=sort, sorts=sorts, offset=offset, limit=limit, base=base)


for _p in LIST_PAGES:
    routes.get(_p)(list_page)


def _fields(kind: str, d: dict) -> list[dict]:
    out = []
    for name in md.SCALARS[kind]:
        st = d["locks"].get(name, {})
        out.append({"name": name, "key": name, "label": LABELS.get(name, name), "value": d.get(name),
                    "kind": "text" if name in TEXT_FIELDS else ("int" if name in INT_FIELDS else "str"),
                    "locked": st.get("locked", False), "source": st.get("source")})
    for name in md.LISTS[kind]:
        st = d["locks"].get(f"list:{name}", {})
        out.append({"name": name, "key": f"list:{name}", "label": name.capitalize(), "value": d.get(name) or [],
                    "kind": "list", "locked": st.get("locked", False), "source": st.get("source")})
    return out


SLOTS = {"movie": ("poster", "fanart", "clearlogo", "clearart", "banner", "discart", "landscape", "keyart"),
         "series": ("poster", "fanart", "banner", "clearlogo", "clearart", "landscape", "characterart", "keyart"),
         "artist": ("thumb", "fanart", "clearlogo", "banner")}


SEASON_SLOTS = ("poster", "banner", "landscape", "fanart")


def _slots(kind: str, eid: int, names: tuple[str, ...], assets: dict) -> list[dict]:
    """Per artwork slot: what is used, and every candidate with its score in words and why it is not used."""
    rows = AssetCandidate.select().where((AssetCandidate.entity_type == kind) & (AssetCandidate.entity_id == eid)
                                         ).order_by(AssetCandidate.rejected, AssetCandidate.score.desc())
    by: dict[str, list] = {}
    for c in rows:
        by.setdefault(c.slot, []).append({"id": c.id, "url": c.url, "provider": c.provider, "width": c.width,
                                          "height": c.height, "language": c.language, "score": c.score,
                                          "breakdown": c.breakdown, "selected": c.selected, "rejected": c.rejected,
                                          "explained": explain_score(c.score, c.breakdown),
                                          "why": describe_candidate_reason(candidate_reason(c))})
    out = []
    for name in names:
        a = assets.get(name) or {}
        out.append({"name": name, "url": a.get("url"), "source": a.get("source"), "width": a.get("width"),
                    "height": a.get("height"), "candidates": by.get(name, [])})
    return out


async def entity_page(request: web.Request) -> web.Response:
    plural = request.path.strip("/").split("/")[0]
    kind = {"movies": "movie", "series": "series", "artists": "artist"}[plural]
    try:
        eid = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    d = await run(request, browse.detail, kind, eid)
    if d is None:
        raise web.HTTPNotFound()

    slots = await run(request, _slots, kind, eid, SLOTS[kind], d["assets"])
    seasons = []
    if kind == "series":
        def season_slots():
            out = []
            for se in d.get("seasons") or []:
                assets = browse.assets_of("season", se["id"])
                out.append({**se, "label": "Specials" if se["number"] == 0 else f"Season {se['number']}",
                            "api": f"/api/v1/seasons/{se['id']}",
                            "slots": _slots("season", se["id"], SEASON_SLOTS, assets)})
            return out
        seasons = await run(request, season_slots)
    episodes = await run(request, browse.episodes_of, eid) if kind == "series" else []
    api = f"/api/v1/{plural}/{eid}"
    return render("entity.html", request, "/" + ("music" if kind == "artist" else plural), title=d.get("title") or d.get("name"),
                  d=d, fields=_fields(kind, d), slots=slots, api=api, publishable=True, episodes=episodes,
                  seasons=seasons,
                  entity_ref=f"{kind}:{eid}", reason_text=describe_reason(d.get("identify_reason")))


for _p in ("/movies/{id}", "/series/{id}", "/artists/{id}"):
    routes.get(_p)(entity_page)


@routes.get("/jobs")
async def jobs_page(request: web.Request) -> web.Response:
    from ..api.jobs import job_json
    s = request.app[services_key]
    status = request.query.get("status") or ""
    statuses = [status] if status in ("pending", "running", "succeeded", "dead", "cancelled") else None
    rows, _ = await run(request, store.list_jobs, s.db, statuses, None, 100, 0, "-id")
    jobs = [job_json(r) for r in rows]
    labels = await run(request, job_view.subject_labels, [j["subject"] for j in jobs])
    described = [job_view.describe(j, labels) for j in jobs]
    return render("jobs.html", request, "/jobs", title="Jobs", jobs=described, runs=job_view.group_runs(described),
                  status=status)


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
    s = request.app[services_key]
    values = await run(request, settings.get_all, s.db)
    scheds = await run(request, lambda: [{"name": x.name, "job_type": x.job_type, "interval_s": x.interval_s,
                                          "last_run": iso(x.last_run)} for x in Schedule.select().order_by(Schedule.name)])
    providers = {}
    if s.actor("gateway") is not None:
        try:
            providers = (await request.app[bridge_key].ask(lambda: s.actor("gateway").status(), timeout=5))["providers"]
        except Exception:
            providers = {}
    from metarr.service import settings_info
    from metarr.sources import keys as provider_keys
    keys = await run(request, provider_keys.states, s.config.provider_keys, s.db)
    return render("settings.html", request, "/settings", title="Settings", settings=values, schedules=scheds,
                  fields=settings_info.fields(values), keys=keys,
                  providers=providers)


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


# ------------------------------------------------------------------ folder browser

@routes.get("/ui/browse")
async def browse_dirs(request: web.Request) -> web.Response:
    """Sub-directories of a folder, confined to the allowed roots (setting `ui.browse_roots`)."""
    from ..envelope import ApiError, ok
    s = request.app[services_key]
    def allowed():
        libs = [lib.path for lib in Library.select(Library.path)]
        return browse_roots(settings.get(s.db, "ui.browse_roots") or [], libs, os.path.expanduser("~"))
    roots = [os.path.realpath(r) for r in await run(request, allowed)]
    if not roots:
        raise ApiError(403, "forbidden", "no folder to browse: set ui.browse_roots")
    if not request.query.get("path") and len(roots) > 1:
        # several starting points: offer them as the first listing
        return ok({"path": "", "parent": None, "dirs": [{"name": r, "path": r} for r in roots]})
    want = request.query.get("path") or roots[0]
    real = os.path.realpath(want)
    if not any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots):
        raise ApiError(403, "forbidden", "outside the folders you may browse")

    def listing():
        try:
            with os.scandir(real) as it:
                dirs = sorted((e.name for e in it if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")),
                              key=str.lower)
        except OSError as e:
            raise ApiError(400, "bad_request", f"cannot list {real}: {e.strerror}") from None
        return [{"name": n, "path": os.path.join(real, n)} for n in dirs[:500]]
    dirs = await request.app[bridge_key].run(listing)
    return ok({"path": real, "parent": os.path.dirname(real) if real not in roots else None, "dirs": dirs})
