"""Languages with fallback and certifications per country, the decisions (pure) and their checks at
the API: a library's language, fallback languages and certification country, the settings."""
import pytest

from metarr import metadata as md
from metarr.enrichment import certifications, languages
from metarr.service import settings, settings_info

TEXTS = {"de-DE": {"title": "Der General", "plot": "", "tagline": ""},
         "de-AT": {"title": "Der General", "plot": "Aus Österreich.", "tagline": ""},
         "en-US": {"title": "The General", "plot": "In English.", "tagline": "Hold on!"},
         "sv-SE": {"title": "", "plot": "På svenska.", "tagline": ""}}


def test_each_text_takes_the_first_language_that_has_one():
    lang = languages.Languages("de-DE", ("en",))
    values, origins = languages.choose(TEXTS, ("title", "plot", "tagline"), lang.chain())
    # de-DE has no plot: the language's other region comes before the next language
    assert values == {"title": "Der General", "plot": "Aus Österreich.", "tagline": "Hold on!"}
    assert origins == {"title": "de-DE", "plot": "de-AT", "tagline": "en-US"}
    # "original" is the item's own language; unknown, it is left out
    assert languages.Languages("fr", ("original", "en")).chain("sv") == ("fr", "sv", "en")
    assert languages.Languages("fr", ("original", "en")).chain(None) == ("fr", "en")
    assert languages.pick(TEXTS, "plot", ("fr", "sv", "en")) == ("På svenska.", "sv-SE")


def test_placeholders_count_only_when_no_language_has_a_name():
    texts = {"de": {"title": "Folge 3"}, "en": {"title": "The Case of the Pennsylvania Gun"}}
    weak = {"title": languages.placeholder(3)}
    assert languages.choose(texts, ("title",), ("de", "en"), weak)[0] == {"title": "The Case of the Pennsylvania Gun"}
    assert languages.choose({"de": {"title": "Folge 3"}, "en": {"title": "Episode 3"}}, ("title",), ("de", "en"),
                            weak) == ({"title": "Folge 3"}, {"title": "de"})
    assert not languages.placeholder(3)("Episode 30") and languages.placeholder(2)("Staffel 2")


def test_artwork_languages_in_the_configured_order():
    lang = languages.Languages("de", ("original", "en"), ("library", None, "fallbacks"))
    assert lang.images("ja") == ("de", None, "ja", "en")
    assert lang.image_request("ja") == ("de", "ja", "en")
    assert languages.Languages("pt-BR", ("en",), ("fallbacks", "library")).images() == ("en", "pt")


def test_a_better_language_wins_between_providers_and_never_against_a_lock():
    pref = ("de", "en")
    tvdb_german = md.Update("provider:tvdb", {"plot": "Deutsch."}, origins={"plot": "de"}, preference=pref)
    tmdb_english = md.Update("provider:tmdb", {"plot": "English."}, origins={"plot": "en-US"}, preference=pref)
    # TMDB ranks above TheTVDB, but its text is only the fallback language's
    assert md.plan("movie", tvdb_german, {"plot": "English."}, {"plot": md.State("provider:tmdb", False, "en-US")})
    assert not md.plan("movie", tmdb_english, {"plot": "Deutsch."}, {"plot": md.State("provider:tvdb", False, "de")})
    assert not md.plan("movie", tvdb_german, {"plot": "Mine."}, {"plot": md.State("provider:tmdb", True, "en-US")})
    assert not md.plan("movie", tvdb_german, {"plot": "Mine."}, {"plot": md.State("nfo", False)})


def jellyfin_score(rating: str, country: str | None = None):
    """Jellyfin 10.11's GetRatingScore as reference/players-and-orders.md §4.4 describes it, over
    an excerpt of its us, de and gb tables."""
    tables = {"us": {"G": 0, "PG": 10, "PG-13": 13, "R": 17, "NC-17": 17, "TV-PG": 10, "TV-MA": 17},
              "de": {**{str(n): n for n in (0, 6, 12, 16, 18)}, **{f"FSK {n}": n for n in (0, 6, 12, 16, 18)},
                     **{f"FSK-{n}": n for n in (0, 6, 12, 16, 18)}},
              "gb": {"U": 0, "PG": 8, "12A": 12, "15": 15, "18": 18, "R18": 1000}}
    if rating.lower() in ("n/a", "unrated", "not rated", "nr"):
        return None
    if rating.isdigit():
        return int(rating)
    for prefix in ("Rated :", "Rated:", "Rated "):
        rating = rating.replace(prefix, "")
    for table in [tables.get(country or ""), tables["us"], *tables.values()]:
        if table and rating in table:
            return table[rating]
    if ":" in rating:
        return jellyfin_score(rating.split(":", 1)[1].strip())
    if "-" in rating:
        culture, rest = rating.split("-", 1)
        return tables.get(culture.lower(), {}).get(rest)
    return None


@pytest.mark.parametrize("style", certifications.STYLES)
def test_every_certification_style_is_one_jellyfin_scores(style):
    for country, rating, score in (("DE", "16", 16), ("DE", "0", 0), ("US", "R", 17), ("GB", "15", 15),
                                   ("US", "PG-13", 13)):
        text = certifications.render(rating, country, style)
        assert jellyfin_score(text) == score, (style, text)
        assert jellyfin_score(text, country.lower()) == score, (style, text)


