"""Per-kind element readers: one root element's children → constructor arguments of its dataclass.

Known elements fill fields; every other top-level element is kept as raw XML (`unknown`) so a
rewrite loses nothing. Values that cannot be read are dropped with a warning, never raised.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from metarr.nfo import ids as idlib
from metarr.nfo.model import (
    Actor,
    AlbumArtist,
    AlbumNfo,
    ArtistNfo,
    ArtLink,
    AudioStream,
    EpisodeNfo,
    MovieNfo,
    MovieSet,
    NamedSeason,
    Rating,
    StreamDetails,
    SubtitleStream,
    TvShowNfo,
    VideoStream,
    to_decimal,
)


def tag_of(element: ET.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


class Reader:
    """Accumulates one root element's children into constructor arguments."""

    def __init__(self, kind: str, warnings: list[str]) -> None:
        self.kind = kind
        self.warnings = warnings
        self.values: dict[str, Any] = {}
        self.lists: dict[str, list[Any]] = {}
        self.unknown: list[str] = []
        self.legacy_ids: dict[str, str] = {}
        self.unique_ids: dict[str, str] = {}
        self.default_id: str | None = None
        self.deferred: dict[str, list[ET.Element]] = {}

    # scalar helpers --------------------------------------------------------------------------

    def text(self, element: ET.Element) -> str | None:
        value = (element.text or "").strip()
        return value or None

    def set_once(self, name: str, value: Any) -> None:
        if value is None:
            return
        if name in self.values:
            self.warnings.append(f"repeated <{name}>; keeping the first")
            return
        self.values[name] = value

    def number(self, element: ET.Element, convert: Callable[[str], Any]) -> Any:
        raw = self.text(element)
        if raw is None:
            return None
        try:
            return convert(raw)
        except (ValueError, ArithmeticError, TypeError):
            self.warnings.append(f"<{tag_of(element)}> {raw!r} is not a number; ignored")
            return None

    def add(self, name: str, value: Any) -> None:
        if value is not None:
            self.lists.setdefault(name, []).append(value)

    def keep_unknown(self, element: ET.Element) -> None:
        tail, element.tail = element.tail, None
        self.unknown.append(ET.tostring(element, encoding="unicode"))
        element.tail = tail

    # ids -------------------------------------------------------------------------------------

    def read_ids(self, element: ET.Element) -> bool:
        tag = tag_of(element)
        raw = self.text(element)
        if tag in ("tmdbid", "imdbid", "tvdbid"):
            self._add_id(self.legacy_ids, tag[:-2], raw)
        elif tag == "id":
            source = (element.get("source") or element.get("type") or "").strip().lower()
            self._add_id(self.legacy_ids, source or (idlib.guess_type(raw or "", self.kind) or ""), raw)
        elif tag == "uniqueid":
            typ = (element.get("type") or "").strip().lower()
            typ = typ or idlib.guess_type(raw or "", self.kind) or "unknown"
            if self._add_id(self.unique_ids, typ, raw) and _truthy(element.get("default")):
                self.default_id = self.default_id or typ
        else:
            return False
        return True

    def _add_id(self, target: dict[str, str], typ: str, raw: str | None) -> bool:
        if not raw:
            return False
        value = idlib.normalise_id(typ, raw) if typ else None
        if value is None:
            self.warnings.append(f"id {raw!r} ({typ or 'untyped'}) is not valid; ignored")
            return False
        if target.get(typ, value) != value:
            self.warnings.append(f"two {typ} ids ({target[typ]}, {value}); keeping the first")
            return False
        target.setdefault(typ, value)
        return True

    def final_ids(self) -> dict[str, str]:
        # uniqueid wins over the legacy forms, as in the original's "later overwrites" order.
        ids = dict(self.legacy_ids)
        for typ, value in self.unique_ids.items():
            if ids.get(typ, value) != value:
                self.warnings.append(f"legacy {typ} id {ids[typ]} differs from uniqueid {value}; using uniqueid")
            ids[typ] = value
        return ids


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _int(raw: str) -> int:
    # Kodi writes integers; tolerate "136 min" and "136.0" from other tools.
    match = re.match(r"^-?\d+(?:\.0+)?", raw.strip())
    if not match:
        raise ValueError(raw)
    return int(Decimal(match.group(0)))


