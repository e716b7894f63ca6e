"""The emulated world: a handful of real public-domain-era titles, with the ids, fields and
artwork the real services hold for them (values abridged)."""
from . import orders

MOVIES = {
    10331: {"imdb_id": "tt0063350", "title": "Night of the Living Dead", "original_title": "Night of the Living Dead",
            "release_date": "1968-10-01", "runtime": 96, "overview": "A ragtag group barricade themselves in an old "
            "Pennsylvania farmhouse to remain safe from a horde of flesh-eating ghouls.", "tagline": "They won't stay dead!",
            "genres": ["Horror", "Thriller"], "popularity": 21.5, "vote_average": 7.5, "vote_count": 2100,
            "companies": ["Image Ten"], "countries": [("US", "United States of America")], "certification": "NR",
            "cast": [("Duane Jones", "Ben"), ("Judith O'Dea", "Barbra"), ("Karl Hardman", "Harry Cooper")],
            "directors": ["George A. Romero"], "writers": ["John A. Russo", "George A. Romero"], "collection": None,
            "keywords": ["zombie", "farmhouse"], "trailer": "H91BxkBXttE"},
    961: {"imdb_id": "tt0017925", "title": "The General", "original_title": "The General", "release_date": "1926-12-31",
          "runtime": 78, "overview": "During America's Civil War, Union spies steal engineer Johnny Gray's beloved "
          "locomotive.", "tagline": "", "genres": ["Action", "Comedy"], "popularity": 15.2, "vote_average": 8.0,
          "vote_count": 1200, "companies": ["Buster Keaton Productions"], "countries": [("US", "United States of America")],
          "certification": "NR", "cast": [("Buster Keaton", "Johnnie Gray"), ("Marion Mack", "Annabelle Lee")],
          "directors": ["Clyde Bruckman", "Buster Keaton"], "writers": ["Al Boasberg"], "collection": None,
          "keywords": ["train"], "trailer": None},
    653: {"imdb_id": "tt0013442", "title": "Nosferatu", "original_title": "Nosferatu, eine Symphonie des Grauens",
          "release_date": "1922-02-16", "runtime": 94, "overview": "The mysterious Count Orlok summons Thomas Hutter to "
          "his remote Transylvanian castle.", "tagline": "", "genres": ["Horror", "Fantasy"], "popularity": 18.0,
          "vote_average": 7.7, "vote_count": 1800, "companies": ["Prana-Film"], "countries": [("DE", "Germany")],
          "certification": "NR", "cast": [("Max Schreck", "Count Orlok")], "directors": ["F. W. Murnau"],
          "writers": ["Henrik Galeen"], "collection": None, "keywords": ["vampire"], "trailer": None},
    19: {"imdb_id": "tt0017136", "title": "Metropolis", "original_title": "Metropolis", "release_date": "1927-01-10",
         "runtime": 153, "overview": "In a futuristic city sharply divided between the rich and the poor…",
         "tagline": "", "genres": ["Drama", "Science Fiction"], "popularity": 20.0, "vote_average": 8.1,
         "vote_count": 2600, "companies": ["UFA"], "countries": [("DE", "Germany")], "certification": "NR",
         "cast": [("Brigitte Helm", "Maria")], "directors": ["Fritz Lang"], "writers": ["Thea von Harbou"],
         "collection": None, "keywords": ["dystopia"], "trailer": None},
    138: {"imdb_id": "tt0021814", "title": "Dracula", "original_title": "Dracula", "release_date": "1931-02-12",
          "runtime": 75, "overview": "The ancient vampire Count Dracula arrives in England.", "tagline": "",
          "genres": ["Horror"], "popularity": 14.0, "vote_average": 7.1, "vote_count": 900, "companies": ["Universal"],
          "countries": [("US", "United States of America")], "certification": "NR",
          "cast": [("Bela Lugosi", "Count Dracula")], "directors": ["Tod Browning"], "writers": ["Garrett Fort"],
          "collection": (1000, "Universal Monsters Collection", "Classic monsters."), "keywords": [], "trailer": None},
    11868: {"imdb_id": "tt0051554", "title": "Dracula", "original_title": "Dracula", "release_date": "1958-05-08",
            "runtime": 82, "overview": "Jonathan Harker begins a job at the castle of Count Dracula.", "tagline": "",
            "genres": ["Horror"], "popularity": 12.0, "vote_average": 7.0, "vote_count": 500, "companies": ["Hammer"],
            "countries": [("GB", "United Kingdom")], "certification": "NR", "cast": [("Christopher Lee", "Dracula")],
            "directors": ["Terence Fisher"], "writers": ["Jimmy Sangster"], "collection": None, "keywords": [],
            "trailer": None},
    # with Dracula (1931): a collection of two films (a movie set)
    3035: {"imdb_id": "tt0021884", "title": "Frankenstein", "original_title": "Frankenstein",
           "release_date": "1931-11-21", "runtime": 70, "overview": "Dr. Henry Frankenstein dares to tamper with "
           "life and death by creating a human monster out of lifeless body parts.", "tagline": "",
           "genres": ["Horror", "Science Fiction"], "popularity": 13.0, "vote_average": 7.4, "vote_count": 1100,
           "companies": ["Universal"], "countries": [("US", "United States of America")], "certification": "NR",
           "cast": [("Colin Clive", "Henry Frankenstein"), ("Boris Karloff", "The Monster")],
           "directors": ["James Whale"], "writers": ["Garrett Fort"],
           "collection": (1000, "Universal Monsters Collection", "Classic monsters."), "keywords": [], "trailer": None},
}

