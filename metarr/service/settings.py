"""Settings kept in the database, with typed defaults. Env-only values (keys, URLs) are in config."""
from __future__ import annotations

import math
import os
import time
from typing import Any

from metarr.db.database import write_tx
from metarr.db.models import Setting
from metarr.service import locales

DEFAULTS: dict[str, Any] = {
    "jobs.history_days": 7,
    "recycle.retention_days": 30,
    "scan.ignore_patterns": [],
    "scan.probe_concurrency": 2,          # probe processes reading stream details
    "scan.probe_timeout_seconds": 30.0,   # a file not read by then is recorded as failed, its process replaced
    "scan.watch_settle_seconds": 2.0,
    "enrich.language": "en",
    "enrich.auto_select": True,
    "enrich.min_confidence": 0.75,
    # certifications (<mpaa>): the country whose rating is written, the one used when it has none
    # ("" = none), and the form Kodi's scrapers write it in (metarr/enrichment/certifications.py)
    "enrich.certification_country": "US",
    "enrich.certification_fallback": "US",
    "enrich.certification_style": "kodi",
    # the order artwork languages are preferred in: "library" (the library's language), "fallbacks"
    # (its fallback languages), a language code, or null (no text)
    "enrich.image_languages": ["library", None, "fallbacks"],
    # every enriched item is refreshed once within this many days, a slice a day (the even sweep)
    "refresh.sweep_days": 90,
    "publish.actors": True,
    # backdrops published per item: the best N as fanart, fanart1… and extrafanart/ (the names the
    # library's players read)
    "publish.fanart_count": 1,
    # Kodi's "movie set information folder": each collection's artwork as <folder>/<set name>/poster.jpg…
    # (an absolute path; empty: none written)
    "publish.movieset_folder": "",
    # the largest image (in pixels) Metarr decodes: a bigger one is refused as a decompression bomb
    "images.max_pixels": 64_000_000,
    # write NFO/artwork for items without a provider id too (off: Kodi would take a bare NFO as the
    # item's metadata and never scrape it itself)
    "publish.unidentified": False,
    "verify.policy": "republish",
    "sync.skip_when_playing": True,
    "sync.debounce_seconds": 2.0,
    "api.rate_limit_per_minute": 1200,
    # lists count their rows exactly up to this many; above, meta.total is an estimate (total_estimated)
    "api.exact_total_limit": 1000,
    "ui.password": None,
    # the folders the UI's folder browser may show; empty: library parents and the usual media
    # mount points (metarr/library/paths.py browse_roots), never the whole file system
    "ui.browse_roots": [],
    "providers.disabled": [],
    # genre and tag mapping rules, applied where a provider's genres/tags are merged and by the
    # `apply_mappings` batch action: {"Sci-Fi": "Science Fiction", "held-out": null} renames / drops
    # (metarr/service/mappings.py)
    "enrich.genre_map": {},
    "enrich.tag_map": {},
}


# what each number may be: a value outside makes the service misbehave (NaN confidence, 0 workers)
RANGES: dict[str, tuple[float, float]] = {
    "jobs.history_days": (1, 3650), "recycle.retention_days": (0, 3650), "scan.probe_concurrency": (1, 16),
    "scan.probe_timeout_seconds": (1, 3600),
    "scan.watch_settle_seconds": (0, 600), "enrich.min_confidence": (0, 1), "sync.debounce_seconds": (0, 600),
    "api.rate_limit_per_minute": (0, 1_000_000),   # 0: off
    "api.exact_total_limit": (0, 10_000_000),
    "images.max_pixels": (1_000_000, 500_000_000), "refresh.sweep_days": (1, 3650),
    "publish.fanart_count": (1, 20),
}

# settings that take one of a few words (the page shows them as a choice)
CHOICES: dict[str, tuple[str, ...]] = {"verify.policy": ("republish", "adopt", "report"),
                                       "enrich.certification_style": ("kodi", "rated", "country", "plain")}
# the providers `providers.disabled` may name (metarr/sources/registry.py; tests/domain keep them equal)
PROVIDER_NAMES = ("tmdb", "tvdb", "fanart", "musicbrainz", "coverart", "omdb")
MAX_LIST = 200


def hash_password(password: str) -> str:
    import hashlib
    import secrets as _secrets
    salt = _secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 200_000).hex()
    return f"pbkdf2${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    import hashlib
    import hmac
    try:
        _, salt, digest = stored.split("$", 2)
    except ValueError:
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 200_000).hex()
    return hmac.compare_digest(got, digest)


def get(db, key: str) -> Any:
    row = Setting.select(Setting.value).where(Setting.key == key).first()
    return _usable(key, row.value) if row is not None else DEFAULTS.get(key)


def of_stored(key: str, raw: Any, default: Any) -> Any:
    """A setting's value as `get` reads it, from its column's raw value (None: no row) read by a
    statement of the caller's that also asked something else."""
    if raw is None:
        return default
    value = _usable(key, Setting.value.python_value(raw))
    return default if value is None else value


def mapping_rules(db) -> dict[str, dict[str, str | None]]:
    """The genre / tag mapping rules per list name, as set now; empty ones left out."""
    from metarr.service.mappings import SETTINGS
    return {name: rules for name, key in SETTINGS.items() if (rules := get(db, key) or {})}


def get_all(db) -> dict[str, Any]:
    out = dict(DEFAULTS)
    for row in Setting.select():
        if not row.key.startswith("secret."):   # write-only values (provider keys) never leave
            out[row.key] = _usable(row.key, row.value)
    return out


