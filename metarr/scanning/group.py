"""Grouping the files of one unit (a top-level folder of a library) into items: movies with their
sidecars, shows with seasons and episodes, artists with albums and tracks. Pure: paths in,
dataclasses out; O(files) with dicts keyed by directory."""
from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field

from metarr.scanning.classify import Classified, classify, split_name
from metarr.scanning.names import (
    ParsedTitle,
    ids_in_name,
    parse_episode,
    parse_season_dir,
    parse_title,
    parse_track,
    stack_part,
)


@dataclass
class Owned:
    """A file and what it is to its item."""
    path: str
    kind: str
    role: str | None = None


@dataclass
class MovieItem:
    key: str                     # main video path (disc: the index file)
    folder: str
    videos: list[str]
    disc: bool
    stacked: bool
    title: ParsedTitle
    ids: dict[str, str]
    nfo: str | None = None
    art: dict[str, str] = field(default_factory=dict)
    files: list[Owned] = field(default_factory=list)


@dataclass
class EpisodeItem:
    path: str
    season: int
    episodes: tuple[int, ...]
    absolute: int | None
    air_date: str | None
    title: str | None
    nfo: str | None = None
    art: dict[str, str] = field(default_factory=dict)
    files: list[Owned] = field(default_factory=list)


@dataclass
class ShowItem:
    key: str
    title: ParsedTitle
    ids: dict[str, str]
    nfo: str | None = None
    art: dict[str, str] = field(default_factory=dict)       # slot, or 'season:N:type'
    episodes: list[EpisodeItem] = field(default_factory=list)
    files: list[Owned] = field(default_factory=list)


@dataclass
class AlbumItem:
    key: str
    title: ParsedTitle
    nfo: str | None = None
    art: dict[str, str] = field(default_factory=dict)
    tracks: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)  # path, disc, number, title
    files: list[Owned] = field(default_factory=list)


@dataclass
class ArtistItem:
    key: str
    name: str
    nfo: str | None = None
    art: dict[str, str] = field(default_factory=dict)
    albums: list[AlbumItem] = field(default_factory=list)
    files: list[Owned] = field(default_factory=list)


@dataclass
class UnitPlan:
    items: list = field(default_factory=list)
    unowned: list[Owned] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)   # (path, message) worth reporting


def _dir(path: str) -> str:
    return posixpath.dirname(path)


def _name(path: str) -> str:
    return posixpath.basename(path)


def group_unit(kind: str, paths: list[str]) -> UnitPlan:
    classified = [(p, classify(p, kind)) for p in sorted(paths)]
    if kind == "movie":
        return group_movies(classified)
    if kind == "tv":
        return group_show(classified)
    return group_music(classified)


# ---------------------------------------------------------------- movies

def group_movies(classified: list[tuple[str, Classified]]) -> UnitPlan:
    plan = UnitPlan()
    by_dir: dict[str, list[tuple[str, Classified]]] = defaultdict(list)
    for p, c in classified:
        by_dir[_dir(p)].append((p, c))
    movies_in: dict[str, list[MovieItem]] = defaultdict(list)
    disc_roots: dict[str, MovieItem] = {}
    # disc structures first: everything under the disc root belongs to that movie
    for p, c in classified:
        if c.role == "disc-index":
            d = _dir(p)
            root = _dir(d) if _name(d).lower() in ("bdmv", "video_ts") else d
            if root in disc_roots:
                continue
            pt = parse_title(_name(root) or split_name(_name(p))[0])
            m = MovieItem(p, root, [p], True, False, pt, ids_in_name(_name(root)))
            disc_roots[root] = m
            movies_in[root].append(m)
    for d, entries in by_dir.items():
        if _in_disc(d, disc_roots):
            continue
        stacks: dict[str, list[str]] = defaultdict(list)
        for p, c in entries:
            if c.kind == "video" and c.role != "disc-index":
                stem = split_name(_name(p))[0]
                sp = stack_part(stem)
                stacks[(sp[0] if sp else stem).lower()].append(p)
        for _, vids in sorted(stacks.items()):
            vids.sort()
            stem = split_name(_name(vids[0]))[0]
            sp = stack_part(stem) if len(vids) > 1 else None
            base = sp[0] if sp else stem
            movies_in[d].append(MovieItem(vids[0], d, vids, False, len(vids) > 1, parse_title(base),
                                          ids_in_name(_name(vids[0]))))
    # a folder holding exactly one movie names it (title, year, ids)
    for d, ms in movies_in.items():
        if len(ms) == 1 and d:
            m = ms[0]
            folder_title = parse_title(_name(d))
            # the folder names the movie unless only the file carries a year ("Scene/Title.1920.mkv")
            if folder_title.title and (folder_title.year is not None or m.title.year is None):
                m.title = folder_title
            m.ids = {**ids_in_name(_name(m.key)), **ids_in_name(_name(d))}
    for m in (m for ms in movies_in.values() for m in ms):
        m.files.extend(Owned(v, "video", f"part{i + 1}" if m.stacked else ("disc-index" if m.disc else None))
                       for i, v in enumerate(m.videos))
    for p, c in classified:
        if c.kind == "video" and c.role != "disc-index" and not _in_disc(_dir(p), disc_roots):
            continue
        if c.role == "disc-index":
            continue
        owner = _movie_owner(p, c, movies_in, disc_roots)
        if owner is None:
            plan.unowned.append(Owned(p, c.kind, c.role))
            if c.kind in ("nfo", "image", "subtitle"):
                plan.notes.append((p, f"{c.kind} not matched to a movie"))
            continue
        owner.files.append(Owned(p, c.kind, c.role))
        _attach(owner, p, c)
    plan.items = [m for ms in movies_in.values() for m in ms]
    return plan


