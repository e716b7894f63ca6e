"""What each setting means, for the people who change it: a label, one line of help, a unit, and
the choices when there are few. The settings page renders from this; the values and their checks
are metarr/service/settings.py."""
from __future__ import annotations

from dataclasses import dataclass

from metarr.service.settings import CHOICES, DEFAULTS, RANGES


@dataclass(frozen=True)
class Info:
    label: str
    help: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    section: str = "General"


INFO: dict[str, Info] = {
    "jobs.history_days": Info("Keep finished jobs", "Finished jobs older than this are deleted.", "days",
                              section="Jobs"),
    "recycle.retention_days": Info("Keep recycled files", "Files in the recycle bin are purged after this "
                                   "many days (0: purge at the next run).", "days", section="Jobs"),
    "scan.ignore_patterns": Info("Ignore while scanning", "Name patterns (glob, comma-separated) the scan "
                                 "skips in every library, e.g. *.partial, @eaDir.", section="Scanning"),
    "scan.probe_concurrency": Info("Stream probes at once", "How many videos are probed for stream details "
                                   "in parallel.", section="Scanning"),
    "scan.probe_timeout_seconds": Info("Give up reading a file after", "A video whose stream details are not "
                                       "read by then is recorded as failed and its probe process replaced.",
                                       "seconds", section="Scanning"),
    "scan.watch_settle_seconds": Info("Wait after file changes", "A folder is scanned when its files have "
                                      "not changed for this long (downloads finish first).", "seconds",
                                      section="Scanning"),
    "enrich.language": Info("Metadata language", "Two-letter language of titles, plots and posters "
                            "(en, de, fr…, or pt-BR with a region); libraries can set their own.", section="Metadata"),
    "enrich.image_languages": Info("Artwork languages, in order", "Which images are preferred: library = the "
                                   "library's language, fallbacks = its fallback languages, textless = images "
                                   "without text, or a language code (de, en…). Comma-separated.", section="Metadata"),
    "enrich.certification_country": Info("Certification country", "Whose age rating is written as <mpaa> (ISO "
                                         "3166-1: US, DE, GB…); libraries can set their own.", section="Metadata"),
    "enrich.certification_fallback": Info("Certification fallback country", "Used when the chosen country has "
                                          "no rating for an item (empty: none).", section="Metadata"),
    "enrich.certification_style": Info("Certification style", "kodi: as Kodi's scrapers write it (Rated R, "
                                       "FSK 16); rated: Rated + the rating (Rated 16); country: DE:16, US:R; "
                                       "plain: 16, R. Jellyfin reads each of them.",
                                       choices=CHOICES["enrich.certification_style"], section="Metadata"),
    "enrich.auto_select": Info("Choose artwork automatically", "Pick the best-scored image for every "
                               "empty slot; your own choices are never replaced.", section="Metadata"),
    "enrich.min_confidence": Info("Match confidence needed", "Below this score a search match is not "
                                  "accepted and the item waits for you to pick (0 to 1).", section="Metadata"),
    "refresh.sweep_days": Info("Refresh everything within", "Every identified item is refreshed from its "
                               "providers once in this many days, a slice a day.", "days", section="Metadata"),
    "publish.actors": Info("Actor photos", "Write .actors/ photos beside the NFO for Kodi.", section="Publishing"),
    "publish.fanart_count": Info("Backdrops per item", "The best N backdrops are chosen and written (fanart1…, "
                                 "extrafanart/ as the library's players read them; 1 to 20). Items get the new "
                                 "number when they are next enriched.", section="Publishing"),
    "publish.movieset_folder": Info("Movie set folder", "Kodi's \"movie set information folder\": each "
                                    "collection's artwork is written to <folder>/<set name>/poster.jpg, fanart.jpg…; "
                                    "set the same folder in Kodi. An absolute path that exists; empty: none.",
                                    section="Publishing"),
    "images.max_pixels": Info("Largest image", "Images with more pixels are refused (protects memory).",
                              "pixels", section="Publishing"),
    "publish.unidentified": Info("Publish unidentified items", "Write NFOs for items without a provider id "
                                 "too. Off: your player scrapes them itself.", section="Publishing"),
    "verify.policy": Info("When a published file changed", "republish: write Metarr's version again; adopt: "
                          "keep the change and import it; report: only list it.", choices=CHOICES["verify.policy"],
                          section="Publishing"),
    "sync.skip_when_playing": Info("Wait while playing", "Do not tell a player to refresh while it plays "
                                   "something.", section="Players"),
    "sync.debounce_seconds": Info("Gather changes for", "Changes are collected this long and sent to the "
                                  "players together.", "seconds", section="Players"),
    "api.rate_limit_per_minute": Info("API requests per minute", "Per client; 0 turns the limit off.",
                                      section="Security"),
    "api.exact_total_limit": Info("Lists count exactly up to", "Above this many rows a list's total is an "
                                  "estimate (cheap at any library size), flagged total_estimated.", "rows"),
    "ui.browse_roots": Info("Folders the browser may show", "Comma-separated. Empty: the parents of your "
                            "libraries and the usual media folders (/media, /mnt, /srv…).", section="Security"),
    "enrich.genre_map": Info("Genre mapping", "One rule a line: Sci-Fi -> Science Fiction renames a genre, "
                             "held-out -> (nothing after the arrow) drops it. Applied when providers' genres are "
                             "merged (locked genres stay as they are) and to existing items by the batch action "
                             "\"Apply genre and tag mappings\".", section="Metadata"),
    "enrich.tag_map": Info("Tag mapping", "Like the genre mapping, for tags (movies and shows).", section="Metadata"),
    "providers.disabled": Info("Providers turned off", "Provider names Metarr does not ask (tmdb, tvdb, "
                               "fanart, musicbrainz, coverart, omdb).", section="Metadata"),
}


def field_of(key: str, value) -> dict:
    """What the page needs to render one setting as a typed input."""
    info = INFO.get(key) or Info(key, "")
    default = DEFAULTS.get(key)
    if info.choices:
        kind = "choice"
    elif isinstance(default, bool):
        kind = "toggle"
    elif isinstance(default, int | float):
        kind = "number"
    elif isinstance(default, list):
        kind = "list"
    elif isinstance(default, dict):
        kind = "mapping"
    else:
        kind = "text"
    if key == "enrich.image_languages":   # null is shown, and typed, as the word
        value = ["textless" if v is None else v for v in value or ()]
    lo, hi = RANGES.get(key, (None, None))
    step = "1" if isinstance(default, int) and not isinstance(default, bool) else "any"
    return {"key": key, "label": info.label, "help": info.help, "unit": info.unit, "section": info.section,
            "kind": kind, "choices": info.choices, "value": value, "min": lo, "max": hi, "step": step}


def fields(values: dict) -> list[dict]:
    """Every setting but the password (its own form), in the order of INFO, grouped by section."""
    keys = [k for k in INFO if k in values] + [k for k in values if k not in INFO and k != "ui.password"]
    order = {s: i for i, s in enumerate(dict.fromkeys(i.section for i in INFO.values()))}
    out = [field_of(k, values[k]) for k in keys]
    return sorted(out, key=lambda f: order.get(f["section"], 99))
