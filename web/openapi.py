"""The OpenAPI 3 document at `GET /api/v1/openapi.json`, generated from the app's router.

Paths and methods come from the routes actually registered (every `/api/…` resource plus
`/metrics`), so a new route can never be missing from the document: it appears with its path
parameters and the envelope even before anyone describes it here. What the router cannot know is
written by hand below: summaries, query parameters, the request bodies of the main writes, and the
shape of path parameters (ids are positive integers, `{kind}` is one of the entity plurals, …).
`tests/api/test_openapi.py` checks that the document and the router agree both ways.

The document needs the API key like the rest of the API (only `/api/v1/health` is public): it
reveals nothing secret, but keeping one rule (“everything but health needs the key”) is simpler
to audit than a list of public exceptions.
"""
from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from metarr.library.player_names import READERS
from metarr.players import kinds as player_kinds

routes = web.RouteTableDef()
VERSION = "0.1.0"
PARAM_RE = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
METHODS = ("get", "put", "post", "delete", "patch")
ANY_METHOD = {"/api/v1/webhooks/{source}": ("post", "put")}   # routes registered for "*"

PLURALS = ["movies", "series", "seasons", "episodes", "artists", "albums", "collections"]
SLOTS = ["poster", "fanart", "banner", "clearlogo", "clearart", "discart", "landscape", "keyart", "characterart",
         "thumb"]