def _in_disc(d: str, disc_roots: dict[str, MovieItem]) -> bool:
    while True:
        if d in disc_roots:
            return True
        if not d:
            return False
        d = _dir(d)


def _stem_of(m: MovieItem) -> set[str]:
    out = {split_name(_name(v))[0].lower() for v in m.videos}
    if m.stacked:
        sp = stack_part(split_name(_name(m.videos[0]))[0])
        if sp:
            out.add(sp[0].lower())
    return out


def _movie_owner(p: str, c: Classified, movies_in, disc_roots) -> MovieItem | None:
    d = _dir(p)
    if c.kind == "disc" or _in_disc(d, disc_roots):
        x = d
        while x not in disc_roots and x:
            x = _dir(x)
        return disc_roots.get(x)
    here = movies_in.get(d, [])
    if c.base:
        for m in here:
            if c.base.lower() in _stem_of(m):
                return m
    if len(here) == 1:
        return here[0]
    # extras/, trailers/, .actors/, Subs/ … below a folder that holds one movie
    x = d
    while x:
        x = _dir(x)
        ms = movies_in.get(x, [])
        if ms:
            return ms[0] if len(ms) == 1 else None
    return None


def _attach(m, p: str, c: Classified) -> None:
    if c.kind == "nfo":
        # <video>.nfo wins over movie.nfo and other names
        if m.nfo is None or (c.base or "").lower() in _stem_of(m):
            m.nfo = p
    elif c.kind == "image" and c.role and c.role not in ("actor", "extrafanart") and not c.role.startswith("season:"):
        # <base>-poster wins over poster.jpg / folder.jpg
        if c.role not in m.art or (c.base is not None):
            m.art[c.role] = p


# ---------------------------------------------------------------- TV

def episode_title(name: str) -> str | None:
    stem = split_name(name)[0]
    m = re.search(r"(?:s\d{1,4}[ ._]?e\d{1,4}(?:[ ._-]*(?:e|-e?)\d{1,4})*|\d{1,2}x\d{2,3})(?P<rest>.*)$", stem, re.I)
    if not m:
        return None
    rest = m.group("rest").strip(" ._-")
    return rest.replace(".", " ").strip() or None


