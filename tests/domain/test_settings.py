"""Every setting is checked against what it is (SPEC §10: "each validated against its kind"): a
word from its list, a language code, known provider names, absolute folders, patterns; the value
stored is the one the page shows, and every setting has a label and help."""
import pytest

from metarr.service import settings, settings_info
from metarr.sources import registry


@pytest.mark.parametrize("key, value, words", [
    ("enrich.language", "english!!", "two-letter language code"),
    ("enrich.language", "e", "two-letter"),
    ("verify.policy", "explode", "one of republish, adopt, report"),
    ("providers.disabled", ["tmdb", "imdb"], "unknown provider 'imdb'"),
    ("ui.browse_roots", ["media"], "not an absolute folder"),
    ("scan.ignore_patterns", ["*.part", "  "], "not a pattern"),
    ("refresh.sweep_days", 0, "between 1 and 3650"),
    ("publish.actors", "yes", "true or false"),
    ("scan.probe_timeout_seconds", float("nan"), "finite number"),
])
def test_a_value_of_the_wrong_kind_is_refused_in_words(services, key, value, words):
    before = settings.get(services.db, key)
    with pytest.raises(ValueError, match=words):
        settings.put_many(services.db, {key: value})
    assert settings.get(services.db, key) == before       # nothing stored


def test_what_is_stored_is_what_is_read_back(services):
    got = settings.put_many(services.db, {"enrich.language": "PT-br", "verify.policy": "adopt",
                                          "ui.browse_roots": ["/srv/media/"], "providers.disabled": ["omdb", "omdb"]})
    assert got["enrich.language"] == "pt-BR"
    values = settings.get_all(services.db)
    assert (values["enrich.language"], values["verify.policy"]) == ("pt-BR", "adopt")
    assert values["ui.browse_roots"] == ["/srv/media"] and values["providers.disabled"] == ["omdb"]
    field = next(f for f in settings_info.fields(values) if f["key"] == "verify.policy")
    assert field["kind"] == "choice" and field["value"] == "adopt"


def test_every_setting_has_a_label_and_help():
    missing = [k for k in settings.DEFAULTS if k != "ui.password" and (k not in settings_info.INFO
                                                                       or not settings_info.INFO[k].help)]
    assert missing == []


def test_the_provider_names_are_the_registry_s():
    assert set(settings.PROVIDER_NAMES) == {s.name for s in registry.sources()}
