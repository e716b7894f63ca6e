"""What a publish plan reads from the database, for several items of one kind at once.

A movie's plan read its row, library, video files, cast, chosen artwork, lists, ratings, set,
artwork candidates, folder neighbours, published files and stray NFOs in about fourteen selects
(the neighbours by reading all of the library's movies), each built anew by peewee: ~6 ms of CPU a movie, nearly all of it building SQL text, so a dry run
of 166,667 movies took a quarter of an hour of CPU. Here a page of movies is read in one select per
table (`WHERE entity_id IN (…)`) and each movie's inputs are picked out of those rows in the order
its own selects had. A single movie's publish goes through the same code with a page of one, so the
real publish and the library dry run cannot plan differently. Series come the same way, a smaller
page at a time, with their seasons' and episodes' rows (about twenty selects for the page instead
of about four per episode); artists with their albums, and albums on their own, likewise.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import peewee as pw

from metarr.db.media import (
    Album,
    Artist,
    ArtworkSlot,
    AssetCandidate,
    CacheFile,
    CastMember,
    Collection,
    EntityList,
    Episode,
    FieldState,
    LibraryFile,
    MediaFile,
    Movie,
    Rating,
    Season,
    Series,
)
from metarr.db.models import Library
from metarr.library import player_names as pn
from metarr.library.movie_sets import set_from
from metarr.nfo.entity_map import candidate_columns
from metarr.publishing.desired import (
    Gone,
    MovieParts,
    MusicParts,
    PublishError,
    Readers,
    SeriesParts,
    publishable,
)

PAGE = 500   # ids read in one select (far below SQLite's limit on parameters)
SERIES_PAGE = 50   # series hold dozens of episodes each: a page's rows stay a few megabytes
MODELS = {"movie": Movie, "series": Series, "artist": Artist, "album": Album}


@dataclass(frozen=True)
class Inputs:
    """Everything a plan of one root item (or an album on its own) reads, besides the disk."""
    entity_type: str
    entity: Any                                      # the item's row
    library: Library
    readers: Readers
    published: list[LibraryFile]                     # files published for it and its children
    nfo_files: list[tuple[str, str, int]] = field(default_factory=list)   # NFOs the scan found: (path, type, id)
    parts: MovieParts | SeriesParts | MusicParts | None = None   # the rest of what its files are made of


def load(entity_type: str, ids: list[int], allow_unidentified: bool = False,
         fanart_count: int = 1) -> Iterator[tuple[int, Inputs | PublishError]]:
    """Each id with its inputs, or what keeps it from being published (Gone, Unidentified, …), in
    the order given; read PAGE ids at a time."""
    size = SERIES_PAGE if entity_type == "series" else PAGE
    for start in range(0, len(ids), size):
        yield from _page(entity_type, ids[start:start + size], allow_unidentified, fanart_count)


def _page(entity_type: str, ids: list[int], allow_unidentified: bool,
          fanart_count: int) -> Iterator[tuple[int, Inputs | PublishError]]:
    model = MODELS.get(entity_type)
    rows = {r.id: r for r in model.select().where(model.id.in_(ids))} if model is not None and ids else {}
    refused: dict[int, PublishError] = {}
    ok = []
    for eid in ids:
        try:
            ok.append(publishable(entity_type, eid, rows.get(eid), allow_unidentified))
        except PublishError as e:
            refused[eid] = e
    lib_ids = {r.library_id for r in ok}
    libraries = {lib.id: lib for lib in Library.select().where(Library.id.in_(lib_ids))} if lib_ids else {}
    parts, published, nfos = PAGES[entity_type](ok, max(1, int(fanart_count))) if ok else ({}, {}, {})
    for eid in ids:
        if eid in refused:
            yield eid, refused[eid]
            continue
        e = rows[eid]
        lib = libraries.get(e.library_id)
        if lib is None:   # its library was removed while the item was being published
            yield eid, Gone(f"the library of {entity_type} {eid} no longer exists")
            continue
        readers = Readers(pn.players_of(lib.players), max(1, int(fanart_count)))
        yield eid, Inputs(entity_type, e, lib, readers, [r for r in published.get(eid, ()) if r.library_id == lib.id],
                          [(p, et, i) for (p, et, i, lib_id) in nfos.get(eid, ()) if lib_id == lib.id], parts[eid])


def _grouped(rows, key=lambda r: r.entity_id) -> dict[int, list]:
    out: dict[int, list] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


def _movie_page(rows: list[Movie], fanart_count: int):
    """(parts by movie id, published files by movie id, NFO files by movie id) of a page of movies,
    one select per table (cached images joined to the cast and the artwork). Each movie's rows keep
    the order of the select that read them alone."""
    ids = [m.id for m in rows]
    libs = sorted({m.library_id for m in rows})

    def mine(model):
        return (model.entity_type == "movie") & model.entity_id.in_(ids)
    # its videos and the NFOs the scan found beside them, in one select
    files = list(MediaFile.select().where(mine(MediaFile) & MediaFile.deleted_at.is_null(True) & (
        (MediaFile.kind == "video") | ((MediaFile.kind == "nfo") & MediaFile.library_id.in_(libs))))
        .order_by(MediaFile.entity_id, MediaFile.path))
    videos = _grouped(f for f in files if f.kind == "video")
    nfos = _grouped(((f.path, f.entity_type, f.entity_id, f.library_id) for f in files if f.kind == "nfo"),
                    key=lambda t: t[2])
    # with the cached image of each (None: none cached, or its cache file is gone)
    cast = _grouped(CastMember.select(CastMember, CacheFile)
                    .join(CacheFile, pw.JOIN.LEFT_OUTER, on=(CacheFile.id == CastMember.cache_file_id))
                    .where(mine(CastMember)).order_by(CastMember.entity_id, CastMember.position, CastMember.id))
    slots = _grouped(ArtworkSlot.select(ArtworkSlot, CacheFile).join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
                     .where(mine(ArtworkSlot) & ((ArtworkSlot.rank == 0) | ((ArtworkSlot.slot == "fanart")
                                                                            & (ArtworkSlot.rank < fanart_count))))
                     .order_by(ArtworkSlot.entity_id, ArtworkSlot.slot, ArtworkSlot.season, ArtworkSlot.rank))
    lists: dict[int, dict[str, list[str]]] = {}
    for r in (EntityList.select(EntityList.entity_id, EntityList.name, EntityList.value).where(mine(EntityList))
              .order_by(EntityList.entity_id, EntityList.name, EntityList.position)):
        lists.setdefault(r.entity_id, {}).setdefault(r.name, []).append(r.value)
    ratings = _grouped(Rating.select().where(mine(Rating))
                       .order_by(Rating.entity_id, Rating.is_default.desc(), Rating.source))
    by_hand = {r.entity_id for r in FieldState.select(FieldState.entity_id).where(
        mine(FieldState) & (FieldState.field == "set_name") & (FieldState.source == "user"))}
    coll_ids = {m.collection_id for m in rows if m.collection_id}
    collections = {c.id: c for c in Collection.select().where(Collection.id.in_(coll_ids))} if coll_ids else {}
    candidates = _grouped(AssetCandidate.select(*candidate_columns()).where(
        mine(AssetCandidate) & (AssetCandidate.rejected == False)))  # noqa: E712
    sharing = _folder_neighbours(rows)
    parts = {}
    for m in rows:
        cs = cast.get(m.id, [])
        parts[m.id] = MovieParts(
            videos=videos.get(m.id, []), cast=cs,
            actor_images=[(c, c.cachefile) for c in sorted(cs, key=lambda c: c.id) if c.cachefile is not None],
            art=[(s, s.cachefile) for s in slots.get(m.id, [])],
            lists=lists.get(m.id, {}), ratings=ratings.get(m.id, []),
            movie_set=set_from(m, m.id in by_hand, collections.get(m.collection_id) if m.collection_id else None),
            candidates=candidates.get(m.id, []),
            own_folder=m.folder not in ("", ".") and not (sharing.get((m.library_id, m.folder), set()) - {m.id}))
    published = _grouped(LibraryFile.select().where(LibraryFile.library_id.in_(libs) & mine(LibraryFile))
                         .order_by(LibraryFile.entity_id, LibraryFile.id))
    return parts, published, nfos


def _art(where, fanart_count: int = 1):
    """The chosen artwork of `where`'s entities with its cache file: rank 0, and backdrops below
    `fanart_count` (seasons and episodes have one of each slot)."""
    return (ArtworkSlot.select(ArtworkSlot, CacheFile).join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
            .where(where & ((ArtworkSlot.rank == 0) | ((ArtworkSlot.slot == "fanart") & (ArtworkSlot.rank < fanart_count))))
            .order_by(ArtworkSlot.entity_id, ArtworkSlot.slot, ArtworkSlot.season, ArtworkSlot.rank))


def _series_page(rows: list[Series], fanart_count: int):
    """(parts by series id, published files by series id, NFO files by series id) of a page of series
    with their seasons and episodes, one select per table and kind of entity. The episodes' rows are
    asked for through a subquery on the page's series (a page may hold thousands of episodes: more
    ids than SQLite takes as parameters). Each series' rows keep the order of its own selects."""
    ids = [s.id for s in rows]
    libs = sorted({s.library_id for s in rows})
    episode_ids = Episode.select(Episode.id).where(Episode.series_id.in_(ids))
    season_ids = Season.select(Season.id).where(Season.series_id.in_(ids))
    within = {"series": ids, "season": season_ids, "episode": episode_ids}

    def of(model, et: str):
        return (model.entity_type == et) & model.entity_id.in_(within[et])
    seasons = list(Season.select().where(Season.series_id.in_(ids)).order_by(Season.series_id, Season.id))
    season_owner = {x.id: x.series_id for x in seasons}
    episodes = list(Episode.select().where(Episode.series_id.in_(ids))
                    .order_by(Episode.series_id, Episode.file_id, Episode.part, Episode.season, Episode.episode))
    episode_owner = {e.id: e.series_id for e in episodes}
    owner = {"series": {i: i for i in ids}, "season": season_owner, "episode": episode_owner}
    files = {f.id: f for f in MediaFile.select().where(MediaFile.id.in_(
        Episode.select(Episode.file_id).where(Episode.series_id.in_(ids) & Episode.deleted_at.is_null(True)
                                              & Episode.file_id.is_null(False))))}
    cast = {et: _grouped(CastMember.select(CastMember, CacheFile)
                         .join(CacheFile, pw.JOIN.LEFT_OUTER, on=(CacheFile.id == CastMember.cache_file_id))
                         .where(of(CastMember, et)).order_by(CastMember.entity_id, CastMember.position, CastMember.id))
            for et in ("series", "episode")}
    art = {et: _grouped(_art(of(ArtworkSlot, et), fanart_count if et == "series" else 1))
           for et in ("series", "season", "episode")}
    lists: dict[str, dict[int, dict[str, list[str]]]] = {"series": {}, "episode": {}}
    for et, got in lists.items():
        for r in (EntityList.select(EntityList.entity_id, EntityList.name, EntityList.value).where(of(EntityList, et))
                  .order_by(EntityList.entity_id, EntityList.name, EntityList.position)):
            got.setdefault(r.entity_id, {}).setdefault(r.name, []).append(r.value)
    ratings = {et: _grouped(Rating.select().where(of(Rating, et))
                            .order_by(Rating.entity_id, Rating.is_default.desc(), Rating.source))
               for et in ("series", "episode")}
    candidates: dict[int, list] = {}
    for et in ("series", "season"):
        for c in AssetCandidate.select(*candidate_columns()).where(of(AssetCandidate, et)
                                                                   & (AssetCandidate.rejected == False)):  # noqa: E712
            candidates.setdefault(owner[et][c.entity_id], []).append((et, c))
    mine_seasons, mine_episodes = _grouped(seasons, key=lambda x: x.series_id), _grouped(episodes, key=lambda e: e.series_id)
    parts = {}
    for s in rows:
        cs = cast["series"].get(s.id, [])
        its_seasons = mine_seasons.get(s.id, [])
        its_episodes = [e for e in mine_episodes.get(s.id, []) if e.deleted_at is None and e.file_id is not None]
        parts[s.id] = SeriesParts(
            cast=cs, actor_images=[(c, c.cachefile) for c in sorted(cs, key=lambda c: c.id) if c.cachefile is not None],
            art=[(x, x.cachefile) for x in art["series"].get(s.id, [])],
            lists=lists["series"].get(s.id, {}), ratings=ratings["series"].get(s.id, []),
            candidates=candidates.get(s.id, []), season_numbers={x.id: x.number for x in its_seasons},
            seasons=[x for x in its_seasons if x.deleted_at is None],
            episodes=its_episodes, files={e.file_id: files[e.file_id] for e in its_episodes if e.file_id in files},
            art_of={(et, i): [(x, x.cachefile) for x in art[et][i]]
                    for et, its in (("season", its_seasons), ("episode", its_episodes)) for i in {y.id for y in its}
                    if i in art[et]},
            episode_lists={e.id: lists["episode"][e.id] for e in its_episodes if e.id in lists["episode"]},
            episode_ratings={e.id: ratings["episode"][e.id] for e in its_episodes if e.id in ratings["episode"]},
            episode_cast={e.id: cast["episode"][e.id] for e in its_episodes if e.id in cast["episode"]})
    return parts, *_published_and_nfos(libs, within, owner, of)


