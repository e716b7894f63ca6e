"""The DB side of player sync: entities → folders (Changes), players, groups and mappings."""
from __future__ import annotations

import posixpath
from dataclasses import replace

from metarr.db.database import write_tx
from metarr.db.integrations import PathMapping, Player, PlayerGroup
from metarr.db.media import (
    Album,
    Artist,
    ArtworkSlot,
    CacheFile,
    Collection,
    Episode,
    LibraryFile,
    MediaFile,
    Movie,
    Season,
    Series,
)
from metarr.db.models import Library
from metarr.library.movie_sets import SET_LIBRARY, set_of
from metarr.library.pathmap import Mapping
from metarr.library.player_names import READERS, PlayersError, check_players
from metarr.players.kodi_check import image_hash
from metarr.players.model import Change, PlayerConn, PlayerInfo
from metarr.service import redact


class EntityGone(LookupError):
    """The entity or library no longer exists: nothing to sync."""


def _join(root: str, rel: str | None) -> str:
    rel = (rel or "").strip("/")
    return posixpath.join(root, rel) if rel else root


def provider_ids(row) -> dict[str, str]:
    """The ids Metarr holds for an item, named as NFO `uniqueid` types (what a player reports back)."""
    out = {}
    for kind in ("tmdb", "imdb", "tvdb"):
        value = getattr(row, f"{kind}_id", None)
        if value not in (None, ""):
            out[kind] = str(value)
    return out


def _main_art(lib: Library, cond) -> dict[tuple[str, int], dict[str, dict[str, str]]]:
    """(entity type, id) -> {"art": art type -> the image file Metarr published (the main one of each
    slot, named `<base>-<slot>.<ext>` or `<slot>.<ext>`), "art_hash": art type -> the hash Kodi keeps
    of that file as it was written}, for the LibraryFile rows matching `cond`."""
    out: dict[tuple[str, int], dict[str, dict[str, str]]] = {}
    for r in LibraryFile.select(LibraryFile.path, LibraryFile.slot, LibraryFile.entity_type, LibraryFile.entity_id,
                                LibraryFile.size, LibraryFile.mtime_ns).where(
            cond & (LibraryFile.kind == "artwork") & LibraryFile.slot.is_null(False)):
        if _is_main_art(r.path, r.slot):
            item = out.setdefault((r.entity_type, r.entity_id), {"art": {}, "art_hash": {}})
            have = item["art"].get(r.slot)
            if have and _kodi_prefers(have, r.slot):
                continue   # a slot with several names: `<base>-poster.jpg` is the one Kodi shows
            item["art"][r.slot] = _join(lib.path, r.path)
            if r.mtime_ns:
                item["art_hash"][r.slot] = image_hash(r.mtime_ns, r.size)
    return out


def published_art(lib: Library, entity_type: str, entity_id: int) -> dict[str, dict[str, str]]:
    """Change fields `art` and `art_hash` of one item, as a player should show it."""
    found = _main_art(lib, (LibraryFile.entity_type == entity_type) & (LibraryFile.entity_id == entity_id))
    return found.get((entity_type, entity_id)) or {"art": {}, "art_hash": {}}


def _library(library_id: int) -> Library:
    lib = Library.get_or_none(Library.id == library_id)
    if lib is None:
        raise EntityGone(f"library {library_id} not found")
    return lib


def readers(stored) -> tuple[str, ...]:
    """The player kinds a library's `players` lists; () when it lists none (a library from before
    the field, whose changes every player is told of, as before)."""
    try:
        return tuple(check_players(stored)) if stored else ()
    except PlayersError:
        return ()


def _read_by(changes: list[Change]) -> list[Change]:
    """Each change with the kinds of players that read it (`Change.players`)."""
    libs: dict[int, tuple[str, ...]] = {}

    def of(lid: int) -> tuple[str, ...]:
        if lid not in libs:
            lib = Library.get_or_none(Library.id == lid)
            libs[lid] = readers(lib.players) if lib is not None else ()
        return libs[lid]
    return [c if c.players else replace(c, players=of(c.library_id)) for c in changes]


def changes_for_library(library_id: int) -> list[Change]:
    """A Scan of the whole root, and every published item, to be checked in the player afterwards
    (Kodi skips folders it scanned before: kodi_check)."""
    return _read_by(_changes_for_library(library_id))