SHOWS = {
    75597: {"tmdb_id": 2957, "imdb_id": "tt0046659", "name": "Sherlock Holmes", "first_aired": "1954-10-18",
            "overview": "The adventures of the detective Sherlock Holmes and Dr. Watson.", "status": "Ended",
            "genres": ["Crime", "Mystery"], "runtime": 26, "network": "NBC",
            "cast": [("Ronald Howard", "Sherlock Holmes"), ("H. Marion Crawford", "Dr. Watson")],
            "episodes": {(0, 1): ("The Unaired Pilot", "1954-01-01"),
                         (1, 1): ("The Case of the Cunningham Heritage", "1954-10-18"),
                         (1, 2): ("The Case of Lady Beryl", "1954-10-25"),
                         (1, 3): ("The Case of the Pennsylvania Gun", "1954-11-01"),
                         (1, 4): ("The Case of the Texas Cowgirl", "1954-11-08")}},
}


def _feed_show(n: int, name: str) -> dict:
    """Small invented shows, so a TV library has several series whose change feeds can differ."""
    return {"tmdb_id": 8100 + n, "imdb_id": f"tt81000{n:02d}", "name": name, "first_aired": f"196{n}-01-0{n}",
            "overview": f"{name}, an invented series.", "status": "Ended", "genres": ["Drama"], "runtime": 30,
            "network": "Invented TV", "cast": [(f"Player {n}", "Lead")],
            "episodes": {(1, 1): (f"{name} Begins", f"196{n}-01-0{n}")}}


SHOWS.update({81000 + n: _feed_show(n, name) for n, name in
              enumerate(("Quayside Lanterns", "Orchard Bellwether", "Tinderbox Meridian", "Velvet Cartography"), 1)})


