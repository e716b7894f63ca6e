"""The database side of the Plex item sync: what Metarr holds for the items of a sync, in Plex's
field names (metarr/players/plex_plan.Want), read when the sync runs (a sync retried an hour later
sends the values of then). Images are the published files of each slot (what Kodi reads too)."""
from __future__ import annotations

import posixpath
from collections.abc import Iterable

from metarr.db.media import Collection, EntityList, Episode, LibraryFile, Movie, Season, Series
from metarr.db.models import Library
from metarr.library.movie_sets import set_of
from metarr.players.jellyfin_sets import load_images
from metarr.players.model import Change
from metarr.players.plex_plan import ArtFile, Want, show_ordering
from metarr.players.resolve import _is_main_art

# Metarr column -> Plex field (reference §7.3)
FIELDS = {
    "movie": (("title", "title"), ("sort_title", "titleSort"), ("original_title", "originalTitle"),
              ("plot", "summary"), ("tagline", "tagline"), ("premiered", "originallyAvailableAt"),
              ("content_rating", "contentRating")),
    "series": (("title", "title"), ("sort_title", "titleSort"), ("original_title", "originalTitle"),
               ("plot", "summary"), ("premiered", "originallyAvailableAt"), ("content_rating", "contentRating")),
    "season": (("title", "title"), ("plot", "summary")),
    "episode": (("title", "title"), ("plot", "summary"), ("aired", "originallyAvailableAt")),
}
# Metarr's artwork slot -> Plex's image: the poster is Plex's `thumb`, the backdrop its `art`
ART = {"movie": {"poster": "thumb", "fanart": "art"}, "series": {"poster": "thumb", "fanart": "art"},
       "season": {"poster": "thumb", "fanart": "art"}, "episode": {"thumb": "thumb"}}


def _fields(entity_type: str, row) -> dict[str, str]:
    out = {}
    for col, name in FIELDS[entity_type]:
        v = getattr(row, col, None)
        if v not in (None, ""):
            out[name] = str(v)
    return out


def _lists(entity_type: str, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {}
    if not ids:
        return out
    for r in (EntityList.select().where((EntityList.entity_type == entity_type) & EntityList.entity_id.in_(ids)
                                        & EntityList.name.in_(["genres", "studios"]))
              .order_by(EntityList.position, EntityList.id)):
        out.setdefault(r.entity_id, {}).setdefault(r.name, []).append(r.value)
    return out


def _art(entity_type: str, ids: list[int], roots: dict[int, str]) -> dict[int, dict[str, ArtFile]]:
    """The published image of each slot Plex shows, as a local file (one of its names when a slot
    has several: they hold the same bytes)."""
    out: dict[int, dict[str, ArtFile]] = {}
    slots = ART[entity_type]
    if not ids:
        return out
    for r in (LibraryFile.select().where((LibraryFile.entity_type == entity_type) & LibraryFile.entity_id.in_(ids)
                                         & (LibraryFile.kind == "artwork") & LibraryFile.slot.in_(list(slots)))
              .order_by(LibraryFile.id)):
        root = roots.get(r.library_id)
        if root is None or not _is_main_art(r.path, r.slot):
            continue
        out.setdefault(r.entity_id, {}).setdefault(slots[r.slot], ArtFile(posixpath.join(root, r.path), r.sha256))
    return out


def _roots(library_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(library_ids))
    return {lib.id: lib.path for lib in Library.select(Library.id, Library.path).where(Library.id.in_(ids))} if ids else {}


def load(changes: Iterable[Change]) -> dict[tuple[str, int], Want]:
    """(entity type, id) -> what Metarr holds, for the movies, shows (with their seasons) and
    episodes of `changes`. Items gone since are left out."""
    ids: dict[str, set[int]] = {"movie": set(), "series": set(), "episode": set()}
    for c in changes:
        if c.entity_id is not None and c.entity_type in ids:
            ids[c.entity_type].add(int(c.entity_id))
    out: dict[tuple[str, int], Want] = {}
    if ids["movie"]:
        movies = list(Movie.select().where(Movie.id.in_(list(ids["movie"])) & Movie.deleted_at.is_null(True)))
        roots = _roots(m.library_id for m in movies)
        lists = _lists("movie", [m.id for m in movies])
        art = _art("movie", [m.id for m in movies], roots)
        for m in movies:
            lst = lists.get(m.id, {})
            f = _fields("movie", m)
            if lst.get("studios"):
                f["studio"] = lst["studios"][0]
            movie_set = set_of(m)   # the collection's name as the user set it, as the NFO's <set>
            out[("movie", m.id)] = Want("movie", m.id, f, tuple(lst["genres"]) if lst.get("genres") else None,
                                        (movie_set.name,) if movie_set else (), art.get(m.id, {}))
    if ids["series"]:
        for w in _shows(list(ids["series"])):
            out[("series", w.entity_id)] = w
    if ids["episode"]:
        eps = list(Episode.select().where(Episode.id.in_(list(ids["episode"]))))
        shows = {s.id: s.library_id for s in Series.select(Series.id, Series.library_id)
                 .where(Series.id.in_([e.series_id for e in eps]))} if eps else {}
        art = _art("episode", [e.id for e in eps], _roots(shows.values()))
        for e in eps:
            out[("episode", e.id)] = Want("episode", e.id, _fields("episode", e), art=art.get(e.id, {}),
                                          index=e.episode, parent_index=e.season)
    return out


def _shows(series_ids: list[int]) -> list[Want]:
    shows = list(Series.select().where(Series.id.in_(series_ids) & Series.deleted_at.is_null(True)))
    roots = _roots(s.library_id for s in shows)
    lists = _lists("series", [s.id for s in shows])
    art = _art("series", [s.id for s in shows], roots)
    seasons = list(Season.select().where(Season.series_id.in_([s.id for s in shows])
                                         & Season.deleted_at.is_null(True))) if shows else []
    season_art = _art("season", [x.id for x in seasons], roots)
    out = []
    for s in shows:
        lst = lists.get(s.id, {})
        f = _fields("series", s)
        if lst.get("studios"):
            f["studio"] = lst["studios"][0]
        mine = tuple(Want("season", x.id, _fields("season", x), art=season_art.get(x.id, {}), index=x.number)
                     for x in seasons if x.series_id == s.id)
        # the show's episode order (aired sets Plex back only from a DVD or absolute order: plex_sync)
        ordering = show_ordering(s.episode_order or "aired", bool(s.tvdb_id))
        out.append(Want("series", s.id, f, tuple(lst["genres"]) if lst.get("genres") else None, (),
                        art.get(s.id, {}), ordering=ordering,
                        seasons=tuple(w for w in mine if w.fields or w.art)))
    return out


def load_collection(collection_id: int, data_dir: str | None) -> Want | None:
    """A collection's summary and its chosen poster and background (Metarr's cached copies: a set
    has no file in any library)."""
    c = Collection.get_or_none(Collection.id == collection_id)
    if c is None:
        return None
    art = {k: ArtFile(v.path, v.sha256) for k, v in load_images(c.id, data_dir, {"poster": "thumb",
                                                                               "fanart": "art"}).items()}
    fields = {"summary": c.overview} if (c.overview or "").strip() else {}
    return Want("collection", c.id, fields, art=art)