def _votes(raw: str) -> int:
    return _int(re.sub(r"[,.\s](?=\d{3}\b)", "", raw))


def _decimal(raw: str) -> Decimal:
    raw = raw.strip()
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")  # "8,2" from locales with a decimal comma
    value = to_decimal(raw)
    assert value is not None
    return value


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if tag_of(child) == name:
            return child
    return None


def _child_text(reader: Reader, element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    return reader.text(child) if child is not None else None


def _child_number(reader: Reader, element: ET.Element, name: str, convert: Callable[[str], Any]) -> Any:
    child = _child(element, name)
    return reader.number(child, convert) if child is not None else None


# element readers -----------------------------------------------------------------------------


def _read_ratings(reader: Reader, element: ET.Element) -> None:
    for rating in element:
        if tag_of(rating) != "rating":
            continue
        value = _child_number(reader, rating, "value", _decimal)
        if value is None:
            value = reader.number(rating, _decimal) if len(rating) == 0 else None
        if value is None:
            continue
        max_raw = rating.get("max")
        max_value = _int(max_raw) if max_raw and re.match(r"^\s*\d+(\.0+)?\s*$", max_raw) else 10
        reader.add("ratings", Rating(
            name=(rating.get("name") or "default").strip() or "default", value=value,
            votes=_child_number(reader, rating, "votes", _votes), max=max_value,
            default=_truthy(rating.get("default")),
        ))
    reader.values["_has_ratings"] = True


def _read_set(reader: Reader, element: ET.Element) -> None:
    if len(element):
        name = _child_text(reader, element, "name")
        if name:
            colid = (element.get("tmdbcolid") or "").strip()
            reader.set_once("set", MovieSet(name=name, overview=_child_text(reader, element, "overview"),
                                            tmdbcolid=int(colid) if colid.isascii() and colid.isdigit() else None))
    elif reader.text(element):  # legacy `<set>Name</set>` (the original ignored it)
        reader.set_once("set", MovieSet(name=reader.text(element) or ""))


def _read_actor(reader: Reader, element: ET.Element) -> None:
    name = _child_text(reader, element, "name")
    if not name:
        reader.warnings.append("<actor> without a name; ignored")
        return
    reader.add("actors", Actor(
        name=name, role=_child_text(reader, element, "role"),
        order=_child_number(reader, element, "order", _int), thumb=_child_text(reader, element, "thumb"),
    ))


_ART_ATTRS = frozenset({"aspect", "preview", "season", "type"})


def _art_link(reader: Reader, element: ET.Element) -> ArtLink | None:
    """An online alternative in the form Metarr writes; anything else (a local path, `spoof`/`cache`
    attributes, a relative name) is None and stays verbatim as an unknown element."""
    url = reader.text(element)
    if not url or not url.lower().startswith(("http://", "https://")) or set(element.attrib) - _ART_ATTRS:
        return None
    season = element.get("season")
    return ArtLink(url=url, aspect=element.get("aspect"), preview=element.get("preview"),
                   season=int(season) if season and season.lstrip("-").isdigit() else None)


def _read_thumb(reader: Reader, element: ET.Element) -> None:
    link = _art_link(reader, element)
    if link is None:
        reader.keep_unknown(element)
    else:
        reader.add("thumbs", link)


def _read_fanart(reader: Reader, element: ET.Element) -> None:
    thumbs = [c for c in element if isinstance(c.tag, str)]
    links = [_art_link(reader, c) if tag_of(c) == "thumb" else None for c in thumbs]
    if element.attrib or not links or None in links:
        reader.keep_unknown(element)   # e.g. the legacy <fanart url="base"> form: kept as it was
        return
    for link in links:
        reader.add("fanart", link)


def _read_fileinfo(reader: Reader, element: ET.Element) -> None:
    details = _child(element, "streamdetails")
    if details is None:
        reader.keep_unknown(element)
        return
    video, audio, subtitle = [], [], []
    for stream in details:
        tag = tag_of(stream)
        if tag == "video":
            video.append(VideoStream(
                codec=_child_text(reader, stream, "codec"),
                aspect=_child_number(reader, stream, "aspect", _decimal),
                width=_child_number(reader, stream, "width", _int),
                height=_child_number(reader, stream, "height", _int),
                durationinseconds=_child_number(reader, stream, "durationinseconds", _int),
                stereomode=_child_text(reader, stream, "stereomode"),
                hdrtype=_child_text(reader, stream, "hdrtype"),
            ))
        elif tag == "audio":
            audio.append(AudioStream(
                codec=_child_text(reader, stream, "codec"),
                language=_child_text(reader, stream, "language"),
                channels=_child_number(reader, stream, "channels", _int),
            ))
        elif tag == "subtitle":
            subtitle.append(SubtitleStream(language=_child_text(reader, stream, "language")))
    reader.set_once("streamdetails", StreamDetails(video=tuple(video), audio=tuple(audio),
                                                   subtitle=tuple(subtitle)))


def _read_namedseason(reader: Reader, element: ET.Element) -> None:
    number_raw, name = element.get("number"), reader.text(element)
    try:
        number = _int(number_raw or "")
    except ValueError:
        reader.warnings.append(f"<namedseason> number {number_raw!r} is not a number; ignored")
        return
    if name:
        reader.add("namedseasons", NamedSeason(number=number, name=name))


def _read_album_artist(reader: Reader, element: ET.Element) -> None:
    name = _child_text(reader, element, "artist")
    if name:
        reader.add("artists", AlbumArtist(
            name=name, musicbrainzartistid=_child_text(reader, element, "musicbrainzartistid")))


Handler = Callable[[Reader, ET.Element], None]


def _scalar(name: str) -> Handler:
    return lambda reader, element: reader.set_once(name, reader.text(element))


def _numeric(name: str, convert: Callable[[str], Any]) -> Handler:
    return lambda reader, element: reader.set_once(name, reader.number(element, convert))


def _listed(name: str) -> Handler:
    return lambda reader, element: reader.add(name, reader.text(element))


def _deferred(reader: Reader, element: ET.Element) -> None:
    # Legacy forms superseded by a newer one in the same file; decided when the root is done.
    reader.deferred.setdefault(tag_of(element), []).append(element)


_VIDEO: dict[str, Handler] = {
    "title": _scalar("title"), "originaltitle": _scalar("originaltitle"),
    "sorttitle": _scalar("sorttitle"), "outline": _scalar("outline"), "plot": _scalar("plot"),
    "mpaa": _scalar("mpaa"), "dateadded": _scalar("dateadded"),
    "runtime": _numeric("runtime", _int), "year": _numeric("year", _int),
    "userrating": _numeric("userrating", _decimal),
    "genre": _listed("genres"), "credits": _listed("credits"), "director": _listed("directors"),
    "studio": _listed("studios"), "ratings": _read_ratings, "actor": _read_actor,
    "rating": _deferred, "votes": _deferred,
}
_MOVIE: dict[str, Handler] = {
    **_VIDEO, "tagline": _scalar("tagline"), "country": _listed("countries"), "tag": _listed("tags"),
    "set": _read_set, "collectionnumber": _numeric("collectionnumber", _int),
    "premiered": _scalar("premiered"), "trailer": _scalar("trailer"),
    "fileinfo": _read_fileinfo, "thumb": _read_thumb, "fanart": _read_fanart,
}
_TVSHOW: dict[str, Handler] = {
    **_VIDEO, "tagline": _scalar("tagline"), "country": _listed("countries"), "tag": _listed("tags"),
    "premiered": _scalar("premiered"), "status": _scalar("status"), "trailer": _scalar("trailer"),
    "namedseason": _read_namedseason, "thumb": _read_thumb, "fanart": _read_fanart,
}
_EPISODE: dict[str, Handler] = {
    **_VIDEO, "showtitle": _scalar("showtitle"), "season": _numeric("season", _int),
    "episode": _numeric("episode", _int), "displayseason": _numeric("displayseason", _int),
    "displayepisode": _numeric("displayepisode", _int), "aired": _scalar("aired"),
    "fileinfo": _read_fileinfo,
}
_ARTIST: dict[str, Handler] = {
    "name": _scalar("name"), "musicbrainzartistid": _scalar("musicbrainzartistid"),
    "sortname": _scalar("sortname"), "disambiguation": _scalar("disambiguation"),
    "genre": _listed("genres"), "style": _listed("styles"), "mood": _listed("moods"),
    "born": _scalar("born"), "formed": _scalar("formed"), "biography": _scalar("biography"),
    "died": _scalar("died"), "disbanded": _scalar("disbanded"),
}
_ALBUM: dict[str, Handler] = {
    "title": _scalar("title"), "musicbrainzalbumid": _scalar("musicbrainzalbumid"),
    "musicbrainzreleasegroupid": _scalar("musicbrainzreleasegroupid"),
    "artistdesc": _scalar("artistdesc"), "albumartistcredits": _read_album_artist,
    "artist": _deferred, "genre": _listed("genres"), "style": _listed("styles"),
    "mood": _listed("moods"), "review": _scalar("review"), "releasedate": _scalar("releasedate"),
    "year": _numeric("year", _int), "label": _scalar("label"),
}


def _read_root(kind: str, cls: type, handlers: dict[str, Handler]) -> Callable[[ET.Element, list[str]], Any]:
    def read(root: ET.Element, warnings: list[str]) -> Any:
        reader = Reader(kind, warnings)
        for child in root:
            if not isinstance(child.tag, str):
                continue  # comments / processing instructions
            handler = handlers.get(tag_of(child))
            if handler is not None:
                handler(reader, child)
            elif not (kind in ("movie", "tvshow", "episodedetails") and reader.read_ids(child)):
                reader.keep_unknown(child)
        _resolve_legacy(reader)
        args: dict[str, Any] = {k: v for k, v in reader.values.items() if not k.startswith("_")}
        args.update({k: tuple(v) for k, v in reader.lists.items()})
        if kind in ("movie", "tvshow", "episodedetails"):
            args["uniqueids"] = reader.final_ids()
            args["default_id"] = reader.default_id
        for name in ("musicbrainzartistid", "musicbrainzalbumid", "musicbrainzreleasegroupid"):
            if args.get(name):
                args[name] = args[name].lower()
        return cls(**args, unknown=tuple(reader.unknown))
    return read


def _resolve_legacy(reader: Reader) -> None:
    legacy_rating = reader.deferred.get("rating", [])
    votes = reader.deferred.get("votes", [])
    if legacy_rating and not reader.values.get("_has_ratings"):
        # Pre-v17 `<rating>`/`<votes>`: Kodi files it as the rating named "default".
        value = reader.number(legacy_rating[0], _decimal)
        if value is not None:
            reader.add("ratings", Rating(name="default", value=value, default=True,
                                         votes=reader.number(votes[0], _votes) if votes else None))
        legacy_rating, votes = legacy_rating[1:], votes[1:]
    for element in legacy_rating + votes:
        reader.keep_unknown(element)
    artists = reader.deferred.get("artist", [])
    if artists and not reader.lists.get("artists"):
        for element in artists:  # pre-v18 album.nfo: plain `<artist>` names
            name = reader.text(element)
            if name:
                reader.add("artists", AlbumArtist(name=name))
    elif artists:
        for element in artists:
            reader.keep_unknown(element)


READERS: dict[str, Callable[[ET.Element, list[str]], Any]] = {
    "movie": _read_root("movie", MovieNfo, _MOVIE),
    "tvshow": _read_root("tvshow", TvShowNfo, _TVSHOW),
    "episodedetails": _read_root("episodedetails", EpisodeNfo, _EPISODE),
    "artist": _read_root("artist", ArtistNfo, _ARTIST),
    "album": _read_root("album", AlbumNfo, _ALBUM),
}
