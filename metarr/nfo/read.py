"""Reading NFO files: hostile-input safe (defusedxml, no DTDs), tolerant of what real tools write.

`parse_nfo` never raises: every failure becomes `NfoResult.error` (an NfoError), and whatever ids
could still be found (URLs, regex salvage of broken XML) are returned alongside.
"""
from __future__ import annotations

import dataclasses
import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from metarr.nfo import ids as idlib
from metarr.nfo.decode import decode_nfo
from metarr.nfo.errors import NfoError
from metarr.nfo.model import (
    NFO_KINDS,
    Actor,
    AlbumArtist,
    AlbumNfo,
    ArtistNfo,
    AudioStream,
    EpisodeNfo,
    EpisodesNfo,
    IdMap,
    MovieNfo,
    MovieSet,
    NamedSeason,
    NfoDoc,
    NfoKind,
    Rating,
    StreamDetails,
    SubtitleStream,
    TvShowNfo,
    VideoStream,
    to_decimal,
)

MAX_NFO_BYTES = 1 << 20  # real NFOs are a few KiB; anything this big is not one (reliability §D.3)

_ROOT_OPEN = re.compile(r"<\s*(movie|tvshow|episodedetails|artist|album|musicvideo)(?=[\s/>])", re.I)
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_HTML_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)(?:([A-Za-z][A-Za-z0-9]*);)?")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WRAP = "metarr-nfo"
_EXPAT_UNDEFINED_ENTITY = 11


@dataclass(frozen=True)
class NfoResult:
    """Outcome of reading one NFO: the document (if any), every id found, and what went wrong."""

    doc: NfoDoc | None
    ids: IdMap = field(default_factory=IdMap)
    warnings: tuple[str, ...] = ()
    error: NfoError | None = None
    kind: NfoKind | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.doc is not None

    def unwrap(self) -> NfoDoc:
        """The document, or raise the error (NfoError) that prevented it."""
        if self.error is not None:
            raise self.error
        if self.doc is None:
            raise NfoError("not_nfo", "the NFO holds ids only (URL NFO), no document")
        return self.doc


def parse_nfo(data: bytes | bytearray | memoryview | str, kind_hint: NfoKind | None = None) -> NfoResult:
    """Read an NFO. Never raises; failures are in `.error`, salvaged ids in `.ids`."""
    try:
        return _parse(data, kind_hint)
    except NfoError as exc:  # pragma: no cover - _parse reports its own errors
        return NfoResult(None, error=exc)
    except RecursionError:
        return NfoResult(None, error=NfoError("malformed", "elements nested too deeply"))
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"; report instead
        return NfoResult(None, error=NfoError("internal", f"unexpected {type(exc).__name__}: {exc}"))


def _parse(data: Any, kind_hint: NfoKind | None) -> NfoResult:
    warnings: list[str] = []
    if isinstance(data, str):
        text = data.lstrip("\ufeff")
    else:
        raw = bytes(data)
        if len(raw) > MAX_NFO_BYTES:
            return NfoResult(None, error=NfoError("too_large", f"{len(raw)} bytes exceeds {MAX_NFO_BYTES}"))
        if not raw.strip():
            return NfoResult(None, error=NfoError("empty", "the file is empty"))
        try:
            text, decode_warnings = decode_nfo(raw)
        except NfoError as exc:
            return NfoResult(None, error=exc)
        warnings.extend(decode_warnings)
    if not text.strip():
        return NfoResult(None, error=NfoError("empty", "the file holds only whitespace"))

    root_match = _ROOT_OPEN.search(text)
    if root_match is None:
        return _url_only(text, kind_hint, warnings)
    guessed_kind = root_match.group(1).lower()
    salvage_kind = kind_hint or guessed_kind
    if _DTD.search(text):
        # Refuse before parsing: nothing is expanded, nothing is fetched (XXE, billion laughs).
        error = NfoError("dtd_forbidden", "NFO declares a DTD or entities; refused (XXE / entity expansion)")
        return _failed(text, salvage_kind, warnings, error)

    illegal = len(_ILLEGAL.findall(text))
    if illegal:
        text = _ILLEGAL.sub("", text)
        warnings.append(f"removed {illegal} control character(s) illegal in XML")

    body, junk = _split_junk(text, root_match.start())
    try:
        wrapper = _parse_xml(body, warnings)
    except NfoError as exc:
        return _failed(text, salvage_kind, warnings, exc)

    roots = [child for child in wrapper]
    junk += [child.tail for child in roots if child.tail and child.tail.strip()]
    return _build(roots, junk, kind_hint, warnings)


def _url_only(text: str, kind_hint: NfoKind | None, warnings: list[str]) -> NfoResult:
    found, url_warnings = idlib.ids_from_text(text, kind_hint)
    warnings.extend(url_warnings)
    if not found:
        return NfoResult(None, warnings=tuple(warnings),
                         error=NfoError("not_nfo", "neither Kodi XML nor a recognised provider URL"))
    warnings.append("no XML document; ids taken from URLs")
    return NfoResult(None, IdMap(found), tuple(warnings), kind=kind_hint)