def _usable(key: str, value: Any) -> Any:
    """A stored value that no longer passes validation (written before it was checked: NaN, 1e308)
    reads as the default, so neither the service nor GET /settings ever sees it."""
    if key not in DEFAULTS:
        return value
    try:
        return validate(key, value)
    except ValueError:
        return DEFAULTS[key]


def validate(key: str, value: Any) -> Any:
    """Refuse unknown keys and values of the wrong type (clear message for the API)."""
    if key not in DEFAULTS:
        raise ValueError(f"unknown setting {key!r}")
    default = DEFAULTS[key]
    if key == "ui.password":
        if value is not None and not isinstance(value, str):
            raise ValueError("ui.password must be a string")
        return value
    if key == "enrich.image_languages":
        return image_languages(value)
    if isinstance(default, dict):
        from metarr.service.mappings import validate_rules
        return validate_rules(key, value)
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
    elif isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{key} must be a finite number")
        lo, hi = RANGES.get(key, (0, 10**9))
        if not lo <= value <= hi:
            raise ValueError(f"{key} must be between {lo:g} and {hi:g}")
        if isinstance(default, int) and not isinstance(default, bool) and value != int(value):
            raise ValueError(f"{key} must be a whole number")
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{key} must be a list of strings")
        if len(value) > MAX_LIST:
            raise ValueError(f"{key} takes at most {MAX_LIST} entries")
        return _list_of(key, value)
    elif isinstance(default, str) and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    if key in CHOICES and value not in CHOICES[key]:
        raise ValueError(f"{key} must be one of {', '.join(CHOICES[key])}, not {str(value)[:40]!r}")
    if key == "enrich.language":
        return locales.normalise_language(value, key)
    if key == "enrich.certification_country":
        return locales.normalise_country(value, key)
    if key == "enrich.certification_fallback":
        return locales.normalise_country(value, key) if value.strip() else ""
    if key == "publish.movieset_folder":
        return _folder_setting(key, value)
    return value


IMAGE_LANGUAGE_WORDS = ("library", "fallbacks")


def image_languages(value: Any) -> list[str | None]:
    """`enrich.image_languages`: an ordered list of "library", "fallbacks", language codes (no
    region: images have none) and null or "textless" (images without text)."""
    if not isinstance(value, list) or not value:
        raise ValueError('enrich.image_languages must be a non-empty list, e.g. ["library", null, "fallbacks"]')
    if len(value) > 20:
        raise ValueError("enrich.image_languages takes at most 20 entries")
    out: list[str | None] = []
    for v in value:
        if v is None or (isinstance(v, str) and v.strip().lower() in ("null", "textless", "none")):
            out.append(None)
        elif isinstance(v, str) and v.strip().lower() in IMAGE_LANGUAGE_WORDS:
            out.append(v.strip().lower())
        else:
            if not isinstance(v, str):
                raise ValueError(f"enrich.image_languages: {str(v)[:40]!r} is not a language")
            out.append(locales.base(locales.normalise_language(v, "enrich.image_languages entry")))
    return list(dict.fromkeys(out))


def _folder_setting(key: str, value: str) -> str:
    """An absolute folder path, normalised; empty means off."""
    value = value.strip()
    if not value:
        return ""
    if "\x00" in value or not os.path.isabs(value) or ".." in value.split("/"):
        raise ValueError(f"{key}: {value[:80]!r} is not an absolute folder path (e.g. /srv/media/moviesets), "
                         "or empty for none")
    return os.path.normpath(value)


def _list_of(key: str, value: list[str]) -> list[str]:
    """The entries of a list setting, each checked for what it names."""
    if key == "providers.disabled":
        bad = [v for v in value if v not in PROVIDER_NAMES]
        if bad:
            raise ValueError(f"providers.disabled: unknown provider {bad[0][:40]!r} "
                             f"(one of {', '.join(PROVIDER_NAMES)})")
        return list(dict.fromkeys(value))
    if key == "ui.browse_roots":
        for v in value:
            if "\x00" in v or not os.path.isabs(v):
                raise ValueError(f"ui.browse_roots: {v[:80]!r} is not an absolute folder path (e.g. /srv/media)")
        return [os.path.normpath(v) for v in value]
    if key == "scan.ignore_patterns":
        for v in value:
            if not v.strip() or len(v) > 255 or "\x00" in v:
                raise ValueError(f"scan.ignore_patterns: {v[:80]!r} is not a pattern (a non-empty name pattern "
                                 "of at most 255 characters, e.g. *.partial)")
        return [v.strip() for v in value]
    return value


def put_many(db, values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: validate(k, v) for k, v in values.items()}
    folder = clean.get("publish.movieset_folder")
    if folder and not os.path.isdir(folder):
        # Kodi reads only a folder that exists; one made here could be on the wrong disk
        raise ValueError(f"publish.movieset_folder: {folder} is not an existing folder; create it (where your "
                         "players can read it) first")
    if clean.get("ui.password"):
        if len(clean["ui.password"]) < 8:
            raise ValueError("ui.password must have at least 8 characters")
        clean["ui.password"] = hash_password(clean["ui.password"])   # never stored in clear
    now = time.time()
    with write_tx(db):
        for k, v in clean.items():
            Setting.insert(key=k, value=v, updated_at=now).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: v, Setting.updated_at: now}).execute()
    return clean
