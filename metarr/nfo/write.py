"""Rendering NFO documents: Kodi v19+ schema, UTF-8, 2-space indent, byte-for-byte deterministic.

Element order follows Kodi's own export (CVideoInfoTag::Save, CArtist::Save, CAlbum::Save), so a
file we write diffs cleanly against one Kodi wrote. Only present values produce elements.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET

from metarr.nfo.errors import NfoError
from metarr.nfo.model import (
    Actor,
    AlbumNfo,
    ArtistNfo,
    EpisodeNfo,
    EpisodesNfo,
    MovieNfo,
    NfoDoc,
    Rating,
    StreamDetails,
    TvShowNfo,
    clean_text,
)

HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_INDENT = "  "
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")
_SCHEMES_OK = ("http://", "https://", "plugin://")


# ------------------------------------------------------------------------------- public API


def render_nfo(doc: NfoDoc | EpisodeNfo) -> bytes:
    """UTF-8 bytes of the NFO file for `doc`. A lone EpisodeNfo is written as a one-episode file.

    Raises NfoError('unsafe_reference') for an absolute local path in an actor thumb or trailer,
    NfoError('invalid') for an unknown element that is not a single well-formed element.
    """
    if isinstance(doc, EpisodeNfo):
        doc = EpisodesNfo(episodes=(doc,))
    if isinstance(doc, EpisodesNfo):
        roots = [_episode(ep) for ep in doc.episodes]
    elif isinstance(doc, MovieNfo):
        roots = [_movie(doc)]
    elif isinstance(doc, TvShowNfo):
        roots = [_tvshow(doc)]
    elif isinstance(doc, ArtistNfo):
        roots = [_artist(doc)]
    elif isinstance(doc, AlbumNfo):
        roots = [_album(doc)]
    else:
        raise TypeError(f"not an NFO document: {type(doc).__name__}")
    lines = [HEADER.rstrip("\n")]
    for root in roots:
        lines.extend(root.lines(0))
    return ("\n".join(lines) + "\n").encode("utf-8")


def check_reference(value: str) -> str:
    """Return `value` if it may appear in an NFO as a thumb/trailer reference, else raise.

    URLs (http, https, Kodi plugin://) and paths relative to the NFO are fine; absolute local
    paths leak the server's layout and break on every other machine (spec §5.4), so they are refused.
    """
    lowered = value.strip().lower()
    if lowered.startswith(_SCHEMES_OK):
        return value
    if (lowered.startswith(("/", "\\", "file:", "smb:", "nfs:")) or _WINDOWS_ABS.match(value.strip())
            or lowered.startswith("~")):
        raise NfoError("unsafe_reference", f"absolute local path not allowed in an NFO: {value!r}")
    return value


# ------------------------------------------------------------------------------- tiny XML tree


@dataclass
class _El:
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    children: list[_El | _Raw] | None = None

    def lines(self, depth: int) -> Iterator[str]:
        pad = _INDENT * depth
        attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in self.attrs)
        if self.children:
            yield f"{pad}<{self.tag}{attrs}>"
            for child in self.children:
                yield from child.lines(depth + 1)
            yield f"{pad}</{self.tag}>"
        elif self.text:
            yield f"{pad}<{self.tag}{attrs}>{_escape_text(self.text)}</{self.tag}>"
        else:
            yield f"{pad}<{self.tag}{attrs} />"


@dataclass
class _Raw:
    """An element imported verbatim (unknown tag), validated to be one well-formed element."""

    xml: str

    def lines(self, depth: int) -> Iterator[str]:
        yield _INDENT * depth + self.xml


def _escape_text(value: str) -> str:
    return clean_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(value: str) -> str:
    return (_escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _num(value: int | Decimal) -> str:
    if isinstance(value, Decimal):
        # Plain notation, no exponent, no trailing zeros: 8.20 → 8.2, 1E+1 → 10.
        text = format(value.normalize(), "f")
        return text
    return str(value)


class _Builder:
    """Collects child elements of one root in call order, skipping empty values."""

    def __init__(self, tag: str) -> None:
        self.root = _El(tag, children=[])

    @property
    def children(self) -> list[_El | _Raw]:
        assert self.root.children is not None
        return self.root.children

    def text(self, tag: str, value: str | int | Decimal | None, **attrs: str) -> None:
        if value is None or value == "":
            return
        rendered = _num(value) if isinstance(value, int | Decimal) else clean_text(value)
        if rendered.strip():
            self.children.append(_El(tag, tuple(attrs.items()), rendered))

    def many(self, tag: str, values: Iterable[str]) -> None:
        for value in values:
            self.text(tag, value)

    def node(self, element: _El) -> None:
        if element.children:
            self.children.append(element)

    def unknown(self, raws: Iterable[str]) -> None:
        for raw in raws:
            self.children.append(_Raw(_checked_raw(raw)))


def _checked_raw(raw: str) -> str:
    raw = raw.strip()
    try:
        SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception as exc:  # noqa: BLE001 - any failure means we must not emit it
        raise NfoError("invalid", f"unknown element is not one well-formed element: {raw[:60]!r}") from exc
    return clean_text(raw)


def _leaf(tag: str, value: Any) -> _El | None:
    if value is None or value == "":
        return None
    return _El(tag, text=_num(value) if isinstance(value, int | Decimal) else clean_text(str(value)))


def _group(tag: str, pairs: Iterable[tuple[str, Any]], attrs: tuple[tuple[str, str], ...] = ()) -> _El:
    children: list[_El | _Raw] = [el for el in (_leaf(t, v) for t, v in pairs) if el is not None]
    return _El(tag, attrs, children=children)


# ------------------------------------------------------------------------------- video kinds


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _ratings(ratings: tuple[Rating, ...]) -> _El:
    return _El("ratings", children=[
        _group("rating", (("value", r.value), ("votes", r.votes)),
               (("name", r.name), ("max", str(r.max)), ("default", _bool(r.default))))
        for r in ratings
    ])


def _uniqueids(b: _Builder, doc: Any) -> None:
    for id_type, value in doc.uniqueids.items():
        b.text("uniqueid", value, type=id_type, default=_bool(id_type == doc.default_id))


def _actors(b: _Builder, actors: tuple[Actor, ...]) -> None:
    for actor in actors:
        thumb = check_reference(actor.thumb) if actor.thumb else None
        b.node(_group("actor", (("name", actor.name), ("role", actor.role), ("order", actor.order),
                                ("thumb", thumb))))


def _art_links(b: _Builder, doc: Any) -> None:
    """Online alternatives for the player's art chooser, as Kodi's own scrapers write them."""
    for link in doc.thumbs:
        attrs = [("aspect", link.aspect)] if link.aspect else []
        if link.season is not None:
            attrs += [("type", "season"), ("season", str(link.season))]
        if link.preview:
            attrs.append(("preview", check_reference(link.preview)))
        b.text("thumb", check_reference(link.url), **dict(attrs))
    if doc.fanart:
        b.node(_El("fanart", children=[
            _El("thumb", ((("preview", check_reference(f.preview)),) if f.preview else ()), clean_text(check_reference(f.url)))
            for f in doc.fanart]))


def _streamdetails(b: _Builder, details: StreamDetails) -> None:
    if not details:
        return
    streams: list[_El | _Raw] = []
    for v in details.video:
        streams.append(_group("video", (("codec", v.codec), ("aspect", v.aspect), ("width", v.width),
                                        ("height", v.height), ("durationinseconds", v.durationinseconds),
                                        ("stereomode", v.stereomode), ("hdrtype", v.hdrtype))))
    for a in details.audio:
        streams.append(_group("audio", (("codec", a.codec), ("language", a.language),
                                        ("channels", a.channels))))
    for s in details.subtitle:
        streams.append(_group("subtitle", (("language", s.language),)))
    b.node(_El("fileinfo", children=[_El("streamdetails", children=streams)]))


def _video_head(b: _Builder, doc: Any) -> None:
    b.text("title", doc.title)
    b.text("originaltitle", doc.originaltitle)
    b.text("showtitle", getattr(doc, "showtitle", None))
    b.text("sorttitle", doc.sorttitle)
    b.node(_ratings(doc.ratings))
    b.text("userrating", doc.userrating)


def _video_middle(b: _Builder, doc: Any) -> None:
    b.text("outline", doc.outline)
    b.text("plot", doc.plot)
    b.text("tagline", getattr(doc, "tagline", None))
    b.text("runtime", doc.runtime)
    b.text("mpaa", doc.mpaa)
    _uniqueids(b, doc)
    b.many("genre", doc.genres)
    b.many("country", getattr(doc, "countries", ()))


def _movie(doc: MovieNfo) -> _El:
    b = _Builder("movie")
    _video_head(b, doc)
    _video_middle(b, doc)
    if doc.set is not None:
        attrs = (("tmdbcolid", str(doc.set.tmdbcolid)),) if doc.set.tmdbcolid else ()
        b.node(_group("set", (("name", doc.set.name), ("overview", doc.set.overview)), attrs))
    b.text("collectionnumber", doc.collectionnumber)
    b.many("tag", doc.tags)
    b.many("credits", doc.credits)
    b.many("director", doc.directors)
    b.text("premiered", doc.premiered)
    b.text("year", doc.year)
    b.many("studio", doc.studios)
    b.text("trailer", check_reference(doc.trailer) if doc.trailer else None)
    _art_links(b, doc)
    _streamdetails(b, doc.streamdetails)
    _actors(b, doc.actors)
    b.text("dateadded", doc.dateadded)
    b.unknown(doc.unknown)
    return b.root


def _tvshow(doc: TvShowNfo) -> _El:
    b = _Builder("tvshow")
    _video_head(b, doc)
    _video_middle(b, doc)
    b.many("tag", doc.tags)
    b.many("credits", doc.credits)
    b.many("director", doc.directors)
    b.text("premiered", doc.premiered)
    b.text("year", doc.year)
    b.text("status", doc.status)
    b.many("studio", doc.studios)
    b.text("trailer", check_reference(doc.trailer) if doc.trailer else None)
    _art_links(b, doc)
    _actors(b, doc.actors)
    for season in sorted(doc.namedseasons, key=lambda s: s.number):
        b.text("namedseason", season.name, number=str(season.number))
    b.text("displayorder", doc.displayorder or None)
    b.text("dateadded", doc.dateadded)
    # an imported <displayorder> is the show's order now: written above, not twice
    b.unknown(r for r in doc.unknown if not (doc.displayorder and r.lstrip().startswith("<displayorder")))
    return b.root


def _episode(doc: EpisodeNfo) -> _El:
    b = _Builder("episodedetails")
    _video_head(b, doc)
    b.text("season", doc.season)
    b.text("episode", doc.episode)
    b.text("displayseason", doc.displayseason)
    b.text("displayepisode", doc.displayepisode)
    _video_middle(b, doc)
    b.many("credits", doc.credits)
    b.many("director", doc.directors)
    b.text("year", doc.year)
    b.text("aired", doc.aired)
    b.many("studio", doc.studios)
    _streamdetails(b, doc.streamdetails)
    _actors(b, doc.actors)
    b.text("dateadded", doc.dateadded)
    b.unknown(doc.unknown)
    return b.root


# ------------------------------------------------------------------------------- music kinds


def _artist(doc: ArtistNfo) -> _El:
    b = _Builder("artist")
    b.text("name", doc.name)
    b.text("musicBrainzArtistID", doc.musicbrainzartistid)
    b.text("sortname", doc.sortname)
    b.text("disambiguation", doc.disambiguation)
    b.many("genre", doc.genres)
    b.many("style", doc.styles)
    b.many("mood", doc.moods)
    b.text("born", doc.born)
    b.text("formed", doc.formed)
    b.text("biography", doc.biography)
    b.text("died", doc.died)
    b.text("disbanded", doc.disbanded)
    b.unknown(doc.unknown)
    return b.root


def _album(doc: AlbumNfo) -> _El:
    b = _Builder("album")
    b.text("title", doc.title)
    b.text("musicbrainzalbumid", doc.musicbrainzalbumid)
    b.text("musicbrainzreleasegroupid", doc.musicbrainzreleasegroupid)
    b.text("artistdesc", doc.artistdesc)
    b.many("genre", doc.genres)
    b.many("style", doc.styles)
    b.many("mood", doc.moods)
    b.text("review", doc.review)
    b.text("releasedate", doc.releasedate)
    b.text("year", doc.year)
    b.text("label", doc.label)
    for artist in doc.artists:
        b.node(_group("albumArtistCredits", (("artist", artist.name),
                                             ("musicBrainzArtistID", artist.musicbrainzartistid))))
    b.unknown(doc.unknown)
    return b.root