# the player kinds that read a library
_PLAYERS = {"type": "array", "minItems": 1, "uniqueItems": True, "default": ["kodi"],
            "items": {"type": "string", "enum": list(READERS)}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# ------------------------------------------------------------------ hand-written schemas

# a library's fallback languages (ISO 639-1 codes, or "original" = the item's own language) and
# its certification country (ISO 3166-1; null = the setting enrich.certification_country)
_LANGS = {"type": "array", "maxItems": 10, "default": ["en"], "items": {"type": "string", "maxLength": 16}}
_COUNTRY = {"type": "string", "nullable": True, "maxLength": 2}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["success", "error"],
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "error": {"type": "object", "required": ["code", "message"],
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                     "details": {}}}}},
    "Meta": {"type": "object", "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"},
                                              "offset": {"type": "integer"},
                                              "total_estimated": {"type": "boolean"},
                                              "next_cursor": {"type": "string", "nullable": True}},
             "additionalProperties": True},
    "Envelope": {
        "type": "object", "required": ["success", "data"],
        "properties": {"success": {"type": "boolean", "enum": [True]}, "data": {}, "meta": _ref("Meta")}},
    "LibraryCreate": {
        "type": "object", "required": ["name", "kind", "path"],
        "properties": {"name": {"type": "string", "maxLength": 200}, "kind": {"type": "string",
                                                                               "enum": ["movie", "tv", "music"]},
                       "path": {"type": "string", "maxLength": 4096}, "watch": {"type": "boolean", "default": True},
                       "auto_enrich": {"type": "boolean", "default": True},
                       "auto_publish": {"type": "boolean", "default": False},
                       "auto_sync": {"type": "boolean", "default": True},
                       "language": {"type": "string", "maxLength": 16, "default": "en"},
                       "fallback_languages": _LANGS, "certification_country": _COUNTRY, "players": _PLAYERS}},
    "LibraryUpdate": {
        "type": "object", "additionalProperties": False,
        "properties": {"name": {"type": "string"}, "language": {"type": "string"}, "enabled": {"type": "boolean"},
                       "watch": {"type": "boolean"}, "auto_enrich": {"type": "boolean"},
                       "auto_publish": {"type": "boolean"}, "auto_sync": {"type": "boolean"},
                       "fallback_languages": _LANGS, "certification_country": _COUNTRY,
                       "ignore_patterns": {"type": "array", "items": {"type": "string"}},
                       "players": _PLAYERS}},
    "EntityEdit": {
        "type": "object", "minProperties": 1,
        "description": "Fields of the entity to change (title, plot, year, genres, cast, …); each edited field "
                       "is locked against enrichment. Unknown fields are refused with 400. A series also takes "
                       "`episode_order` (see POST /series/{id}/episode_order/apply).",
        "additionalProperties": True},
    "Lock": {"type": "object", "required": ["locked"], "properties": {"locked": {"type": "boolean"}}},
    "EpisodeOrder": {
        "type": "object", "required": ["order"],
        "properties": {"order": {"type": "string", "description": "aired | dvd | absolute | tvdb:<season type> "
                                 "(official, dvd, absolute, alternate, regional, altdvd) | tmdb-group:<group id>"}}},
    "Trigger": {"type": "object", "properties": {"force": {"type": "boolean"}}},
    "IdentifyPick": {
        "type": "object", "required": ["provider", "id"],
        "properties": {"provider": {"type": "string", "enum": ["tmdb", "tvdb", "musicbrainz"]},
                       "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}},
    "Restore": {"type": "object", "properties": {"overwrite": {"type": "boolean", "default": False}}},
    "PathMappingCreate": {
        "type": "object", "required": ["scope", "from", "to"],
        "properties": {"scope": {"type": "string", "pattern": r"^(radarr|sonarr|lidarr|player:\d+|group:\d+)$"},
                       "from": {"type": "string", "minLength": 1, "maxLength": 4096},
                       "to": {"type": "string", "minLength": 1, "maxLength": 4096}}},
    "PlayerCreate": {
        "type": "object", "required": ["name", "kind", "url"],
        "properties": {"name": {"type": "string", "maxLength": 100}, "kind": {"type": "string",
                                                                               "enum": list(player_kinds.names())},
                       "url": {"type": "string", "format": "uri", "maxLength": 2048},
                       "username": {"type": "string", "maxLength": 100},
                       "password": {"type": "string", "maxLength": 1024, "writeOnly": True},
                       "token": {"type": "string", "maxLength": 1024, "writeOnly": True},
                       "group_id": {"type": "integer", "nullable": True}, "enabled": {"type": "boolean"},
                       "options": _ref("PlayerOptions")}},
    "PlayerUpdate": {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 100}, "kind": {"type": "string",
                                                                               "enum": list(player_kinds.names())},
                       "url": {"type": "string", "maxLength": 2048}, "username": {"type": "string"},
                       "password": {"type": "string", "writeOnly": True}, "token": {"type": "string", "writeOnly": True},
                       "group_id": {"type": "integer", "nullable": True}, "enabled": {"type": "boolean"},
                       "options": _ref("PlayerOptions")}},
    "PlayerOptions": {
        "type": "object", "additionalProperties": False, "nullable": True,
        "properties": {"skip_when_playing": {"type": "boolean"},
                       "when_playing": {"type": "string", "enum": ["defer", "skip"]},
                       "order": {"type": "integer", "minimum": 0, "maximum": 1000},
                       "timeout": {"type": "number", "minimum": 1, "maximum": 60}}},
    "PlayerGroup": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}}},
    "TestPath": {"type": "object", "required": ["path"], "properties": {"path": {"type": "string", "minLength": 1}}},
    "SyncNow": {"type": "object", "properties": {"library_id": {"type": "integer"}}},
    "PublishDryRunSummary": {
        "type": "object",
        "description": "The result of a publish.dry_run job (GET /api/v1/jobs/{id} → data.result), from "
                       "POST /api/v1/libraries/{id}/publish?dry_run=true. Nothing was written.",
        "properties": {
            "library_id": {"type": "integer"}, "dry_run": {"type": "boolean", "enum": [True]},
            "items": {"type": "integer", "description": "items a library publish would queue"},
            "changed": {"type": "integer"}, "unchanged": {"type": "integer"},
            "nothing_to_do": {"type": "boolean"},
            "skipped": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "unidentified (nothing is published for them), gone"},
            "errors": {"type": "integer"},
            "files": {"type": "object", "description": "per operation (write, replace, recycle_replace, remove) "
                      "the number of files per kind (nfo, poster, fanart, actor, …)",
                      "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}},
            "totals": {"type": "object", "additionalProperties": {"type": "integer"},
                       "description": "files per operation, and `recycle`: files that would go to the recycle bin"},
            "samples": {"type": "array", "description": "the first `samples` changed items: their changes with "
                        "paths relative to `root`, and NFO diffs",
                        "items": {"type": "object", "properties": {
                            "entity_type": {"type": "string"}, "entity_id": {"type": "integer"},
                            "root": {"type": "string"},
                            "changes": {"type": "array", "items": {"type": "object", "properties": {
                                "op": {"type": "string"}, "path": {"type": "string"}, "kind": {"type": "string"},
                                "reason": {"type": "string"}}}},
                            "nfo_diff": {"type": "object", "additionalProperties": {"type": "string"}}}}},
            "samples_truncated": {"type": "boolean"},
            "error_samples": {"type": "array", "items": {"type": "object"}}}},
    "Settings": {"type": "object", "additionalProperties": True,
                 "description": "Setting keys (see GET /api/v1/settings) and their new values; unknown keys "
                                "and wrong types are refused with 400. `api.rate_limit_per_minute` (0 = off) "
                                "sets the per-client rate limit."},
    "ScheduleChange": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "description": "A schedule's interval and whether it runs; turning it off withdraws its waiting job.",
        "properties": {"interval_s": {"type": "integer", "minimum": 60, "maximum": 366 * 86400},
                       "enabled": {"type": "boolean"}}},
    "Batch": {
        "type": "object", "required": ["action"],
        "description": "`ids` or `filter` (the list's query parameters as an object), the action and its "
                       "parameters: lock/unlock `fields`; set `field` with `value` (or `add`/`remove` for a "
                       "list); reject_artwork `slot`; enrich `force`; identify `take_best` (an ambiguous "
                       "item takes its top-scored candidate, locked as a pick).",
        "properties": {"ids": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                       "filter": {"type": "object", "additionalProperties": True},
                       "action": {"type": "string", "enum": ["enrich", "publish", "identify", "lock", "unlock",
                                                             "set", "reject_artwork", "apply_mappings"]},
                       "fields": {"type": "array", "items": {"type": "string"}}, "field": {"type": "string"},
                       "value": {}, "add": {"type": "array", "items": {"type": "string"}},
                       "remove": {"type": "array", "items": {"type": "string"}}, "slot": {"type": "string"},
                       "force": {"type": "boolean"}, "take_best": {"type": "boolean"}}},
    "ProviderUpdate": {"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}},
    "WebhookPayload": {"type": "object", "required": ["eventType"], "additionalProperties": True,
                       "properties": {"eventType": {"type": "string"}},
                       "description": "The payload Radarr / Sonarr / Lidarr send (Test, Grab, Download, Rename, …)."},
}

