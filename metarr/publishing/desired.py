"""The library files an entity should have: artwork from the cache under the names the library's
players read (metarr/library/player_names.py: one file, further names linked to it), the NFO rendered
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
    AssetCandidate,
    CacheFile,
    CastMember,
    Episode,
    MediaFile,
    Movie,
    Rating,
    Season,
    Series,
)
from metarr.library import naming
from metarr.library import player_names as pn
from metarr.library.movie_sets import MovieSet
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
              "artist": ("musicbrainz_id",), "album": ("musicbrainz_id",)}


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
    link_to: str | None = None     # another name of the same bytes: a hard link to this file (a copy where
                                   # the file system has none)


@dataclass(frozen=True)
class Readers:
    """What a publish writes for: the library's players and how many backdrops."""
    players: tuple[str, ...] = pn.DEFAULT
    fanart_count: int = 1


def rel_join(folder: str, name: str) -> str:
    return str(PurePosixPath(folder) / name) if folder not in ("", ".") else name


def _fmt(cf: CacheFile) -> str:
    return {"image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}.get(cf.mime, "JPEG")


def _dateadded(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else None


# ------------------------------------------------------------------ what an entity should have

def _art(data_dir: Path, rel: str, entity_type: str, entity_id: int, slot: str, cf: CacheFile,
         link_to: str | None = None) -> Desired:
    src = Path(cf.path) if Path(cf.path).is_absolute() else data_dir / cf.path
    return Desired(rel, "artwork", entity_type, entity_id, cf.sha256, slot=slot, source=src, cache_file_id=cf.id,
                   link_to=link_to)


def slot_name(slot: str, rank: int) -> str:
    """A published file's slot: `fanart`, and `fanart1`, `fanart2` … for the extra backdrops (Kodi's
    art types of them)."""
    return f"{slot}{rank}" if rank else slot


def split_slot(name: str) -> tuple[str, int]:
    """`fanart2` → ("fanart", 2); `poster` → ("poster", 0)."""
    stem = name.rstrip("0123456789")
    return (stem, int(name[len(stem):])) if stem != name and stem == "fanart" else (name, 0)


def _named(data_dir: Path, folder: str, spot: pn.Spot, players, entity_type: str, entity_id: int,
           slot: ArtworkSlot, cf: CacheFile) -> list[Desired]:
    """One image under every name the players need: the first written, the others linked to it."""
    ext = naming.image_ext(slot.slot, _fmt(cf))
    rels = [rel_join(folder, n) for n in pn.art_files(spot, slot.slot, players, ext, slot.rank)]
    name = slot_name(slot.slot, slot.rank)
    return [_art(data_dir, rel, entity_type, entity_id, name, cf, link_to=rels[0] if i else None)
            for i, rel in enumerate(rels)]


def _nfo(rel: str, entity_type: str, entity_id: int, doc) -> Desired:
    data = render_nfo(doc)
    return Desired(rel, "nfo", entity_type, entity_id, hashlib.sha256(data).hexdigest(), data=data)


def _actor_desired(data_dir: Path, folder: str, entity_type: str, entity_id: int,
                   cast: list[tuple[CastMember, CacheFile]]) -> tuple[list[Desired], dict[str, str]]:
    out, thumbs = [], {}
    for c, cf in cast:
        name = naming.actor_thumb(c.name, _fmt(cf))
        out.append(_art(data_dir, rel_join(folder, name), entity_type, entity_id, f"actor:{c.name}", cf))
        thumbs[c.name] = name
    return out, thumbs


@dataclass(frozen=True)
class MovieParts:
    """A movie's rows besides its own, in the order the NFO and the plan list them
    (read a page of movies at a time by plan_inputs.py)."""
    videos: list[MediaFile]                          # live video files, by path
    cast: list[CastMember]                           # by position, then id
    actor_images: list[tuple[CastMember, CacheFile]]  # cast members whose image is cached, by id
    art: list[tuple[ArtworkSlot, CacheFile]]         # the chosen artwork (rank 0, backdrops < fanart_count) by slot, season, rank
    lists: dict[str, list[str]]                      # genres, directors, … each by position
    ratings: list[Rating]
    movie_set: MovieSet | None
    candidates: list[AssetCandidate]                 # not rejected (candidate_columns only)
    own_folder: bool                                 # the only live movie in its folder (not the library root)


def desired_movie(data_dir: Path, m: Movie, parts: MovieParts, with_actors: bool = True,
                  readers: Readers | None = None) -> list[Desired]:
    """From the movie's row and the rest of what it reads (MovieParts): no query."""
    readers = readers or Readers()
    videos = parts.videos
    if not videos:
        raise PublishError(f"movie {m.id} has no video file")
    stacked = len(videos) > 1 and not m.disc
    main = videos[0]
    video = str(PurePosixPath(main.path).relative_to(m.folder)) if m.folder not in ("", ".") else main.path
    players = readers.players
    out, thumbs = _actor_desired(data_dir, m.folder, "movie", m.id,
                                 parts.actor_images if with_actors and pn.actors_wanted(players) else [])
    disc = naming.disc_nfo_path(video) is not None
    spot = pn.Spot("movie", None if disc else naming.video_base(video, stacked=stacked), own=parts.own_folder)
    for slot, cf in parts.art:
        if slot.slot in naming.MOVIE_ART:
            out += _named(data_dir, m.folder, spot, players, "movie", m.id, slot, cf)
    doc = nm.movie_nfo(m, main.streams, thumbs, _dateadded(m.date_added), players, lists=parts.lists,
                       ratings=parts.ratings, cast=parts.cast, movie_set=parts.movie_set, candidates=parts.candidates)
    out.append(_nfo(rel_join(m.folder, naming.movie_nfo(video, stacked=stacked)), "movie", m.id, doc))
    return out


@dataclass(frozen=True)
class SeriesParts:
    """A series' rows besides its own, and its seasons' and episodes' (read a page of series at a
    time by plan_inputs.py), each list in the order the plan uses it."""
    cast: list[CastMember]                           # by position, then id
    actor_images: list[tuple[CastMember, CacheFile]]  # cast members whose image is cached, by id
    art: list[tuple[ArtworkSlot, CacheFile]]         # the chosen artwork (rank 0, backdrops < fanart_count) by slot, season, rank
    lists: dict[str, list[str]]                      # genres, studios, … each by position
    ratings: list[Rating]
    candidates: list[tuple[str, AssetCandidate]]     # its own and its seasons' not rejected (candidate_columns only)
    season_numbers: dict[int, int]                   # every season's id → its number (deleted ones too)
    seasons: list[Season]                            # live, by id
    episodes: list[Episode]                          # live with a file, by file, part, season, episode
    files: dict[int, MediaFile]                      # the episodes' files by id (deleted ones too)
    art_of: dict[tuple[str, int], list[tuple[ArtworkSlot, CacheFile]]]  # a season's or episode's rank-0 art
    episode_lists: dict[int, dict[str, list[str]]]
    episode_ratings: dict[int, list[Rating]]
    episode_cast: dict[int, list[CastMember]]        # by position, then id


def desired_series(data_dir: Path, s: Series, parts: SeriesParts, with_actors: bool = True,
                   readers: Readers | None = None) -> list[Desired]:
    """From the series' row and the rest of what it reads (SeriesParts): no query."""
    readers = readers or Readers()
    folder = s.key
    players = readers.players
    out, thumbs = _actor_desired(data_dir, folder, "series", s.id,
                                 parts.actor_images if with_actors and pn.actors_wanted(players) else [])
    for slot, cf in parts.art:
        if slot.slot in naming.TVSHOW_ART:
            out += _named(data_dir, folder, pn.Spot("show"), players, "series", s.id, slot, cf)
    for season in parts.seasons:
        for slot, cf in parts.art_of.get(("season", season.id), ()):
            if slot.slot in naming.SEASON_ART:
                out += _named(data_dir, folder, pn.Spot("season", season=season.number), players, "season",
                              season.id, slot, cf)
    from metarr.enrichment.episode_match import jellyfin_display_order
    from metarr.nfo.model import NamedSeason
    named = [NamedSeason(number=x.number, name=x.title) for x in parts.seasons if x.title]
    out.append(_nfo(rel_join(folder, naming.tvshow_nfo()), "series", s.id,
                    nm.series_nfo(s, thumbs, _dateadded(s.date_added), named, players,
                                  jellyfin_display_order(s.episode_order or "aired"), lists=parts.lists,
                                  ratings=parts.ratings, cast=parts.cast, candidates=parts.candidates,
                                  season_numbers=parts.season_numbers)))
    by_file: dict[int, list[Episode]] = {}
    for e in parts.episodes:
        by_file.setdefault(e.file_id, []).append(e)
    from metarr.nfo.model import EpisodesNfo
    for fid, group in sorted(by_file.items()):
        f = parts.files.get(fid)
        if f is None or f.deleted_at is not None:
            continue
        p = PurePosixPath(f.path)
        ep_folder, video = str(p.parent), p.name
        docs = tuple(nm.episode_nfo(e, s.title, f.streams, _dateadded(e.date_added),
                                    lists=parts.episode_lists.get(e.id, {}), ratings=parts.episode_ratings.get(e.id, []),
                                    cast=parts.episode_cast.get(e.id, [])) for e in group)
        out.append(_nfo(rel_join(ep_folder, naming.episode_nfo(video)), "episode", group[0].id,
                        EpisodesNfo(episodes=docs)))
        for slot, cf in parts.art_of.get(("episode", group[0].id), ()):
            if slot.slot in naming.EPISODE_ART:
                out += _named(data_dir, ep_folder, pn.Spot("episode", naming.video_base(video)), players, "episode",
                              group[0].id, slot, cf)
    return out


@dataclass(frozen=True)
class MusicParts:
    """What an artist's or an album's files are made of besides its row (read a page of artists, or
    of albums, at a time by plan_inputs.py)."""
    artist: Artist | None                            # an album's artist (None: there is none); an artist itself
    albums: list[Album]                              # an artist's live albums, by id (an album: itself)
    art: dict[tuple[str, int], list[tuple[ArtworkSlot, CacheFile]]]   # the chosen (rank 0) artwork by slot
    lists: dict[tuple[str, int], dict[str, list[str]]]                # genres, styles, moods, each by position


def desired_artist(data_dir: Path, a: Artist, parts: MusicParts) -> list[Desired]:
    out = []
    for slot, cf in parts.art.get(("artist", a.id), ()):
        if slot.slot in naming.ARTIST_ART:
            out.append(_art(data_dir, rel_join(a.key, naming.artist_art(slot.slot, _fmt(cf))), "artist", a.id,
                            slot.slot, cf))
    out.append(_nfo(rel_join(a.key, naming.artist_nfo()), "artist", a.id,
                    nm.artist_nfo(a, lists=parts.lists.get(("artist", a.id), {}))))
    for al in parts.albums:
        out += desired_album(data_dir, al, a, parts)
    return out


def desired_album(data_dir: Path, al: Album, a: Artist, parts: MusicParts) -> list[Desired]:
    """An album's own files (its folder's art and album.nfo): what its artist's publish writes for it."""
    out = []
    for slot, cf in parts.art.get(("album", al.id), ()):
        if slot.slot in naming.ALBUM_ART:
            out.append(_art(data_dir, rel_join(al.key, naming.album_art(slot.slot, _fmt(cf))), "album", al.id,
                            slot.slot, cf))
    out.append(_nfo(rel_join(al.key, naming.album_nfo()), "album", al.id,
                    nm.album_nfo(al, a, lists=parts.lists.get(("album", al.id), {}))))
    return out


ROOT_ENTITIES = {"movie": Movie, "series": Series, "artist": Artist}


def _model(entity_type: str):
    model = ROOT_ENTITIES.get(entity_type) or ({"album": Album}.get(entity_type))
    if model is None:
        raise PublishError(f"publish a movie, series, artist or album, not a {entity_type}")
    return model


def check_publishable(entity_type: str, entity_id: int, allow_unidentified: bool):
    """Raise what a publish of this item would run into before any file is looked at (a user's
    "Publish" answers with it at once instead of queueing a job that would write nothing); the
    item's row otherwise."""
    model = _model(entity_type)
    return publishable(entity_type, entity_id, model.get_or_none(model.id == entity_id), allow_unidentified)


def publishable(entity_type: str, entity_id: int, row, allow_unidentified: bool):
    """check_publishable on a row already read (None: there is none)."""
    _model(entity_type)
    if row is None or row.deleted_at is not None:
        raise Gone(f"{entity_type} {entity_id} no longer exists")
    reason = unidentified_reason(entity_type, row)
    if reason and not allow_unidentified:
        raise Unidentified(entity_type, entity_id, reason)
    return row
