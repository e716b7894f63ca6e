"""Environment configuration: provider limits and clear errors for unusable values."""
from __future__ import annotations

import pytest

from metarr.config import ConfigError, load_config
from metarr.sources.ratelimit import Limits
from metarr.sources.registry import default_limits, parse_limits

DEFAULT_LIMITS = default_limits()


def test_provider_limits_override_only_what_is_given():
    limits = parse_limits("tmdb=38/1/12, fanart=2")
    assert limits["tmdb"] == Limits(38.0, 1, 12)
    assert limits["fanart"] == Limits(2.0, DEFAULT_LIMITS["fanart"].burst, DEFAULT_LIMITS["fanart"].concurrency)
    assert "tvdb" not in limits
    assert parse_limits("") == {}


@pytest.mark.parametrize("text, words", [
    ("imdb=5", "unknown provider 'imdb'"),
    ("tmdb=fast", "not name=rps"),
    ("tmdb=0", "rps > 0"),
    ("tmdb=5/0", "burst >= 1"),
    ("tmdb=5/1/1/1", "needs"),
])
def test_bad_provider_limits_are_refused_with_the_reason(text, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        load_config({"METARR_DATA_DIR": "/tmp/x", "METARR_PROVIDER_LIMITS": text})


def test_bad_numbers_name_the_variable():
    with pytest.raises(ConfigError, match="METARR_PORT must be a whole number, not 'abc'"):
        load_config({"METARR_PORT": "abc"})
    with pytest.raises(ConfigError, match="METARR_LEASE_SECONDS must be above 0"):
        load_config({"METARR_LEASE_SECONDS": "-3"})
    cfg = load_config({"METARR_PROVIDER_LIMITS": "tmdb=38/1"})
    assert cfg.provider_limits["tmdb"].rps == 38.0 and cfg.lease_seconds == 30.0
