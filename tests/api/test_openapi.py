"""The OpenAPI document matches the router both ways, and is a valid OpenAPI 3 document."""
from __future__ import annotations

import re

from web.openapi import api_routes

PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def _registered(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every route the router serves under /api/ and /metrics (HEAD aside)."""
    out = set()
    for resource in app.router.resources():
        canonical = resource.canonical
        if not (canonical.startswith("/api/") or canonical == "/metrics"):
            continue
        path = PARAM.sub(lambda m: "{" + m.group(1) + "}", canonical)
        for route in resource:
            if route.method == "HEAD":
                continue
            methods = ("POST", "PUT") if route.method == "*" else (route.method,)
            out |= {(m, path) for m in methods}
    return out


async def test_document_and_router_agree(api):
    r = await api.get("/api/v1/openapi.json")
    assert r.status == 200 and r.content_type == "application/json"
    doc = await r.json()
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    registered = _registered(api.app)
    assert registered - documented == set(), "routes missing from the OpenAPI document"
    assert documented - registered == set(), "documented operations that no route serves"
    # the spec's resources are all there
    for path in ("/api/v1/health", "/api/v1/status", "/api/v1/libraries", "/api/v1/libraries/{id}/{phase}",
                 "/api/v1/movies", "/api/v1/movies/{id}", "/api/v1/series/{id}/episodes", "/api/v1/artists",
                 "/api/v1/albums", "/api/v1/jobs", "/api/v1/jobs/stats", "/api/v1/jobs/{id}/retry",
                 "/api/v1/recycle-bin", "/api/v1/recycle-bin/{id}/restore", "/api/v1/path-mappings",
                 "/api/v1/webhooks/{source}", "/api/v1/ws", "/api/v1/openapi.json", "/api/v1/players",
                 "/api/v1/settings", "/api/v1/activity", "/api/v1/{kind}/{id}/candidates", "/metrics",
                 "/api/v1/schedules", "/api/v1/schedules/{name}", "/api/v1/schedules/{name}/run"):
        assert path in doc["paths"], path


async def test_every_path_parameter_is_declared(api):
    doc = await (await api.get("/api/v1/openapi.json")).json()
    for path, item in doc["paths"].items():
        names = set(PARAM.findall(path))
        for method, op in item.items():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == names, (method, path)
            assert op["operationId"] and op["responses"]
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


async def test_main_bodies_and_security(api):
    doc = await (await api.get("/api/v1/openapi.json")).json()
    body = doc["paths"]["/api/v1/libraries"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/LibraryCreate"}
    lib = doc["components"]["schemas"]["LibraryCreate"]
    assert set(lib["required"]) == {"name", "kind", "path"} and lib["properties"]["kind"]["enum"] == ["movie", "tv",
                                                                                                    "music"]
    assert doc["paths"]["/api/v1/movies/{id}"]["patch"]["requestBody"]
    assert doc["paths"]["/api/v1/path-mappings"]["post"]["requestBody"]["required"] is True
    assert doc["paths"]["/api/v1/health"]["get"]["security"] == []
    assert doc["security"] == [{"ApiKey": []}, {"Session": []}]
    assert doc["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    listing = {p["name"] for p in doc["paths"]["/api/v1/movies"]["get"]["parameters"]}
    assert {"limit", "offset", "sort", "q"} <= listing


async def test_the_document_needs_the_key(api):
    r = await api.get("/api/v1/openapi.json", headers={"X-Api-Key": ""})
    assert r.status == 401


async def test_document_is_valid_openapi(api):
    import pytest
    schemathesis = pytest.importorskip("schemathesis")
    doc = await (await api.get("/api/v1/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(doc)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) == len({(m, p) for p, item in doc["paths"].items() for m in item})


def test_a_new_route_shows_up_undescribed():
    """A route nobody described still lands in the document, with its path parameters."""
    from aiohttp import web

    from web.openapi import build

    async def handler(request):
        """Frobnicate a widget."""
        return web.Response()
    app = web.Application()
    app.router.add_post("/api/v1/widgets/{wid}/frob", handler)
    app.router.add_get("/not-api", handler)
    doc = build(app)
    assert list(doc["paths"]) == ["/api/v1/widgets/{wid}/frob"]
    op = doc["paths"]["/api/v1/widgets/{wid}/frob"]["post"]
    assert op["summary"] == "Frobnicate a widget." and op["parameters"][0]["name"] == "wid"
    assert api_routes(app) == {"/api/v1/widgets/{wid}/frob": {"post": handler}}
