"""Bytes → text for NFO files, which come in every encoding real tools ever wrote.

Order: BOM, then the XML declaration, then strict UTF-8, then cp1252 (what Windows editors write
without declaring anything). We decode ourselves, rather than letting expat guess, so that an
undeclared cp1252 file is still readable and so that the caller gets a warning about it.
"""
from __future__ import annotations

import codecs
import re

from metarr.nfo.errors import NfoError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Characters XML 1.0 forbids; a handful in a text usually means binary garbage, not an NFO.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def decode_nfo(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Return (text without BOM, warnings). Raises NfoError('binary') for non-text content."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data[len(bom):].decode(encoding)), ()
            except UnicodeDecodeError as exc:
                raise NfoError("binary", f"bytes are not valid {encoding} despite the BOM") from exc
    if b"\x00" in data[:4096]:
        return _utf16_without_bom(data)

    warnings: list[str] = []
    declared = _declared_encoding(data)
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return _check_text(data.decode(declared)), ()
        except LookupError:
            warnings.append(f"unknown declared encoding {declared!r}; guessing")
        except UnicodeDecodeError:
            warnings.append(f"content is not valid {declared} as declared; guessing")
    try:
        return _check_text(data.decode("utf-8")), tuple(warnings)
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; 'replace' keeps us total rather than failing on them.
    text = data.decode("cp1252", errors="replace")
    warnings.append("not valid UTF-8; decoded as cp1252 (Windows-1252)")
    return _check_text(text), tuple(warnings)


def _declared_encoding(data: bytes) -> str | None:
    match = _DECLARED.match(data[:200])
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _utf16_without_bom(data: bytes) -> tuple[str, tuple[str, ...]]:
    # A BOM-less UTF-16 file has NULs in every other byte; anything else with NULs is binary.
    head = data[:200]
    for encoding, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if zeros and zeros.count(0) == len(zeros):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            return _check_text(text), (f"no BOM; decoded as {encoding}",)
    raise NfoError("binary", "content contains NUL bytes: not a text file")


def _check_text(text: str) -> str:
    sample = text[:4096]
    if sample and len(_ILLEGAL.findall(sample)) > max(8, len(sample) // 100):
        raise NfoError("binary", "content is mostly control characters: not a text file")
    return text