def _folder_neighbours(rows: list[Movie]) -> dict[tuple[int, str], set[int]]:
    """(library, folder) → the live movies in it, for the page's folders (the library root is no
    movie's own folder, so it is not asked about). Seeks movies_library_folder (migration 0042)."""
    folders = {m.folder for m in rows if m.folder not in ("", ".")}
    if not folders:
        return {}
    libs = {m.library_id for m in rows}
    out: dict[tuple[int, str], set[int]] = {}
    for mid, lib, folder in (Movie.select(Movie.id, Movie.library_id, Movie.folder)
                             .where(Movie.library_id.in_(libs) & Movie.folder.in_(folders)
                                    & Movie.deleted_at.is_null(True)).tuples()):
        out.setdefault((lib, folder), set()).add(mid)
    return out


def _music_page(rows: list, fanart_count: int, entity_type: str):
    """(parts, published files, NFO files, each by item id) of a page of artists with their albums,
    or of albums on their own (with their artist's row), one select per table and kind of entity.
    Artists and albums have one image per slot (rank 0), whatever `fanart_count`."""
    ids = [r.id for r in rows]
    libs = sorted({r.library_id for r in rows})
    if entity_type == "artist":
        artists = {a.id: a for a in rows}
        albums = list(Album.select().where(Album.artist_id.in_(ids)).order_by(Album.artist_id, Album.id))
        within = {"artist": ids, "album": Album.select(Album.id).where(Album.artist_id.in_(ids))}
        owner = {"artist": {i: i for i in ids}, "album": {al.id: al.artist_id for al in albums}}
    else:   # an album's publish writes its own folder only
        wanted = {al.artist_id for al in rows}
        artists = {a.id: a for a in Artist.select().where(Artist.id.in_(wanted))}
        albums = rows
        within = {"album": ids}
        owner = {"album": {i: i for i in ids}}

    def of(model, et: str):
        return (model.entity_type == et) & model.entity_id.in_(within[et])
    art: dict[tuple[str, int], list] = {}
    lists: dict[tuple[str, int], dict[str, list[str]]] = {}
    for et in within:
        for x in _art(of(ArtworkSlot, et)):
            art.setdefault((et, x.entity_id), []).append((x, x.cachefile))
        for r in (EntityList.select(EntityList.entity_id, EntityList.name, EntityList.value).where(of(EntityList, et))
                  .order_by(EntityList.entity_id, EntityList.name, EntityList.position)):
            lists.setdefault((et, r.entity_id), {}).setdefault(r.name, []).append(r.value)
    if entity_type == "artist":
        live = _grouped((al for al in albums if al.deleted_at is None), key=lambda al: al.artist_id)
        parts = {a.id: MusicParts(a, live.get(a.id, []), art, lists) for a in rows}
    else:
        parts = {al.id: MusicParts(artists.get(al.artist_id), [al], art, lists) for al in rows}
    return parts, *_published_and_nfos(libs, within, owner, of)


