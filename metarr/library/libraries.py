"""Library rules: paths must exist and be directories; roots may not overlap."""
from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from metarr.db.database import is_sqlite, write_tx
from metarr.db.models import Library
from metarr.library import paths
from metarr.library.player_names import DEFAULT as DEFAULT_PLAYERS
from metarr.library.player_names import PlayersError, check_players, players_of
from metarr.service import locales
from metarr.service.records import page

KINDS = ("movie", "tv", "music")


class LibraryError(ValueError):
    pass


class LibraryNameTaken(LibraryError):
    """Another library has this name (names are how the CLI and the UI tell libraries apart)."""


def check_name_free(name: str, except_id: int | None = None) -> None:
    q = Library.select(Library.id, Library.name)
    for lib in q:
        if lib.id != except_id and lib.name.strip().casefold() == name.strip().casefold():
            raise LibraryNameTaken(f"a library named '{lib.name}' already exists (library {lib.id})")


@dataclass(frozen=True)
class LibraryInput:
    name: str
    kind: str
    path: str
    watch: bool = True
    auto_enrich: bool = True
    auto_publish: bool = False
    auto_sync: bool = True
    language: str = "en"
    fallback_languages: tuple[str, ...] = ("en",)
    certification_country: str | None = None   # None: the setting enrich.certification_country
    players: tuple[str, ...] = DEFAULT_PLAYERS


DEFAULT_FALLBACKS = ["en"]


def check_locale(key: str, value):
    """A library's language, fallback languages or certification country, normalised; a ValueError
    (LibraryError) in words otherwise."""
    try:
        if key == "language":
            return locales.normalise_language(value, "language")
        if key == "fallback_languages":
            return list(DEFAULT_FALLBACKS) if value is None else locales.normalise_fallbacks(value, key)
        if key == "certification_country":
            return None if value in (None, "") else locales.normalise_country(value, "certification_country")
    except ValueError as e:
        raise LibraryError(str(e)) from None
    return value


def normalise_root(path: str, browse_roots: Iterable[str] = ("/",), own_dirs: Iterable[str] = ()) -> Path:
    p = Path(os.path.expanduser(path))
    if not p.is_absolute():
        raise LibraryError("path must be absolute")
    if not p.exists():
        raise LibraryError(f"path does not exist: {path}")
    if not p.is_dir():
        raise LibraryError(f"path is not a directory: {path}")
    try:
        return Path(paths.check_library_root(str(p), browse_roots, own_dirs))
    except paths.OutsidePath as e:
        raise LibraryError(str(e)) from None


def overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


def check_overlap(root: Path, others: list[tuple[int, str]], exclude_id: int | None = None) -> None:
    for lid, other in others:
        if lid != exclude_id and overlaps(root, Path(other)):
            raise LibraryError(f"path overlaps library {lid} ({other})")


def create(db, inp: LibraryInput, bus=None, own_dirs: Iterable[str] = ()) -> Library:
    """`own_dirs`: Metarr's data dir (and a cache elsewhere), never a library or inside one."""
    if inp.kind not in KINDS:
        raise LibraryError(f"kind must be one of {', '.join(KINDS)}")
    if not inp.name.strip():
        raise LibraryError("name must not be empty")
    players = _players(inp.players)
    from metarr.service import settings
    language = check_locale("language", inp.language)
    fallbacks = check_locale("fallback_languages", list(inp.fallback_languages))
    country = check_locale("certification_country", inp.certification_country)
    root = normalise_root(inp.path, settings.get(db, "ui.browse_roots") or ("/",), own_dirs)
    now = time.time()
    with write_tx(db):
        check_name_free(inp.name)
        check_overlap(root, [(lib.id, lib.path) for lib in Library.select(Library.id, Library.path)])
        lib = Library.create(**_fresh_id(db), name=inp.name.strip(), kind=inp.kind, path=str(root), watch=inp.watch,
                             auto_enrich=inp.auto_enrich, auto_publish=inp.auto_publish, auto_sync=inp.auto_sync,
                             language=language, fallback_languages=fallbacks, certification_country=country,
                             players=players, created_at=now, updated_at=now)
    if bus is not None:
        bus.publish("entity.updated", entity="library", id=lib.id, action="created")
    return lib