def _changes_for_library(library_id: int) -> list[Change]:
    lib = _library(library_id)
    out = [Change(lib.id, lib.kind, lib.path, lib.path, "library", new=True)]
    if lib.kind == "music":
        return out
    art = _main_art(lib, LibraryFile.library_id == lib.id)
    none: dict[str, dict[str, str]] = {}

    def published(m):
        return m.published_at.is_null(False) & m.deleted_at.is_null(True) & (m.library_id == lib.id)
    if lib.kind == "movie":
        sets: set[int] = set()
        for m in Movie.select().where(published(Movie)):
            out.append(Change(lib.id, lib.kind, lib.path, _join(lib.path, m.folder), "movie",
                              file=None if m.disc else _join(lib.path, m.key), ids=provider_ids(m),
                              check=True, entity_id=m.id, **art.get(("movie", m.id), none)))
            sets.update([m.collection_id] if m.collection_id else [])
        # the sets of its movies, where the player has them
        return out + [c for c in (collection_change(cid, check=True) for cid in sorted(sets)) if c]
    shows = {s.id: s for s in Series.select().where(published(Series))}
    for s in shows.values():
        out.append(Change(lib.id, lib.kind, lib.path, _join(lib.path, s.key), "series", ids=provider_ids(s),
                          check=True, entity_id=s.id, **art.get(("series", s.id), none)))
    files = {f.id: f.path for f in MediaFile.select(MediaFile.id, MediaFile.path).where(MediaFile.library_id == lib.id)}
    for ep in Episode.select().where(Episode.series_id.in_(list(shows)) & Episode.deleted_at.is_null(True)
                                     & Episode.file_id.is_null(False)):
        if ep.file_id in files:
            out.append(Change(lib.id, lib.kind, lib.path, _join(lib.path, shows[ep.series_id].key), "episode",
                              file=_join(lib.path, files[ep.file_id]), ids=provider_ids(ep),
                              check=True, entity_id=ep.id, **art.get(("episode", ep.id), none)))
    return out


def _is_main_art(path: str, slot: str) -> bool:
    """A file Kodi reads as the art type `slot` (`extrafanart/` is for Jellyfin and Emby)."""
    if posixpath.basename(posixpath.dirname(path)) == "extrafanart":
        return False
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return stem == slot or stem.endswith("-" + slot)


def _kodi_prefers(path: str, slot: str) -> bool:
    """Kodi takes `<video base>-<type>` over `<type>` (both are published when Plex reads the folder)."""
    return posixpath.splitext(posixpath.basename(path))[0].endswith("-" + slot)


def changes_for_entity(entity_type: str, entity_id: int, paths: list[str] | None = None,
                       new: bool = False) -> list[Change]:
    """The folder (and main file) of one entity. `paths` are the library-relative files the publish
    changed: below a show folder they mean episodes changed (refresh them; Scan for new ones)."""
    return _read_by(_changes_for_entity(entity_type, entity_id, paths or [], new))


def _changes_for_entity(entity_type: str, entity_id: int, paths: list[str], new: bool) -> list[Change]:
    if entity_type == "movie":
        m = Movie.get_or_none(Movie.id == entity_id)
        if m is None:
            raise EntityGone(f"movie {entity_id} not found")
        lib = _library(m.library_id)
        folder = _join(lib.path, m.folder)
        file = None if m.disc else _join(lib.path, m.key)
        movie = Change(lib.id, lib.kind, lib.path, folder, "movie", file=file, new=new, ids=provider_ids(m),
                       entity_id=m.id, **published_art(lib, "movie", m.id))
        # its set, as the player should show it once the movie brought it there
        in_set = set_of(m) if m.collection_id else None   # (a set the user named by hand is not its collection)
        movie_set = collection_change(in_set.collection_id, check=False) if in_set and in_set.collection_id else None
        return [movie] + ([movie_set] if movie_set else [])
    if entity_type == "collection":
        change = collection_change(entity_id, check=True)
        return [change] if change else []
    if entity_type in ("series", "season", "episode"):
        if entity_type == "series":
            sid = entity_id
        else:
            model = Season if entity_type == "season" else Episode
            row = model.get_or_none(model.id == entity_id)
            if row is None:
                raise EntityGone(f"{entity_type} {entity_id} not found")
            sid = row.series_id
        s = Series.get_or_none(Series.id == sid)
        if s is None:
            raise EntityGone(f"series {sid} not found")
        lib = _library(s.library_id)
        folder = _join(lib.path, s.key)
        if entity_type == "episode":
            ep = Episode.get_by_id(entity_id)
            mf = MediaFile.get_or_none(MediaFile.id == ep.file_id) if ep.file_id else None
            return [Change(lib.id, lib.kind, lib.path, folder, "episode",
                           file=_join(lib.path, mf.path) if mf else None, new=new, ids=provider_ids(ep),
                           entity_id=ep.id, **published_art(lib, "episode", ep.id))]
        show = (s.key or "").strip("/")
        deep = entity_type == "season" or any(
            posixpath.dirname(p.strip("/")) != show for p in paths if p)
        # episode files changed under the show: likely new episodes (a Sonarr download); a Scan of
        # the show folder adds them, a Refresh re-reads the show
        show_change = Change(lib.id, lib.kind, lib.path, folder, "series", new=new or deep, deep=deep,
                             ids=provider_ids(s), entity_id=s.id, **published_art(lib, "series", s.id))
        # every episode is checked in the player afterwards: Kodi adds or re-reads them with the show
        # (Scan / RefreshTVShow), and one it skipped is found and refreshed (kodi_check)
        return [show_change, *_episode_checks(lib, s, folder)]
    if entity_type in ("artist", "album"):
        model = Artist if entity_type == "artist" else Album
        row = model.get_or_none(model.id == entity_id)
        if row is None:
            raise EntityGone(f"{entity_type} {entity_id} not found")
        lib = _library(row.library_id)
        return [Change(lib.id, lib.kind, lib.path, _join(lib.path, row.key), entity_type, new=new)]
    raise ValueError(f"cannot sync entity type {entity_type!r}")