def _failed(text: str, kind: str | None, warnings: list[str], error: NfoError) -> NfoResult:
    found = idlib.salvage_ids(text, kind)
    if found:
        warnings.append(f"document unreadable; salvaged ids {sorted(found)} by pattern")
    known_kind = kind if kind in NFO_KINDS else None
    return NfoResult(None, IdMap(found), tuple(warnings), error, known_kind)  # type: ignore[arg-type]


def _split_junk(text: str, root_start: int) -> tuple[str, list[str]]:
    """Separate the XML from text around it (URL lines before or after the root)."""
    junk: list[str] = []
    prefix = _COMMENTS.sub("", _XML_DECL.sub("", text[:root_start]))
    if prefix.strip():
        junk.append(prefix)
    # Blank the prefix rather than cut it so parser positions still match the file.
    blank = re.sub(r"[^\n]", " ", text[:root_start])
    rest = text[root_start:]
    name = _ROOT_OPEN.match(rest)
    assert name is not None
    closes = list(re.finditer(rf"</\s*{re.escape(name.group(1))}\s*>", rest))
    if closes:
        end = closes[-1].end()
        tail = _COMMENTS.sub("", rest[end:])
        if tail.strip():
            junk.append(tail)
        rest = rest[:end]
    return blank + rest, junk


def _parse_xml(body: str, warnings: list[str]) -> ET.Element:
    """Parse inside a synthetic wrapper (stacked `<episodedetails>` are several roots)."""
    try:
        return _fromstring(body)
    except NfoError as exc:
        # Hand-made NFOs often carry a bare '&' ("Fast & Furious") or HTML entities (&nbsp;);
        # Kodi's TinyXML accepts them as text, so repair and retry once.
        if exc.code != "malformed" or not _HTML_ENTITY.search(body):
            raise
        repaired = _HTML_ENTITY.sub(_repair_entity, body)
        wrapper = _fromstring(repaired)
        warnings.append("escaped stray '&' / undefined entities to read the file")
        return wrapper