def _long_show() -> dict:
    """An invented long-running series: three specials and five seasons of 130 weekly episodes (653
    in all, more than one of TheTVDB's 500-episode pages), with season art of its own at TheTVDB
    for seasons 1, 2 and 5 only."""
    import datetime as dt
    start = dt.date(1958, 9, 1)
    eps = {(0, e): (f"Lighthouse Special {e}", (start + dt.timedelta(days=7 * e - 3)).isoformat()) for e in (1, 2, 3)}
    for n in range(1, 6):
        for e in range(1, 131):
            eps[(n, e)] = (f"Logbook {n}-{e:03d}", (start + dt.timedelta(weeks=(n - 1) * 130 + e - 1)).isoformat())
    return {"tmdb_id": 8200, "imdb_id": "tt8200000", "name": "The Lighthouse Keepers", "first_aired": start.isoformat(),
            "overview": "Keepers of a lonely light, and the ships they watch over.", "status": "Ended",
            "genres": ["Drama", "Adventure"], "runtime": 25, "network": "Invented TV",
            "cast": [("Ada Marlowe", "Keeper Hale"), ("Tom Fenwick", "Keeper Rook")], "episodes": eps,
            "season_art": {"tvdb": (1, 2, 5), "fanart": ("1", "0", "all")}}


SHOWS[81200] = _long_show()
SHOWS[75597]["season_art"] = {"tvdb": (1,), "fanart": ("1", "0", "all")}

TVDB_PAGE_SIZE = 500   # episodes per page of /series/{id}/episodes/{season-type}


def season_art(show: dict, provider: str) -> tuple:
    """The seasons a service holds season art of its own for: TheTVDB season numbers, Fanart.tv
    `season` values ("all" = every season, "0" = specials). By default season 1."""
    return show.get("season_art", {}).get(provider, (1,) if provider == "tvdb" else ("1",))


def seasons(show: dict) -> list[int]:
    return sorted({n for n, _e in show["episodes"]})


def tvdb_season_id(series_id: int, season_type: str, number: int) -> int:
    """TheTVDB's id of a season: its own number, unrelated to the season's (as the real ids are)."""
    import hashlib
    return 100000 + int(hashlib.sha256(f"{series_id}:{season_type}:{number}".encode()).hexdigest()[:7], 16) % 900000


# TheTVDB season types (`/seasons/types`) and each show's episodes in each order: `orders.py`
# (aired "official" for every show; "default" is the series' default type, aired here)
TVDB_SEASON_TYPES = orders.TVDB_SEASON_TYPES
tvdb_episodes = orders.tvdb_episodes
SHOWS.update(orders.SHOWS)
for _tvdb, _extra in orders.EXTRA.items():
    SHOWS[_tvdb].update(_extra)

ARTISTS = {
    "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a": {
        "name": "Scott Joplin", "sort_name": "Joplin, Scott", "type": "Person", "country": "US",
        "begin": "1868-11-24", "end": "1917-04-01", "genres": ["ragtime", "classical"],
        "release_groups": {"6a2b5c1d-1111-2222-3333-444455556666": ("Ragtime", "1902-01-01"),
                           "7b3c6d2e-1111-2222-3333-444455556666": ("The Entertainer", "1902-06-01")}},
}


# A synthetic catalogue beside the real titles, for benchmarks and the chaos test that need hundreds
# of distinct films: TMDB ids SYNTHETIC_BASE … SYNTHETIC_BASE + SYNTHETIC_COUNT - 1.
SYNTHETIC_BASE = 900000
SYNTHETIC_COUNT = 90000   # up to 989999: ids like 999999 stay unknown for the 404 tests


def synthetic_movie(i: int) -> dict:
    """Film number i of the synthetic catalogue (deterministic)."""
    year = 1950 + i % 70
    return {"imdb_id": f"tt{9000000 + i:07d}", "title": f"Synthetic Movie {i:06d}",
            "original_title": f"Synthetic Movie {i:06d}", "release_date": f"{year}-0{1 + i % 9}-1{i % 10}",
            "runtime": 80 + i % 60, "overview": f"Film {i} of the synthetic catalogue.", "tagline": "",
            "genres": [("Drama", "Comedy", "Horror", "Western")[i % 4]], "popularity": 1.0 + i % 7,
            "vote_average": 5.0 + (i % 50) / 10, "vote_count": 10 + i, "companies": ["Synthetic Pictures"],
            "countries": [("US", "United States of America")], "certification": "NR",
            "cast": [(f"Actor {i % 97}", "Lead"), (f"Actor {(i + 1) % 97}", "Friend")],
            "directors": [f"Director {i % 13}"], "writers": [f"Writer {i % 17}"], "collection": None,
            "keywords": [], "trailer": None}