def group_show(classified: list[tuple[str, Classified]]) -> UnitPlan:
    plan = UnitPlan()
    if not classified:
        return plan
    show_dir = classified[0][0].split("/")[0] if "/" in classified[0][0] else ""
    if not show_dir:
        plan.unowned = [Owned(p, c.kind, c.role) for p, c in classified]
        plan.notes += [(p, "episode outside a show folder") for p, c in classified if c.kind == "video"]
        return plan
    show = ShowItem(show_dir, parse_title(show_dir), ids_in_name(show_dir))
    eps: dict[tuple[str, str], EpisodeItem] = {}
    for p, c in classified:
        if c.kind != "video":
            continue
        ref = parse_episode(_name(p))
        season_dir = parse_season_dir(_name(_dir(p))) if _dir(p) != show_dir else None
        if ref is None:
            plan.unowned.append(Owned(p, "video"))
            plan.notes.append((p, "no season/episode numbers in the name"))
            continue
        season = ref.season if ref.season is not None else (season_dir if season_dir is not None else 1)
        e = EpisodeItem(p, season, ref.episodes, ref.absolute, ref.air_date, episode_title(_name(p)))
        e.files.append(Owned(p, "video"))
        eps[(_dir(p), split_name(_name(p))[0].lower())] = e
        show.episodes.append(e)
    episode_paths = {e.path for e in show.episodes}
    for p, c in classified:
        if p in episode_paths:
            continue
        d = _dir(p)
        owner = eps.get((d, (c.base or "").lower())) if c.base else None
        if owner is not None:
            owner.files.append(Owned(p, c.kind, c.role))
            if c.kind == "nfo":
                owner.nfo = p
            elif c.kind == "image" and c.role:
                owner.art[c.role] = p
            continue
        if c.kind == "video":
            continue  # unparsed episode, already listed
        if d == show_dir:
            show.files.append(Owned(p, c.kind, c.role))
            if c.kind == "nfo" and (_name(p).lower() == "tvshow.nfo" or show.nfo is None):
                show.nfo = p
            elif c.kind == "image" and c.role and c.role not in ("actor", "extrafanart"):
                show.art.setdefault(c.role, p)
            continue
        season = parse_season_dir(_name(d))
        if season is not None and c.kind == "image" and c.role in ("poster", "fanart", "banner", "landscape", "thumb"):
            show.files.append(Owned(p, c.kind, f"season:{season}:{c.role}"))
            show.art.setdefault(f"season:{season}:{c.role}", p)
            continue
        if c.kind in ("extra", "trailer", "theme", "sample", "disc") or (c.kind == "image" and c.role == "actor"):
            show.files.append(Owned(p, c.kind, c.role))
            continue
        plan.unowned.append(Owned(p, c.kind, c.role))
    plan.items = [show]
    return plan


# ---------------------------------------------------------------- music

_DISC_DIR = re.compile(r"^(?:cd|disc|disk)\s*\d{1,2}$", re.IGNORECASE)


def group_music(classified: list[tuple[str, Classified]]) -> UnitPlan:
    plan = UnitPlan()
    if not classified:
        return plan
    artist_dir = classified[0][0].split("/")[0] if "/" in classified[0][0] else ""
    if not artist_dir:
        plan.unowned = [Owned(p, c.kind, c.role) for p, c in classified]
        return plan
    artist = ArtistItem(artist_dir, artist_dir)
    albums: dict[str, AlbumItem] = {}

    def album_dir_of(p: str) -> str:
        d = _dir(p)
        return _dir(d) if _DISC_DIR.match(_name(d)) and _dir(d) != artist_dir else d

    for p, c in classified:
        if c.kind == "audio":
            key = album_dir_of(p)
            al = albums.get(key)
            if al is None:
                al = albums[key] = AlbumItem(key, parse_title(_name(key)) if key != artist_dir else ParsedTitle("", None, "raw"))
            disc, number, title = parse_track(split_name(_name(p))[0])
            if disc is None and _DISC_DIR.match(_name(_dir(p))):
                disc = int("".join(ch for ch in _name(_dir(p)) if ch.isdigit()) or 1)
            al.tracks.append((p, disc, number, title))
            al.files.append(Owned(p, "audio"))
    for p, c in classified:
        if c.kind == "audio":
            continue
        d = album_dir_of(p) if c.kind == "image" or c.kind == "nfo" else _dir(p)
        art_role = {"poster": "thumb"}.get(c.role or "", c.role)
        if d in albums and d != artist_dir:
            al = albums[d]
            al.files.append(Owned(p, c.kind, art_role))
            if c.kind == "nfo":
                al.nfo = p if _name(p).lower() == "album.nfo" or al.nfo is None else al.nfo
            elif c.kind == "image" and art_role in ("thumb", "discart"):
                al.art.setdefault(art_role, p)
            continue
        if _dir(p) == artist_dir:
            artist.files.append(Owned(p, c.kind, art_role))
            if c.kind == "nfo":
                artist.nfo = p if _name(p).lower() == "artist.nfo" or artist.nfo is None else artist.nfo
            elif c.kind == "image" and art_role in ("thumb", "fanart", "clearlogo", "banner"):
                artist.art.setdefault(art_role, p)
            continue
        plan.unowned.append(Owned(p, c.kind, c.role))
    artist.albums = sorted(albums.values(), key=lambda a: a.key)
    plan.items = [artist]
    return plan