def _episode_checks(lib: Library, s: Series, folder: str) -> list[Change]:
    eps = list(Episode.select().where((Episode.series_id == s.id) & Episode.deleted_at.is_null(True)
                                      & Episode.file_id.is_null(False)))
    if not eps:
        return []
    files = {f.id: f.path for f in MediaFile.select(MediaFile.id, MediaFile.path)
             .where(MediaFile.id.in_([e.file_id for e in eps]))}
    art = _main_art(lib, (LibraryFile.entity_type == "episode") & LibraryFile.entity_id.in_([e.id for e in eps]))
    none: dict[str, dict[str, str]] = {}
    return [Change(lib.id, lib.kind, lib.path, folder, "episode", file=_join(lib.path, files[e.file_id]),
                   ids=provider_ids(e), check=True, entity_id=e.id, **art.get(("episode", e.id), none))
            for e in eps if e.file_id in files]


def load_targets() -> tuple[list[PlayerInfo], list[int], list[Mapping]]:
    players = [PlayerInfo(p.id, p.kind, p.name, p.group_id, p.enabled, int((p.options or {}).get("order") or 0))
               for p in Player.select()]
    groups = [g.id for g in PlayerGroup.select(PlayerGroup.id)]
    maps = [Mapping(m.scope, m.from_prefix, m.to_prefix) for m in PathMapping.select()
            if m.scope.startswith(("player:", "group:"))]
    return players, groups, maps


def conn_of(p: Player, allow=None, data_dir: str | None = None) -> PlayerConn:
    redact.remember(p.password, p.token)   # known to this process before it is used
    return PlayerConn(p.id, p.kind, p.name, p.url, p.username, p.password, p.token, p.group_id, p.enabled,
                      dict(p.options or {}), allow, data_dir)


def load_conns(ids: list[int], allow=None, data_dir: str | None = None) -> dict[int, PlayerConn]:
    return {p.id: conn_of(p, allow, data_dir) for p in Player.select().where(Player.id.in_(ids))} if ids else {}


def save_status(db, player_id: int, status: str) -> None:
    with write_tx(db):
        Player.update(last_status=status).where(Player.id == player_id).execute()


def collection_change(collection_id: int, check: bool) -> Change | None:
    """A collection (movie set) as players should show it: its title and its images: the files of its
    movie set folder, else the addresses its chosen images were downloaded from (an upload has none).
    None when it has no title or no movie left (players drop an empty set themselves)."""
    c = Collection.get_or_none(Collection.id == collection_id)
    movies = list(Movie.select().where((Movie.collection_id == collection_id) & Movie.deleted_at.is_null(True))
                  .order_by(Movie.id)) if c is not None else []
    if c is None or not movies or not c.name.strip():
        return None
    first = movies[0]
    lib = _library(first.library_id)
    libs = {x.id: x for x in Library.select().where(Library.id.in_({m.library_id for m in movies}))}
    # its movies' files (a disc movie: its folder), found in a player by them; the kinds of players
    # that read any of its movies' libraries (none listed by one of them: every kind)
    members = tuple(_join(libs[m.library_id].path, m.folder if m.disc else m.key) for m in movies
                    if m.library_id in libs and m.published_at is not None)
    kinds = [readers(x.players) for x in libs.values()]
    players = () if any(not k for k in kinds) else tuple(k for k in READERS if any(k in ks for ks in kinds))
    art, art_hash, folder = {}, {}, lib.path
    for r in LibraryFile.select().where((LibraryFile.library_id == SET_LIBRARY) & (LibraryFile.entity_type == "collection")
                                        & (LibraryFile.entity_id == c.id) & LibraryFile.slot.is_null(False)):
        art[r.slot] = r.path
        folder = posixpath.dirname(r.path)
        if r.mtime_ns:
            art_hash[r.slot] = image_hash(r.mtime_ns, r.size)
    if not art:
        for slot, url in (ArtworkSlot.select(ArtworkSlot.slot, CacheFile.origin_url)
                          .join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
                          .where((ArtworkSlot.entity_type == "collection") & (ArtworkSlot.entity_id == c.id)
                                 & (ArtworkSlot.rank == 0)).tuples()):
            if url and url.startswith(("http://", "https://")):
                art[slot] = url
    return Change(lib.id, lib.kind, lib.path, folder, "collection", ids={"tmdbcol": str(c.tmdb_id)}, art=art,
                  art_hash=art_hash, check=check, entity_id=c.id, name=c.name, players=players or READERS,
                  members=members)