def movie(mid: int) -> dict | None:
    """A film by TMDB id: a real one, or one of the synthetic catalogue."""
    if mid in MOVIES:
        return MOVIES[mid]
    if SYNTHETIC_BASE <= mid < SYNTHETIC_BASE + SYNTHETIC_COUNT:
        return synthetic_movie(mid - SYNTHETIC_BASE)
    return None


def movie_by_imdb(imdb: str | None) -> tuple[int, dict] | tuple[None, None]:
    if not imdb:
        return None, None
    for mid, m in MOVIES.items():
        if m["imdb_id"] == imdb:
            return mid, m
    if imdb.startswith("tt9") and imdb[2:].isdigit():
        i = int(imdb[2:]) - 9000000
        if 0 <= i < SYNTHETIC_COUNT:
            return SYNTHETIC_BASE + i, synthetic_movie(i)
    return None, None


# ------------------------------------------------------------------ languages and certifications
# The films' and shows' own fields above are their English (en-US) text. TMDB's other
# translations, with the gaps real ones have ("" = no text in that language): title, overview,
# tagline. TMDB answers a language without a translation with the original title and empty texts.
ORIGINAL_LANGUAGE = {653: "de", 19: "de"}
MOVIE_TRANSLATIONS = {
    10331: {"de-DE": ("Die Nacht der lebenden Toten", "", ""),
            "fr-FR": ("La Nuit des morts-vivants", "Un groupe de survivants se barricade dans une ferme isolée de "
                      "Pennsylvanie pour échapper à une horde de goules cannibales.", "")},
    961: {"de-DE": ("Der General", "Während des Amerikanischen Bürgerkriegs stehlen Spione der Union die geliebte "
                    "Lokomotive des Lokführers Johnny Gray.", ""),
          "fr-FR": ("Le Mécano de la « General »", "", "")},
    653: {"de-DE": ("Nosferatu, eine Symphonie des Grauens", "Der geheimnisvolle Graf Orlok lockt den Makler "
                    "Thomas Hutter auf sein abgelegenes Schloss in Transsilvanien.", "Eine Symphonie des Grauens"),
          "fr-FR": ("Nosferatu le vampire", "", "")},
    19: {"de-DE": ("Metropolis", "In einer futuristischen Stadt, streng geteilt zwischen Arm und Reich …", "")},
    138: {"de-DE": ("Dracula", "", "")},
}
COLLECTION_TRANSLATIONS = {1000: {"de-DE": ("Universal-Monster-Filmreihe", "Die klassischen Monster.")}}

# release dates per country as TMDB lists them: (type, certification); types 1 premiere, 2 limited,
# 3 theatrical, 4 digital, 5 physical, 6 TV; a certification is often "". Not listed: US "NR".
RELEASES = {
    10331: {"US": [(1, ""), (3, "NR")], "DE": [(1, ""), (3, ""), (5, "16")], "GB": [(3, "X"), (5, "15")],
            "FR": [(3, "16")]},
    961: {"US": [(3, "NR")], "DE": [(5, "0")], "FR": [(3, "")]},
    653: {"US": [(3, "NR")], "DE": [(1, ""), (3, "12")], "GB": [(5, "PG")]},
    19: {"US": [(3, "NR")], "GB": [(3, "PG")]},   # no German rating: a German library falls back
}