def test_certification_of_the_country_else_the_fallback():
    ratings = {"US": "R", "DE": "", "GB": "15"}
    assert certifications.choose(ratings, "GB") == ("15", "GB")
    assert certifications.choose(ratings, "DE") == ("R", "US")
    assert certifications.choose(ratings, "DE", None) == (None, None)
    assert [certifications.render("16", "DE", s) for s in certifications.STYLES] == [
        "FSK 16", "Rated 16", "DE:16", "16"]
    assert certifications.render("R", "US", "kodi") == "Rated R"


@pytest.mark.parametrize("key, value, words", [
    ("enrich.certification_country", "Germany", "ISO 3166-1 country code"),
    ("enrich.certification_country", "UK", "did you mean GB"),
    ("enrich.certification_fallback", "XX", "ISO 3166-1"),
    ("enrich.certification_style", "FSK16", "one of kodi, rated, country, plain"),
    ("enrich.image_languages", [], "non-empty list"),
    ("enrich.image_languages", ["library", "klingon"], "two-letter language code"),
])
def test_certification_and_artwork_settings_are_checked(services, key, value, words):
    before = settings.get(services.db, key)
    with pytest.raises(ValueError, match=words):
        settings.put_many(services.db, {key: value})
    assert settings.get(services.db, key) == before


def test_artwork_languages_setting_reads_back_as_typed(services):
    got = settings.put_many(services.db, {"enrich.image_languages": ["Library", "textless", "DE", None],
                                          "enrich.certification_country": "de", "enrich.certification_fallback": ""})
    assert got["enrich.image_languages"] == ["library", None, "de"]
    assert (got["enrich.certification_country"], got["enrich.certification_fallback"]) == ("DE", "")
    field = next(f for f in settings_info.fields(settings.get_all(services.db)) if f["key"] == "enrich.image_languages")
    assert field["value"] == ["library", "textless", "de"]   # the page shows (and takes) null as a word


async def test_library_languages_and_country_at_the_api(api, tmp_path):
    (tmp_path / "Filme").mkdir()
    body = {"name": "Filme", "kind": "movie", "path": str(tmp_path / "Filme"), "watch": False}
    for bad, words in (({"language": "deutsch"}, "two-letter language code"),
                       ({"fallback_languages": ["en", "english"]}, "fallback_languages entry"),
                       ({"fallback_languages": "en"}, "must be list"),
                       ({"certification_country": "UK"}, "did you mean GB")):
        r = await api.post("/api/v1/libraries", json={**body, **bad})
        assert r.status == 400, await r.text()
        assert words in (await r.json())["error"]["message"]
    assert (await (await api.get("/api/v1/libraries")).json())["data"] == []   # nothing created
    r = await api.post("/api/v1/libraries", json={**body, "language": "DE-at",
                                                  "fallback_languages": ["Original", "en", "en"]})
    assert r.status == 201, await r.text()
    lib = (await r.json())["data"]
    assert (lib["language"], lib["fallback_languages"], lib["certification_country"]) == (
        "de-AT", ["original", "en"], None)
    r = await api.patch(f"/api/v1/libraries/{lib['id']}", json={"certification_country": "at",
                                                                 "fallback_languages": ["en"]})
    assert r.status == 200, await r.text()
    assert ((await r.json())["data"]["certification_country"], (await r.json())["data"]["fallback_languages"]) == (
        "AT", ["en"])
    r = await api.patch(f"/api/v1/libraries/{lib['id']}", json={"language": "xx"})
    assert r.status == 400 and "two-letter" in (await r.json())["error"]["message"]
    got = (await (await api.get(f"/api/v1/libraries/{lib['id']}")).json())["data"]
    assert got["language"] == "de-AT"   # the refused change left it as it was


def test_the_same_text_in_another_language_changes_only_its_provenance(services):
    import time

    from metarr.db.media import Movie
    now = time.time()
    m = Movie.create(library_id=1, key="Metropolis (1927)", folder="Metropolis (1927)", title="metropolis",
                     date_added=now, created_at=now, updated_at=now)

    def enrich(lang):   # TMDB's title in the library's language: the same word in English and German
        return md.apply(services.db, "movie", m.id, md.Update("provider:tmdb", {"title": "Metropolis"},
                                                              origins={"title": lang}, preference=(lang[:2], "en")))
    assert enrich("en-US") == ["title"]
    assert enrich("de-DE") == []   # nothing to publish again …
    assert md.locks_json("movie", m.id)["title"] == {"source": "provider:tmdb", "locked": False,
                                                     "language": "de-DE"}   # … but it is German now


def test_every_providers_artwork_languages_count_the_same_way():
    from metarr.enrichment import scoring
    from metarr.sources import fanart
    from metarr.sources.models import Art
    prefs = scoring.language_order("poster", languages.Languages("de", ("en",)).images())
    assert prefs == ["de", None, "en"]

    def lang_score(provider, language):
        return scoring.art_score(Art(provider, "poster", "u", language=language), "poster", "de", prefs)[1]["language"]
    # Fanart.tv's "00" is no text, as TMDB's null
    assert fanart._lang("00") is None and fanart._lang("") is None
    for provider in ("tmdb", "fanart", "tvdb"):
        assert lang_score(provider, "de") > lang_score(provider, None) > lang_score(provider, "en") > \
            lang_score(provider, "fr")
    # a backdrop is best without text, whatever the library's order
    assert scoring.language_order("fanart", ("de", None, "en")) == [None, "de", "en"]
