"""The provider seam: a source declared once in metarr/sources/registry.py is known to the
configuration, the gateway's endpoints and limits, scoring, enrichment and the connection test."""
from metarr.config import load_config
from metarr.sources import registry
from metarr.sources.http import Endpoint, Request
from metarr.sources.models import Art
from metarr.sources.ratelimit import Limits
from metarr.sources.registry import parse_limits


def posterdb_art(call, ids):
    return [Art("posterdb", "poster", f"https://img.example/{ids['tmdb']}.jpg", 1000, 1500)] if ids.get("tmdb") else []


POSTERDB = registry.Source(
    "posterdb", "PosterDB", "METARR_POSTERDB_URL", "https://api.posterdb.example/v1", "METARR_POSTERDB_API_KEY",
    Limits(3.0, 3, 2), 7, Request("posterdb", "/ping", cache_ttl=0),
    lambda url, key: Endpoint(url, headers={"X-Key": key or ""}), art={"movie": posterdb_art})


def test_a_new_source_is_one_declaration(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES, POSTERDB))
    config = load_config({"METARR_DATA_DIR": str(tmp_path), "METARR_POSTERDB_API_KEY": "k1"})
    assert config.provider_urls["posterdb"] == "https://api.posterdb.example/v1"
    assert config.provider_keys["posterdb"] == "k1"
    eps = registry.endpoints(config.provider_urls, config.provider_keys)
    assert eps["posterdb"].headers == {"X-Key": "k1"}
    assert registry.default_limits()["posterdb"] == Limits(3.0, 3, 2)
    assert parse_limits("posterdb=5")["posterdb"] == Limits(5.0, 3, 2)
    assert registry.trust()["posterdb"] == 7
    assert registry.get("posterdb").probe.path == "/ping"
    assert [name for name, _ in registry.art_fetchers("movie")] == ["fanart", "posterdb"]


def test_a_source_that_needs_a_key_is_not_asked_without_one(tmp_path):
    config = load_config({"METARR_DATA_DIR": str(tmp_path)})
    eps = registry.endpoints(config.provider_urls, config.provider_keys)
    assert sorted(eps) == ["coverart", "musicbrainz"]        # keyless sources only
    config = load_config({"METARR_DATA_DIR": str(tmp_path), "METARR_TMDB_API_KEY": "abc"})
    assert registry.endpoints(config.provider_urls, config.provider_keys)["tmdb"].params == {"api_key": "abc"}