def _players(value) -> list[str]:
    try:
        return check_players(value)
    except PlayersError as e:
        raise LibraryError(str(e)) from None


MAX_PATTERNS = 200


def check_ignore_patterns(value) -> list[str]:
    """A list of non-empty glob strings (a number or an object in it would break every later scan)."""
    if not isinstance(value, list) or len(value) > MAX_PATTERNS:
        raise LibraryError(f"ignore_patterns must be a list of at most {MAX_PATTERNS} patterns")
    for p in value:
        if not isinstance(p, str) or not p.strip() or len(p) > 255 or "\x00" in p:
            raise LibraryError(f"ignore_patterns: {repr(p)[:80]} is not a pattern (a non-empty text of at most 255 characters)")
    return list(value)


UPDATABLE = ("name", "enabled", "watch", "auto_enrich", "auto_publish", "auto_sync", "language", "fallback_languages",
             "certification_country", "ignore_patterns", "players")
LOCALE_KEYS = ("language", "fallback_languages", "certification_country")


def update(db, lib_id: int, changes: dict, bus=None) -> Library | None:
    with write_tx(db):
        lib = Library.get_or_none(Library.id == lib_id)
        if lib is None:
            return None
        for k, v in changes.items():
            if k not in UPDATABLE:
                raise LibraryError(f"'{k}' cannot be changed")
            if k == "name":
                check_name_free(str(v), except_id=lib_id)
            if k in LOCALE_KEYS:
                v = check_locale(k, v)
            if k == "players":
                v = _players(v)
            if k == "ignore_patterns":
                v = check_ignore_patterns(v)
            setattr(lib, k, v)
        lib.updated_at = time.time()
        lib.save()
    if bus is not None:
        bus.publish("entity.updated", entity="library", id=lib_id, action="updated")
    return lib


def _fresh_id(db) -> dict:
    """SQLite hands out the highest id + 1 (the table has no AUTOINCREMENT), so a library added after the
    newest was removed would take its id, and with it the removed one's jobs history (and a queued job of
    it, run against the new folder). Above every id a job still names, it is new. PostgreSQL's sequence
    never reuses one."""
    if not is_sqlite(db):
        return {}
    top = db.execute_sql("SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM libraries "
                         "UNION ALL SELECT MAX(library_id) FROM jobs) AS t").fetchone()[0]
    return {"id": (top or 0) + 1}


def remove(db, lib_id: int, bus=None) -> bool:
    """Forget a library. Files on disk are never touched; its queued and running jobs are cancelled."""
    from metarr.jobs import store
    with write_tx(db):
        n = Library.delete().where(Library.id == lib_id).execute()
        if n:
            store.cancel_library(db, lib_id, time.time(), "its library was removed")
    if n and bus is not None:
        bus.publish("entity.updated", entity="library", id=lib_id, action="removed")
    return bool(n)


def list_page(limit: int, offset: int) -> tuple[list[dict], int]:
    return page(Library.select().order_by(Library.id), to_dict, limit, offset)


def get(lib_id: int) -> dict | None:
    lib = Library.get_or_none(Library.id == lib_id)
    return to_dict(lib) if lib else None


def to_dict(lib: Library) -> dict:
    from metarr.service.timefmt import iso
    return {"id": lib.id, "name": lib.name, "kind": lib.kind, "path": lib.path, "enabled": lib.enabled,
            "watch": lib.watch, "auto_enrich": lib.auto_enrich, "auto_publish": lib.auto_publish,
            "auto_sync": lib.auto_sync, "language": lib.language,
            "fallback_languages": fallbacks_of(lib), "certification_country": lib.certification_country,
            "ignore_patterns": lib.ignore_patterns or [], "players": list(players_of(lib.players)),
            "created_at": iso(lib.created_at), "updated_at": iso(lib.updated_at), "last_scan_at": iso(lib.last_scan_at)}


def fallbacks_of(lib: Library) -> list[str]:
    return list(lib.fallback_languages) if lib.fallback_languages is not None else list(DEFAULT_FALLBACKS)


def find_for_path(db, path: str) -> Library | None:
    """The library whose root is the longest prefix of `path`."""
    p = Path(path)
    best = None
    for lib in Library.select():
        root = Path(lib.path)
        if (p == root or root in p.parents) and (best is None or len(lib.path) > len(best.path)):
            best = lib
    return best