# (method, path) → request body schema name (JSON unless said otherwise), required?
BODIES: dict[tuple[str, str], tuple[str, bool]] = {
    ("post", "/api/v1/libraries"): ("LibraryCreate", True),
    ("patch", "/api/v1/libraries/{id}"): ("LibraryUpdate", True),
    ("post", "/api/v1/path-mappings"): ("PathMappingCreate", True),
    ("post", "/api/v1/players"): ("PlayerCreate", True),
    ("patch", "/api/v1/players/{id}"): ("PlayerUpdate", True),
    ("post", "/api/v1/players/{id}/test-path"): ("TestPath", True),
    ("post", "/api/v1/players/sync"): ("SyncNow", False),
    ("post", "/api/v1/player-groups"): ("PlayerGroup", True),
    ("patch", "/api/v1/player-groups/{id}"): ("PlayerGroup", True),
    ("put", "/api/v1/settings"): ("Settings", True),
    ("patch", "/api/v1/settings"): ("Settings", True),
    ("post", "/api/v1/{kind}/{id}/identify"): ("IdentifyPick", True),
    ("post", "/api/v1/series/{id}/episode_order/apply"): ("EpisodeOrder", True),
    ("post", "/api/v1/recycle-bin/{id}/restore"): ("Restore", False),
    ("patch", "/api/v1/providers/{name}"): ("ProviderUpdate", True),
    ("patch", "/api/v1/schedules/{name}"): ("ScheduleChange", True),
    ("post", "/api/v1/webhooks/{source}"): ("WebhookPayload", True),
    ("put", "/api/v1/webhooks/{source}"): ("WebhookPayload", True),
}
for _p in ("movies", "series", "artists", "albums"):
    BODIES[("post", f"/api/v1/{_p}/batch")] = ("Batch", True)
