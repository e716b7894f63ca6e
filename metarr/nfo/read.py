"""Reading NFO files: hostile-input safe (defusedxml, no DTDs), tolerant of what real tools write.

`parse_nfo` never raises: every failure becomes `NfoResult.error` (an NfoError), and whatever ids
could still be found (URLs, regex salvage of broken XML) are returned alongside.
"""
from __future__ import annotations

import dataclasses
import html.entities
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from metarr.nfo import ids as idlib
from metarr.nfo.decode import decode_nfo
from metarr.nfo.elements import READERS, Reader, tag_of
from metarr.nfo.errors import NfoError
from metarr.nfo.model import (
    NFO_KINDS,
    EpisodesNfo,
    IdMap,
    NfoDoc,
    NfoKind,
)

MAX_NFO_BYTES = 1 << 20  # real NFOs are a few KiB; anything this big is not one (reliability §D.3)

_ROOT_OPEN = re.compile(r"<\s*(movie|tvshow|episodedetails|artist|album|musicvideo)(?=[\s/>])", re.I)
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_HTML_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)(?:([A-Za-z][A-Za-z0-9]*);)?")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WRAP = "metarr-nfo"


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


def _build(roots: list[ET.Element], junk: list[str], kind_hint: NfoKind | None,
           warnings: list[str]) -> NfoResult:
    if not roots:
        return NfoResult(None, warnings=tuple(warnings), error=NfoError("not_nfo", "no root element"))
    kind = tag_of(roots[0])
    same = [root for root in roots if tag_of(root) == kind]
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

    if kind not in READERS:
        reader = Reader("movie", warnings)
        for child in same[0]:
            reader.read_ids(child)
        found = reader.final_ids()
        warnings.extend(idlib.merge_ids(found, url_ids.items(), "trailing URL"))
        return NfoResult(None, IdMap(found), tuple(warnings),
                         NfoError("unsupported_root", f"<{kind}> NFOs are not supported"))

    docs = [READERS[kind](root, warnings) for root in same]
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
