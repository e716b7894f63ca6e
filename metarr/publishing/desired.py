"""The library files an entity should have: Kodi-named artwork from the cache, the NFO rendered
from the database, actor photos; as `Desired` entries that publish.py plans against the disk."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from metarr.db.media import (
    Album,
    Artist,
    ArtworkSlot,
    CacheFile,
    CastMember,
    Episode,
    MediaFile,
    Movie,
    Season,
    Series,
)
from metarr.library import naming
from metarr.nfo import entity_map as nm
from metarr.nfo.write import render_nfo


class PublishError(Exception):
    pass


class Unidentified(PublishError):
    """Not identified (no provider id): by default nothing is written for it. A bare NFO would tell
    Kodi the item has local metadata, and Kodi would never scrape it itself."""

    def __init__(self, entity_type: str, entity_id: int, reason: str) -> None:
        super().__init__(f"{entity_type} {entity_id} is not identified ({describe_reason(reason)}): nothing published")
        self.reason = reason


REASONS = {"no_match": "no match found", "ambiguous": "several candidates, pick one", "not_found":
           "the provider does not know its id", "provider_down": "the provider did not answer",
           "unknown": "not identified yet"}


def describe_reason(code: str | None) -> str:
    """A reason code in words (`no_key:tmdb` → "no TMDB API key set")."""
    if code and code.startswith("no_key:"):
        return f"no {code.split(':', 1)[1].upper()} API key set"
    return REASONS.get(code or "unknown", code or "not identified yet")


ID_COLUMNS = {"movie": ("tmdb_id", "imdb_id", "tvdb_id"), "series": ("tvdb_id", "tmdb_id", "imdb_id"),
              "artist": ("musicbrainz_id",)}


def unidentified_reason(entity_type: str, row) -> str | None:
    """None when the item carries a provider id (from a provider, a name, an NFO or the user)."""
    if any(getattr(row, c, None) for c in ID_COLUMNS.get(entity_type, ())):
        return None
    return getattr(row, "identify_reason", None) or "unknown"


class Gone(PublishError):
    """The entity, or the folder it lives in, is no longer there (deleted, renamed, unmounted):
    nothing to publish, and no folder to recreate; the next scan sees where it went."""


@dataclass(frozen=True)
class Desired:
    rel: str                       # relative to the library root, posix separators
    kind: str                      # nfo | artwork
    entity_type: str
    entity_id: int
    sha256: str
    slot: str | None = None
    data: bytes | None = None      # NFO bytes
    source: Path | None = None     # cache file for artwork
    cache_file_id: int | None = None


def rel_join(folder: str, name: str) -> str:
    return str(PurePosixPath(folder) / name) if folder not in ("", ".") else name


def _fmt(cf: CacheFile) -> str:
    return {"image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}.get(cf.mime, "JPEG")


def _dateadded(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else None


# ------------------------------------------------------------------ what an entity should have

def _slots(entity_type: str, entity_id: int) -> list[tuple[ArtworkSlot, CacheFile]]:
    q = (ArtworkSlot.select(ArtworkSlot, CacheFile).join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
         .where((ArtworkSlot.entity_type == entity_type) & (ArtworkSlot.entity_id == entity_id)
                & (ArtworkSlot.rank == 0)).order_by(ArtworkSlot.slot, ArtworkSlot.season))
    return [(s, s.cachefile) for s in q]


def _art(data_dir: Path, rel: str, entity_type: str, entity_id: int, slot: str, cf: CacheFile) -> Desired:
    src = Path(cf.path) if Path(cf.path).is_absolute() else data_dir / cf.path
    return Desired(rel, "artwork", entity_type, entity_id, cf.sha256, slot=slot, source=src, cache_file_id=cf.id)


def _nfo(rel: str, entity_type: str, entity_id: int, doc) -> Desired:
    data = render_nfo(doc)
    return Desired(rel, "nfo", entity_type, entity_id, hashlib.sha256(data).hexdigest(), data=data)


def _videos(entity_type: str, entity_id: int) -> list[MediaFile]:
    return list(MediaFile.select().where((MediaFile.entity_type == entity_type) & (MediaFile.entity_id == entity_id)
                                         & (MediaFile.kind == "video") & MediaFile.deleted_at.is_null(True))
                .order_by(MediaFile.path))


def _actor_files(data_dir: Path, folder: str, entity_type: str, entity_id: int,
                 with_actors: bool) -> tuple[list[Desired], dict[str, str]]:
    """`.actors/First_Last.jpg` for cast members whose image is cached; NFO thumbs point there."""
    out, thumbs = [], {}
    if not with_actors:
        return out, thumbs
    q = (CastMember.select(CastMember, CacheFile).join(CacheFile, on=(CacheFile.id == CastMember.cache_file_id))
         .where((CastMember.entity_type == entity_type) & (CastMember.entity_id == entity_id)))
    for c in q:
        name = naming.actor_thumb(c.name, _fmt(c.cachefile))
        out.append(_art(data_dir, rel_join(folder, name), entity_type, entity_id, f"actor:{c.name}", c.cachefile))
        thumbs[c.name] = name
    return out, thumbs


def desired_movie(data_dir: Path, m: Movie, with_actors: bool = True) -> list[Desired]:
    videos = _videos("movie", m.id)
    if not videos:
        raise PublishError(f"movie {m.id} has no video file")
    stacked = len(videos) > 1 and not m.disc
    main = videos[0]
    video = str(PurePosixPath(main.path).relative_to(m.folder)) if m.folder not in ("", ".") else main.path
    out, thumbs = _actor_files(data_dir, m.folder, "movie", m.id, with_actors)
    for slot, cf in _slots("movie", m.id):
        if slot.slot in naming.MOVIE_ART:
            out.append(_art(data_dir, rel_join(m.folder, naming.movie_art(video, slot.slot, _fmt(cf), stacked=stacked)),
                            "movie", m.id, slot.slot, cf))
    doc = nm.movie_nfo(m, main.streams, thumbs, _dateadded(m.date_added))
    out.append(_nfo(rel_join(m.folder, naming.movie_nfo(video, stacked=stacked)), "movie", m.id, doc))
    return out


def desired_series(data_dir: Path, s: Series, with_actors: bool = True) -> list[Desired]:
    folder = s.key
    out, thumbs = _actor_files(data_dir, folder, "series", s.id, with_actors)
    for slot, cf in _slots("series", s.id):
        if slot.slot in naming.TVSHOW_ART:
            out.append(_art(data_dir, rel_join(folder, naming.tvshow_art(slot.slot, _fmt(cf))), "series", s.id,
                            slot.slot, cf))
    seasons = list(Season.select().where(Season.series_id == s.id))
    for season in seasons:
        for slot, cf in _slots("season", season.id):
            if slot.slot in naming.SEASON_ART:
                out.append(_art(data_dir, rel_join(folder, naming.season_art(season.number, slot.slot, _fmt(cf))),
                                "season", season.id, slot.slot, cf))
    from metarr.nfo.model import NamedSeason
    named = [NamedSeason(number=x.number, name=x.title) for x in seasons if x.title]
    out.append(_nfo(rel_join(folder, naming.tvshow_nfo()), "series", s.id,
                    nm.series_nfo(s, thumbs, _dateadded(s.date_added), named)))
    eps = list(Episode.select().where((Episode.series_id == s.id) & Episode.deleted_at.is_null(True)
                                      & Episode.file_id.is_null(False)).order_by(Episode.file_id, Episode.part,
                                                                                 Episode.season, Episode.episode))
    files = {f.id: f for f in MediaFile.select().where(MediaFile.id.in_({e.file_id for e in eps}))} if eps else {}
    by_file: dict[int, list[Episode]] = {}
    for e in eps:
        by_file.setdefault(e.file_id, []).append(e)
    from metarr.nfo.model import EpisodesNfo
    for fid, group in sorted(by_file.items()):
        f = files.get(fid)
        if f is None or f.deleted_at is not None:
            continue
        p = PurePosixPath(f.path)
        ep_folder, video = str(p.parent), p.name
        docs = tuple(nm.episode_nfo(e, s.title, f.streams, _dateadded(e.date_added)) for e in group)
        out.append(_nfo(rel_join(ep_folder, naming.episode_nfo(video)), "episode", group[0].id,
                        EpisodesNfo(episodes=docs)))
        for slot, cf in _slots("episode", group[0].id):
            if slot.slot in naming.EPISODE_ART:
                out.append(_art(data_dir, rel_join(ep_folder, naming.episode_art(video, slot.slot, _fmt(cf))),
                                "episode", group[0].id, slot.slot, cf))
    return out


def desired_artist(data_dir: Path, a: Artist) -> list[Desired]:
    out = []
    for slot, cf in _slots("artist", a.id):
        if slot.slot in naming.ARTIST_ART:
            out.append(_art(data_dir, rel_join(a.key, naming.artist_art(slot.slot, _fmt(cf))), "artist", a.id,
                            slot.slot, cf))
    out.append(_nfo(rel_join(a.key, naming.artist_nfo()), "artist", a.id, nm.artist_nfo(a)))
    for al in Album.select().where((Album.artist_id == a.id) & Album.deleted_at.is_null(True)):
        for slot, cf in _slots("album", al.id):
            if slot.slot in naming.ALBUM_ART:
                out.append(_art(data_dir, rel_join(al.key, naming.album_art(slot.slot, _fmt(cf))), "album", al.id,
                                slot.slot, cf))
        out.append(_nfo(rel_join(al.key, naming.album_nfo()), "album", al.id, nm.album_nfo(al, a)))
    return out


ROOT_ENTITIES = {"movie": Movie, "series": Series, "artist": Artist}


def check_publishable(entity_type: str, entity_id: int, allow_unidentified: bool) -> None:
    """Raise what a publish of this item would run into before any file is looked at (a user's
    "Publish" answers with it at once instead of queueing a job that would write nothing)."""
    model = ROOT_ENTITIES.get(entity_type)
    if model is None:
        raise PublishError(f"publish a movie, series or artist, not a {entity_type}")
    e = model.get_or_none(model.id == entity_id)
    if e is None or e.deleted_at is not None:
        raise Gone(f"{entity_type} {entity_id} no longer exists")
    reason = unidentified_reason(entity_type, e)
    if reason and not allow_unidentified:
        raise Unidentified(entity_type, entity_id, reason)


def desired_for(data_dir: Path, entity_type: str, entity_id: int, with_actors: bool = True,
                allow_unidentified: bool = False) -> tuple[object, list[Desired]]:
    check_publishable(entity_type, entity_id, allow_unidentified)
    e = ROOT_ENTITIES[entity_type].get_by_id(entity_id)
    if entity_type == "movie":
        return e, desired_movie(data_dir, e, with_actors)
    if entity_type == "series":
        return e, desired_series(data_dir, e, with_actors)
    return e, desired_artist(data_dir, e)