for _p in PLURALS:
    BODIES[("patch", f"/api/v1/{_p}/{{id}}")] = ("EntityEdit", True)
    BODIES[("put", f"/api/v1/{_p}/{{id}}/locks/{{field}}")] = ("Lock", True)
    BODIES[("post", f"/api/v1/{_p}/{{id}}/{{action}}")] = ("Trigger", False)


def _q(name: str, schema: dict, description: str = "") -> dict:
    out = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        out["description"] = description
    return out


PAGING = [_q("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
          _q("offset", {"type": "integer", "minimum": 0, "default": 0})]
MEDIA_FILTERS = [
    _q("q", {"type": "string", "maxLength": 200}, "substring of the title (name for artists); accents folded"),
    _q("after", {"type": "string", "maxLength": 2000}, "meta.next_cursor of the previous page (same sort and "
       "filters): the next page, as fast deep in the list as at its start; not with offset"),
    _q("sort", {"type": "string"}, "title|year|added|id (name for artists); prefix - for descending"),
    _q("library_id", {"type": "integer", "minimum": 0}), _q("year", {"type": "integer", "minimum": 0}),
    _q("state", {"type": "string", "enum": ["discovered", "identified", "enriched", "published", "ambiguous",
                                            "unidentified"]}),
    _q("genre", {"type": "string"}, "repeat for several"), _q("tag", {"type": "string"}),
    _q("missing", {"type": "string"}, "comma list of artwork slots: items without an image in any of them"),
    _q("locked", {"type": "boolean"}), _q("published", {"type": "boolean"}), _q("publish_pending", {"type": "boolean"}),
    _q("resolution", {"type": "string"}, "comma list: 2160, 1080, 720, 576, 480"),
    _q("hdr", {"type": "string"}, "true, false, or a comma list of hdr10, hdr10plus, hlg, dolbyvision"),
    _q("video_codec", {"type": "string"}), _q("audio_channels", {"type": "integer", "minimum": 1, "maximum": 32}),
    _q("audio_channels_min", {"type": "integer", "minimum": 1, "maximum": 32}),
    _q("subtitle", {"type": "string"}, "comma list of language codes"), _q("duplicates", {"type": "boolean"}),
    _q("added_days", {"type": "integer", "minimum": 1, "maximum": 36500}),
    _q("year_min", {"type": "integer", "minimum": 0}), _q("year_max", {"type": "integer", "minimum": 0}),
    _q("certification", {"type": "string"}),
    _q("deleted", {"type": "string", "enum": ["true", "1"]}, "list soft-deleted items instead"),
]
QUERIES: dict[tuple[str, str], list[dict]] = {
    ("get", "/api/v1/jobs"): [*PAGING, _q("status", {"type": "string"}, "comma list: pending,running,succeeded,dead,cancelled"),
                              _q("type", {"type": "string"}, "comma list of job types"),
                              _q("sort", {"type": "string", "enum": ["id", "-id", "priority", "run_after", "-created_at",
                                                                     "created_at", "-finished_at"]}),
                              _q("library_id", {"type": "integer"}),
                              _q("after", {"type": "string", "maxLength": 2000}, "meta.next_cursor of the previous "
                                 "page (same sort, -id or id, and filters): the next page, as fast deep in the "
                                 "history as at its start; not with offset")],
    ("get", "/api/v1/recycle-bin"): [*PAGING, _q("state", {"type": "string", "enum": ["present", "restored", "all"]}),
                                     _q("q", {"type": "string"})],
    ("get", "/api/v1/activity"): [*PAGING, _q("level", {"type": "string", "enum": ["info", "warning", "error"]}),
                                  _q("kind", {"type": "string"})],
    ("get", "/api/v1/path-mappings"): [*PAGING, _q("scope", {"type": "string"})],
    ("get", "/api/v1/series/{id}/episodes"): [_q("season", {"type": "integer", "minimum": -1})],
    ("get", "/api/v1/series/{id}/episode_order/preview"): [
        _q("order", {"type": "string"}, "aired | dvd | absolute | tvdb:<season type> | tmdb-group:<group id>")],
    ("get", "/api/v1/{kind}/{id}/identify"): [_q("q", {"type": "string"}), _q("year", {"type": "integer",
                                                                                       "minimum": 0, "maximum": 3000})],
    ("get", "/api/v1/{kind}/{id}/candidates"): [_q("slot", {"type": "string"})],
    ("get", "/api/v1/assets/{sha}"): [_q("size", {"type": "integer", "enum": [150, 300, 600]})],
    ("post", "/api/v1/recycle-bin/purge"): [_q("older_than_days", {"type": "integer", "minimum": 0,
                                                                   "maximum": 36500})],
    ("get", "/api/v1/ws"): [_q("apikey", {"type": "string"}, "the API key, for clients that cannot set headers")],
}
for _path in ("/api/v1/libraries", "/api/v1/webhook-events", "/api/v1/players", "/api/v1/player-groups"):
    QUERIES[("get", _path)] = list(PAGING)
for _p in ("movies", "series", "artists", "albums"):
    QUERIES[("get", f"/api/v1/{_p}")] = [*PAGING, *MEDIA_FILTERS,
                                         *([_q("artist_id", {"type": "integer", "minimum": 0})] if _p == "albums" else [])]
    QUERIES[("post", f"/api/v1/{_p}/{{id}}/{{action}}")] = [
        _q("dry_run", {"type": "string", "enum": ["true", "1"]}, "publish only: answer 200 with the plan")]
QUERIES[("get", "/api/v1/collections")] = [
    *PAGING, _q("q", {"type": "string", "maxLength": 200}, "substring of the name"),
    _q("empty", {"type": "string", "enum": ["true", "1"]}, "also collections with no movie left")]
QUERIES[("post", "/api/v1/collections/{id}/{action}")] = [
    _q("dry_run", {"type": "string", "enum": ["true", "1"]}, "publish only: answer 200 with the plan")]
QUERIES[("post", "/api/v1/libraries/{id}/{phase}")] = [
    _q("dry_run", {"type": "string", "enum": ["true", "1"]},
       "publish only: plan every item without writing; 202 with the job (a publish.dry_run, progress in "
       "job.progress events) whose result is a PublishDryRunSummary"),
    _q("samples", {"type": "integer", "minimum": 0, "maximum": 1000, "default": 50},
       "dry_run only: how many changed items to list in full")]
for _m in ("post", "put"):
    QUERIES[(_m, "/api/v1/webhooks/{source}")] = [_q("apikey", {"type": "string"})]


def _path_param(name: str, path: str) -> dict:
    schema: dict[str, Any] = {"type": "string"}
    if name in ("id", "cid"):
        schema = {"type": "integer", "minimum": 1}
    elif name == "kind":
        schema = {"type": "string", "enum": PLURALS}
    elif name == "action":
        schema = {"type": "string", "enum": ["select", "reject"] if "/candidates/" in path else ["enrich", "publish"]}
    elif name == "phase":
        schema = {"type": "string", "enum": ["scan", "enrich", "publish", "verify"]}
    elif name == "slot":
        schema = {"type": "string", "enum": SLOTS}
    elif name == "sha":
        schema = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
    elif name == "source":
        schema = {"type": "string", "enum": ["radarr", "sonarr", "lidarr"]}
    elif name == "name" and path.startswith("/api/v1/providers/"):
        schema = {"type": "string", "enum": ["tmdb", "tvdb", "fanart", "musicbrainz", "coverart", "omdb"]}
    elif name == "name" and path.startswith("/api/v1/schedules/"):
        schema = {"type": "string", "maxLength": 64, "description": "a schedule's name, e.g. refresh-changes-tmdb "
                                                                    "(GET /api/v1/schedules lists them)"}
    elif name == "field":
        schema = {"type": "string", "description": "a lockable field (title, plot, …) or art:<slot>"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _responses(method: str, path: str) -> dict:
    env = {"application/json": {"schema": _ref("Envelope")}}
    err = {"application/json": {"schema": _ref("Error")}}
    out: dict[str, Any] = {}
    if path == "/metrics":
        out["200"] = {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}
    elif path == "/api/v1/assets/{sha}":
        out["200"] = {"description": "image bytes", "content": {"image/*": {"schema": {"type": "string",
                                                                                       "format": "binary"}}}}
        out["304"] = {"description": "not modified (ETag)"}
    elif path == "/api/v1/ws":
        out["101"] = {"description": "websocket upgrade; JSON messages {type, ts, data}"}
        out["200"] = {"description": "not an upgrade request", "content": env}
    else:
        out["200"] = {"description": "success", "content": env}
        if method == "post":
            out["201"] = {"description": "created", "content": env}
            out["202"] = {"description": "accepted (a job was queued)", "content": env}
    for code, desc in (("400", "bad input"), ("401", "missing or wrong API key"), ("403", "CSRF token missing"),
                       ("404", "not found"), ("405", "method not allowed"), ("409", "conflict"),
                       ("413", "body too large"), ("422", "unprocessable (e.g. an image refused)"),
                       ("429", "rate limited (see Retry-After)"), ("501", "not implemented"),
                       ("502", "provider error"), ("503", "unavailable"), ("504", "timeout")):
        out[code] = {"description": desc, "content": err}
    if path == "/api/v1/health":
        out = {"200": out["200"], "503": {"description": "the database cannot be reached or written, the data "
                                                         "dir cannot be written, or the job ledger is not running "
                                                         "(the reasons in error.message and error.details.problems)",
                                          "content": err}}
    return out


def _summary(handler) -> str:
    doc = (getattr(handler, "__doc__", None) or "").strip()
    if doc:
        return doc.splitlines()[0].strip()
    return getattr(handler, "__name__", "").replace("_", " ")


def api_routes(app: web.Application) -> dict[str, dict[str, Any]]:
    """{openapi path: {method (lower case): handler}} for every route the router serves under /api/ and
    /metrics (HEAD, added by aiohttp beside GET, is left out)."""
    out: dict[str, dict[str, Any]] = {}
    for resource in app.router.resources():
        canonical = resource.canonical
        if not (canonical.startswith("/api/") or canonical == "/metrics"):
            continue
        path = PARAM_RE.sub(lambda m: "{" + m.group(1) + "}", canonical)
        for route in resource:
            method = route.method.lower()
            if method == "head":
                continue
            methods = ANY_METHOD.get(path, METHODS) if method == "*" else (method,)
            for m in methods:
                out.setdefault(path, {})[m] = route.handler
    return out


def build(app: web.Application, server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in sorted(api_routes(app).items()):
        names = PARAM_RE.findall(path)
        item: dict[str, Any] = {}
        for method, handler in sorted(methods.items()):
            op: dict[str, Any] = {
                "operationId": method + "_" + re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_"),
                "summary": _summary(handler),
                "tags": [path.split("/")[3] if path.startswith("/api/v1/") else "metrics"],
                "parameters": [_path_param(n, path) for n in names] + QUERIES.get((method, path), []),
                "responses": _responses(method, path),
            }
            body = BODIES.get((method, path))
            if body is not None:
                op["requestBody"] = {"required": body[1], "content": {"application/json": {"schema": _ref(body[0])}}}
            elif path == "/api/v1/{kind}/{id}/artwork/{slot}":
                op["requestBody"] = {"required": True, "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                        "file": {"type": "string", "format": "binary"}}}}}}
            if path == "/api/v1/health":
                op["security"] = []
            elif path.startswith("/api/v1/webhooks/"):
                op["security"] = [{"ApiKey": []}, {"ApiKeyQuery": []}, {"Basic": []}]
            elif path == "/api/v1/ws":
                op["security"] = [{"ApiKey": []}, {"ApiKeyQuery": []}, {"Session": []}]
            item[method] = op
        paths[path] = item
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Metarr API", "version": VERSION,
                 "description": "Every response uses the envelope {success, data, meta} / {success: false, error}. "
                                "Authenticate with the X-Api-Key header (the UI uses a session cookie plus "
                                "X-CSRF-Token on writes). Rate limited per client (setting "
                                "api.rate_limit_per_minute): 429 with Retry-After."},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "apikey",
                                "description": "only on the webhook and websocket endpoints"},
                "Session": {"type": "apiKey", "in": "cookie", "name": "metarr_session"},
                "Basic": {"type": "http", "scheme": "basic", "description": "webhooks: the API key as password"},
            }},
        "security": [{"ApiKey": []}, {"Session": []}],
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


@routes.get("/api/v1/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3 document of this API (generated from the router)."""
    # the document itself, not wrapped in the envelope: OpenAPI tools read it as is (a few ms to build)
    return web.json_response(build(request.app))