def _published_and_nfos(libs: list[int], within: dict, owner: dict[str, dict[int, int]], of):
    """(files published for each item and its children, NFOs the scan found for them), by root item:
    each kind of entity in the order of `within`, then by entity id and row id."""
    published: dict[int, list[LibraryFile]] = {}
    nfos: dict[int, list] = {}
    for et in within:
        for r in (LibraryFile.select().where(LibraryFile.library_id.in_(libs) & of(LibraryFile, et))
                  .order_by(LibraryFile.entity_id, LibraryFile.id)):
            published.setdefault(owner[et][r.entity_id], []).append(r)
    for et in within:
        if et == "season":   # Metarr writes no season NFO: none of theirs can be one too many
            continue
        for f in (MediaFile.select(MediaFile.path, MediaFile.entity_type, MediaFile.entity_id, MediaFile.library_id)
                  .where(MediaFile.library_id.in_(libs) & (MediaFile.kind == "nfo") & of(MediaFile, et)
                         & MediaFile.deleted_at.is_null(True))):
            nfos.setdefault(owner[et][f.entity_id], []).append((f.path, f.entity_type, f.entity_id, f.library_id))
    return published, nfos


# each kind's page: (rows, fanart_count) → (parts, published files, NFO files), each by item id
PAGES = {"movie": _movie_page, "series": _series_page, "artist": partial(_music_page, entity_type="artist"),
         "album": partial(_music_page, entity_type="album")}