def _repair_entity(match: re.Match[str]) -> str:
    """`&nbsp;` → its character (HTML entities are what people type); a bare `&` → `&amp;`."""
    name = match.group(1)
    if name and name in html.entities.name2codepoint:
        char = chr(html.entities.name2codepoint[name])
        return {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(char, char)
    return "&amp;" + (f"{name};" if name else "")


def _fromstring(body: str) -> ET.Element:
    wrapped = f"<{_WRAP}>{body}</{_WRAP}>"
    try:
        return SafeET.fromstring(wrapped, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise NfoError("dtd_forbidden", f"refused: {type(exc).__name__}") from exc
    except ET.ParseError as exc:
        line, column = exc.position
        if line == 1:
            column = max(0, column - len(_WRAP) - 2)
        lines = body.split("\n")
        at_end = line > len(lines) or (line == len(lines) and column >= len(lines[-1]))
        message = str(exc).split(":")[0]
        if at_end or "no element found" in message or "unclosed token" in message:
            code, reason = "truncated", f"XML ends before the document is closed ({message})"
        else:
            code, reason = "malformed", f"XML is not well-formed ({message})"
        raise NfoError(code, reason, (line, column)) from exc


# --------------------------------------------------------------------------- document building


def _tag(element: ET.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _build(roots: list[ET.Element], junk: list[str], kind_hint: NfoKind | None,
           warnings: list[str]) -> NfoResult:
    if not roots:
        return NfoResult(None, warnings=tuple(warnings), error=NfoError("not_nfo", "no root element"))
    kind = _tag(roots[0])
    same = [root for root in roots if _tag(root) == kind]
    if len(same) != len(roots):
        warnings.append("root elements of different kinds; reading only the first kind")
    if len(same) > 1 and kind != "episodedetails":
        warnings.append(f"{len(same)} <{kind}> roots; reading the first")
        same = same[:1]
    if kind_hint and kind_hint != kind:
        warnings.append(f"expected a {kind_hint} NFO, found <{kind}>")

    url_ids: dict[str, str] = {}
    for text in junk:
        found, url_warnings = idlib.ids_from_text(text, kind)
        warnings.extend(url_warnings)
        for key, value in found.items():
            url_ids.setdefault(key, value)
    if junk:
        warnings.append("text outside the XML document" + ("; ids taken from its URLs" if url_ids else ""))

    if kind not in _READERS:
        reader = _Reader("movie", warnings)
        for child in same[0]:
            reader.read_ids(child)
        found = reader.final_ids()
        warnings.extend(idlib.merge_ids(found, url_ids.items(), "trailing URL"))
        return NfoResult(None, IdMap(found), tuple(warnings),
                         NfoError("unsupported_root", f"<{kind}> NFOs are not supported"))

    docs = [_READERS[kind](root, warnings) for root in same]
    if kind == "episodedetails":
        doc: NfoDoc = EpisodesNfo(episodes=tuple(docs))  # type: ignore[arg-type]
        first: Any = docs[0]
    else:
        doc = first = docs[0]
    ids = _doc_ids(first)
    warnings.extend(idlib.merge_ids(ids, url_ids.items(), "trailing URL"))
    if kind != "episodedetails" and url_ids and hasattr(first, "uniqueids"):
        # A combined NFO (XML + URL line): the URL's ids join the document so they round-trip.
        merged = dict(first.uniqueids)
        idlib.merge_ids(merged, url_ids.items(), "")
        doc = dataclasses.replace(first, uniqueids=merged)
    return NfoResult(doc, IdMap(ids), tuple(warnings), kind=kind)  # type: ignore[arg-type]


def _doc_ids(doc: Any) -> dict[str, str]:
    if hasattr(doc, "uniqueids"):
        return dict(doc.uniqueids)
    found = {}
    for name in ("musicbrainzartistid", "musicbrainzalbumid", "musicbrainzreleasegroupid"):
        value = getattr(doc, name, None)
        if value:
            found[name] = value
    return found


class _Reader:
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
            self.warnings.append(f"<{_tag(element)}> {raw!r} is not a number; ignored")
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
        tag = _tag(element)
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
        if _tag(child) == name:
            return child
    return None


def _child_text(reader: _Reader, element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    return reader.text(child) if child is not None else None


def _child_number(reader: _Reader, element: ET.Element, name: str, convert: Callable[[str], Any]) -> Any:
    child = _child(element, name)
    return reader.number(child, convert) if child is not None else None


# element readers -----------------------------------------------------------------------------


def _read_ratings(reader: _Reader, element: ET.Element) -> None:
    for rating in element:
        if _tag(rating) != "rating":
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


def _read_set(reader: _Reader, element: ET.Element) -> None:
    if len(element):
        name = _child_text(reader, element, "name")
        if name:
            reader.set_once("set", MovieSet(name=name, overview=_child_text(reader, element, "overview")))
    elif reader.text(element):  # legacy `<set>Name</set>` (the original ignored it)
        reader.set_once("set", MovieSet(name=reader.text(element) or ""))


def _read_actor(reader: _Reader, element: ET.Element) -> None:
    name = _child_text(reader, element, "name")
    if not name:
        reader.warnings.append("<actor> without a name; ignored")
        return
    reader.add("actors", Actor(
        name=name, role=_child_text(reader, element, "role"),
        order=_child_number(reader, element, "order", _int), thumb=_child_text(reader, element, "thumb"),
    ))


def _read_fileinfo(reader: _Reader, element: ET.Element) -> None:
    details = _child(element, "streamdetails")
    if details is None:
        reader.keep_unknown(element)
        return
    video, audio, subtitle = [], [], []
    for stream in details:
        tag = _tag(stream)
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


def _read_namedseason(reader: _Reader, element: ET.Element) -> None:
    number_raw, name = element.get("number"), reader.text(element)
    try:
        number = _int(number_raw or "")
    except ValueError:
        reader.warnings.append(f"<namedseason> number {number_raw!r} is not a number; ignored")
        return
    if name:
        reader.add("namedseasons", NamedSeason(number=number, name=name))


def _read_album_artist(reader: _Reader, element: ET.Element) -> None:
    name = _child_text(reader, element, "artist")
    if name:
        reader.add("artists", AlbumArtist(
            name=name, musicbrainzartistid=_child_text(reader, element, "musicbrainzartistid")))


Handler = Callable[[_Reader, ET.Element], None]


def _scalar(name: str) -> Handler:
    return lambda reader, element: reader.set_once(name, reader.text(element))


def _numeric(name: str, convert: Callable[[str], Any]) -> Handler:
    return lambda reader, element: reader.set_once(name, reader.number(element, convert))


def _listed(name: str) -> Handler:
    return lambda reader, element: reader.add(name, reader.text(element))


def _deferred(reader: _Reader, element: ET.Element) -> None:
    # Legacy forms superseded by a newer one in the same file; decided when the root is done.
    reader.deferred.setdefault(_tag(element), []).append(element)


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
    "set": _read_set, "premiered": _scalar("premiered"), "trailer": _scalar("trailer"),
    "fileinfo": _read_fileinfo,
}
_TVSHOW: dict[str, Handler] = {
    **_VIDEO, "tagline": _scalar("tagline"), "country": _listed("countries"), "tag": _listed("tags"),
    "premiered": _scalar("premiered"), "status": _scalar("status"), "trailer": _scalar("trailer"),
    "namedseason": _read_namedseason,
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
        reader = _Reader(kind, warnings)
        for child in root:
            if not isinstance(child.tag, str):
                continue  # comments / processing instructions
            handler = handlers.get(_tag(child))
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


def _resolve_legacy(reader: _Reader) -> None:
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


_READERS: dict[str, Callable[[ET.Element, list[str]], Any]] = {
    "movie": _read_root("movie", MovieNfo, _MOVIE),
    "tvshow": _read_root("tvshow", TvShowNfo, _TVSHOW),
    "episodedetails": _read_root("episodedetails", EpisodeNfo, _EPISODE),
    "artist": _read_root("artist", ArtistNfo, _ARTIST),
    "album": _read_root("album", AlbumNfo, _ALBUM),
}