# TMDB posters besides the English one (p<id>.jpg): (file name suffix, language, width, height,
# votes). Films not listed have a small German one (suffix "b"), as before.
EXTRA_POSTERS = {
    10331: (("de", "de", 1000, 1500, 6),),
    961: (("x", None, 1000, 1500, 3),),   # no German poster: textless or English instead
    653: (("de", "de", 1000, 1500, 8), ("x", None, 1000, 1500, 2)),
    19: (("x", None, 1000, 1500, 3),),
}
IMAGE_SIZES = {f"p{mid}{suffix}.jpg": (w, h) for mid, extra in EXTRA_POSTERS.items() for suffix, _l, w, h, _v in extra}

SHOW_TRANSLATIONS = {   # by TMDB id: tag -> (name, overview)
    2957: {"de-DE": ("Sherlock Holmes", "Die Abenteuer des Detektivs Sherlock Holmes und seines Freundes Dr. Watson."),
           "fr-FR": ("Sherlock Holmes", "")},
}
SHOW_RATINGS = {2957: {"US": "TV-PG", "DE": "12", "GB": "PG"}}   # TMDB content ratings; others: US TV-PG
# episode texts in other languages, by TheTVDB id of the show: language -> (season, episode) -> (name, overview)
EPISODE_TRANSLATIONS = {
    75597: {"de": {(1, 1): ("Das Erbe der Cunninghams", "Holmes und Watson untersuchen ein rätselhaftes Erbe."),
                   (1, 2): ("Der Fall Lady Beryl", "")}},
}
SEASON_WORD = {"de": "Staffel", "fr": "Saison"}
EPISODE_WORD = {"de": "Folge", "fr": "Épisode"}
LANGUAGE_NAMES = {"en": ("English", "English"), "de": ("Deutsch", "German"), "fr": ("Français", "French")}

# OMDb's ratings of the shows (IMDb, Rotten Tomatoes, Metacritic) and of their episodes (IMDb;
# "N/A" where it has none), by TheTVDB id
OMDB_SHOWS = {75597: {"rating": ("7.1", "1,234"), "ratings": (("Rotten Tomatoes", "83%"), ("Metacritic", "71/100")),
                      "episodes": {(1, 1): "7.4", (1, 2): "7.0", (1, 3): "N/A"}}}


def movie_translations(mid: int) -> dict[str, tuple[str, str, str]]:
    """Every translation TMDB holds of a film, the English one included."""
    m = movie(mid)
    if m is None:
        return {}
    return {"en-US": (m["title"], m["overview"], m["tagline"]), **MOVIE_TRANSLATIONS.get(mid, {})}


def searchable_titles(mid: int) -> list[str]:
    m = movie(mid)
    return [m["title"], m["original_title"], *(t for t, _o, _g in MOVIE_TRANSLATIONS.get(mid, {}).values() if t)]


def release_certifications(mid: int) -> dict[str, list[tuple[int, str]]]:
    m = movie(mid)
    return RELEASES.get(mid) or {"US": [(3, m["certification"] if m else "NR")]}


def translated(translations: dict, language: str | None):
    """The translation a `language=` parameter selects: the exact tag, else the language in another
    region (TMDB falls back to the language's primary translation); None when there is none."""
    language = language or "en-US"
    if language in translations:
        return translations[language]
    base = language.split("-")[0]
    return next((v for k, v in translations.items() if k.split("-")[0] == base), None)


def episode_text(show_tvdb: int, show: dict, season: int, episode: int, language: str | None) -> tuple[str, str]:
    """(name, overview) of an episode in a language; TMDB's placeholder ("Folge 3") and "" where
    that language has none."""
    base = (language or "en").split("-")[0]
    name, _aired = show["episodes"][(season, episode)]
    if base == "en":
        return name, f"{name}."
    t = EPISODE_TRANSLATIONS.get(show_tvdb, {}).get(base, {}).get((season, episode))
    return t or (f"{EPISODE_WORD.get(base, 'Episode')} {episode}", "")
