"""Which items a grid, a list request or a batch means: query parameters (or a batch's `filter`
object) parsed into a typed `FilterSpec`, refused in words when a value makes no sense, and the
peewee WHERE of a kind's model built from it. Pure apart from the query it builds: the same
conditions on SQLite and PostgreSQL (stream details are plain columns, metarr/db/stream_facts.py).

    library_id=1,2          in these libraries
    state=unidentified,ambiguous
    missing=poster,fanart   without an image in any of these slots
    locked=true|false       with (without) a locked field
    published=true|false    published at least once (never)
    publish_pending=true    changed since its last publish (enriched, not yet written)
    resolution=2160,1080    a video of that class (4k, 1080p, 720p, 576, 480 also understood)
    hdr=true|false|hdr10,dolbyvision
    video_codec=hevc,h264
    audio_channels=6        the best audio track has exactly this many channels
    audio_channels_min=6    … at least this many (5.1 and more)
    subtitle=en,de          a subtitle in this language (embedded or a file beside the video)
    duplicates=true         shares a provider id with another item of its kind
    added_days=14           added within the last N days
    genre=Drama, tag=…      one of these (repeat the parameter, or a list in a batch filter)
    year=1968, year_min=1990, year_max=1999
    certification=PG-13     the content rating (also matches "Rated PG-13", "US:PG-13")
    artist_id=3             (albums) of this artist
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import peewee as pw

from metarr.db import stream_facts
from metarr.db.media import STATES, ArtworkSlot, EntityList, FieldState, MediaFile
from metarr.library import naming


class FilterError(ValueError):
    """A filter value that cannot be used; the message says why, for a 400."""


SLOTS = {"movie": naming.MOVIE_ART, "series": naming.TVSHOW_ART, "artist": naming.ARTIST_ART,
         "album": naming.ALBUM_ART}
PROVIDER_IDS = {"movie": ("tmdb_id", "imdb_id"), "series": ("tmdb_id", "tvdb_id", "imdb_id"),
                "artist": ("musicbrainz_id",), "album": ("musicbrainz_id",)}
HDR_TYPES = ("hdr10", "hdr10plus", "hlg", "dolbyvision")
RES_WORDS = {"4k": 2160, "uhd": 2160, "2160p": 2160, "1080p": 1080, "fullhd": 1080, "hd": 720, "720p": 720,
             "576p": 576, "sd": 480, "480p": 480}
MAX_VALUES = 50


@dataclass(frozen=True)
class FilterSpec:
    library_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    locked: bool | None = None
    published: bool | None = None
    publish_pending: bool | None = None
    resolutions: tuple[int, ...] = ()
    hdr: bool | None = None
    hdr_types: tuple[str, ...] = ()
    video_codecs: tuple[str, ...] = ()
    audio_channels: int | None = None
    audio_channels_min: int | None = None
    subtitles: tuple[str, ...] = ()
    duplicates: bool | None = None
    added_days: int | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    year: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    certifications: tuple[str, ...] = ()
    artist_id: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))

    def to_params(self) -> dict[str, str | list[str]]:
        """Back to query parameters (the UI's links and a batch's stored filter)."""
        out: dict[str, str | list[str]] = {}
        for name, value in self.__dict__.items():
            if value in (None, ()):
                continue
            key = PARAM_OF.get(name, name)
            if name in ("genres", "tags", "certifications"):
                out[key] = [str(v) for v in value]
            elif isinstance(value, tuple):
                out[key] = ",".join(str(v) for v in value)
            elif isinstance(value, bool):
                out[key] = "true" if value else "false"
            else:
                out[key] = str(value)
        if self.hdr_types:
            out["hdr"] = ",".join(self.hdr_types)
            out.pop("hdr_types", None)
        return out


# the parameter each field is read from
PARAM_OF = {"library_ids": "library_id", "states": "state", "resolutions": "resolution", "video_codecs": "video_codec",
            "subtitles": "subtitle", "genres": "genre", "tags": "tag", "certifications": "certification"}
PARAMS = ("library_id", "state", "missing", "locked", "published", "publish_pending", "resolution", "hdr",
          "video_codec", "audio_channels", "audio_channels_min", "subtitle", "duplicates", "added_days", "genre",
          "tag", "year", "year_min", "year_max", "certification", "artist_id")
# besides the filters, what a list request or a batch's filter may carry
OTHER = ("q", "deleted", "limit", "offset", "sort", "cursor")


# ------------------------------------------------------------------ parsing

def _raw(src: Any, name: str) -> list[str]:
    """Every value given for a parameter: repeated query parameters, a JSON list, or one value."""
    if hasattr(src, "getall"):
        vals: list[Any] = src.getall(name, [])
    else:
        v = src.get(name)
        vals = [] if v is None else list(v) if isinstance(v, list | tuple) else [v]
    out = []
    for v in vals:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, int | str):
            out.append(str(v).strip())
        else:
            raise FilterError(f"{name}: {str(v)[:40]!r} is not a value (use text, numbers or true/false)")
    return [v for v in out if v != ""]


def _words(src: Any, name: str) -> list[str]:
    """A comma-separated (or repeated) parameter as its words."""
    words = [w.strip() for v in _raw(src, name) for w in v.split(",") if w.strip()]
    if len(words) > MAX_VALUES:
        raise FilterError(f"{name} takes at most {MAX_VALUES} values")
    return list(dict.fromkeys(words))


def _int(name: str, value: str, lo: int, hi: int) -> int:
    if not (value.isascii() and value.isdigit()):
        raise FilterError(f"{name} must be a whole number, not {value[:40]!r}")
    n = int(value)
    if not lo <= n <= hi:
        raise FilterError(f"{name} must be between {lo} and {hi}, not {n}")
    return n


def _one_int(src: Any, name: str, lo: int, hi: int) -> int | None:
    vals = _raw(src, name)
    if not vals:
        return None
    if len(vals) > 1:
        raise FilterError(f"{name} takes one value")
    return _int(name, vals[0], lo, hi)


def _bool(src: Any, name: str) -> bool | None:
    vals = _raw(src, name)
    if not vals:
        return None
    v = vals[-1].lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise FilterError(f"{name} must be true or false, not {vals[-1][:40]!r}")


def _choice(name: str, words: list[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    bad = [w for w in words if w not in allowed]
    if bad:
        raise FilterError(f"{name}: {bad[0][:40]!r} is not {what} (one of {', '.join(allowed)})")
    return tuple(words)


def _texts(src: Any, name: str) -> tuple[str, ...]:
    vals = _raw(src, name)
    if len(vals) > MAX_VALUES or any(len(v) > 200 for v in vals):
        raise FilterError(f"{name} takes at most {MAX_VALUES} values of at most 200 characters")
    return tuple(dict.fromkeys(vals))


def parse(kind: str, src: Mapping[str, Any], *, strict: bool = False) -> FilterSpec:
    """Query parameters (a MultiDict) or a batch's `filter` object → FilterSpec, or FilterError
    in words. `strict`: a name that is no filter is refused too (a batch's filter; a list request
    also carries paging and search)."""
    if strict:
        unknown = [k for k in src if k not in PARAMS and k not in OTHER]
        if unknown:
            raise FilterError(f"{unknown[0][:40]!r} is not a filter (filters: {', '.join(PARAMS)})")
    v: dict[str, Any] = {}
    v["library_ids"] = tuple(_int("library_id", w, 0, 2**31 - 1) for w in _words(src, "library_id"))
    v["states"] = _choice("state", _words(src, "state"), STATES, "a state")
    slots = SLOTS.get(kind, ())
    v["missing"] = _choice("missing", _words(src, "missing"), slots, f"an artwork slot of a {kind}")
    v["locked"] = _bool(src, "locked")
    v["published"] = _bool(src, "published")
    v["publish_pending"] = _bool(src, "publish_pending")
    res = []
    for w in _words(src, "resolution"):
        r = RES_WORDS.get(w.lower()) or (int(w.rstrip("pP")) if w.rstrip("pP").isdigit() else None)
        if r not in stream_facts.RESOLUTIONS:
            raise FilterError(f"resolution: {w[:40]!r} is not a resolution (one of 2160, 1080, 720, 576, 480; "
                              "4k and 1080p also work)")
        res.append(r)
    v["resolutions"] = tuple(dict.fromkeys(res))
    hdr = [w.lower() for w in _words(src, "hdr")]
    if hdr in (["true"], ["1"], ["yes"]):
        v["hdr"] = True
    elif hdr in (["false"], ["0"], ["no"]):
        v["hdr"] = False
    elif hdr:
        v["hdr_types"] = _choice("hdr", hdr, HDR_TYPES, "an HDR type (or true / false)")
    codecs = [w.lower() for w in _words(src, "video_codec")]
    if any(not c.replace("-", "").replace("_", "").isalnum() or len(c) > 32 for c in codecs):
        raise FilterError("video_codec takes codec names such as hevc, h264, av1, vp9, mpeg2video")
    v["video_codecs"] = tuple(codecs)
    v["audio_channels"] = _one_int(src, "audio_channels", 1, 32)
    v["audio_channels_min"] = _one_int(src, "audio_channels_min", 1, 32)
    subs = []
    for w in _words(src, "subtitle"):
        code = stream_facts.language(w)
        if code is None:
            raise FilterError(f"subtitle: {w[:40]!r} is not a language code (en, de, pt-BR, eng…)")
        subs.append(code)
    v["subtitles"] = tuple(dict.fromkeys(subs))
    v["duplicates"] = _bool(src, "duplicates")
    v["added_days"] = _one_int(src, "added_days", 1, 36500)
    v["genres"] = _texts(src, "genre")
    v["tags"] = _texts(src, "tag")
    for name in ("year", "year_min", "year_max"):
        v[name] = _one_int(src, name, 0, 9999)
    if v["year_min"] is not None and v["year_max"] is not None and v["year_min"] > v["year_max"]:
        raise FilterError(f"year_min ({v['year_min']}) is after year_max ({v['year_max']})")
    v["certifications"] = _texts(src, "certification")
    v["artist_id"] = _one_int(src, "artist_id", 0, 2**31 - 1)
    spec = FilterSpec(**v)
    _fits(kind, spec)
    return spec


def _fits(kind: str, spec: FilterSpec) -> None:
    """Filters a kind has nothing for are refused, not silently ignored."""
    if (spec.year is not None or spec.year_min is not None or spec.year_max is not None) and kind == "artist":
        raise FilterError("artists have no year; filter their albums by year")
    if spec.certifications and kind not in ("movie", "series"):
        raise FilterError(f"certification applies to movies and series, not to a {kind}")
    if spec.tags and kind not in ("movie", "series"):
        raise FilterError(f"tag applies to movies and series, not to a {kind}")
    if spec.artist_id is not None and kind != "album":
        raise FilterError("artist_id applies to albums")


# ------------------------------------------------------------------ the WHERE

def where(query, model, kind: str, filters: Mapping[str, Any]):
    """`query` narrowed to the items a filter means. `filters` holds a parsed `spec`, or raw values
    (the keyword arguments of browse.list_entities: state=…, library_id=…) that are parsed here."""
    spec = filters.get("spec")
    if spec is None:
        spec = parse(kind, {k: v for k, v in filters.items() if k in PARAMS})
    cond = conditions(model, kind, spec)
    return query.where(*cond) if cond else query


def conditions(model, kind: str, spec: FilterSpec) -> list:
    c: list = []
    if spec.library_ids:
        c.append(model.library_id.in_(spec.library_ids))
    if spec.states:
        c.append(model.state.in_(spec.states))
    if spec.artist_id is not None:
        c.append(model.artist_id == spec.artist_id)
    for slot in spec.missing:
        c.append(model.id.not_in(ArtworkSlot.select(ArtworkSlot.entity_id).where(
            (ArtworkSlot.entity_type == kind) & (ArtworkSlot.slot == slot) & ArtworkSlot.season.is_null(True))))
    if spec.locked is not None:
        sub = FieldState.select(FieldState.entity_id).where((FieldState.entity_type == kind)
                                                            & (FieldState.locked == True))  # noqa: E712
        c.append(model.id.in_(sub) if spec.locked else model.id.not_in(sub))
    if spec.published is not None:
        c.append(model.published_at.is_null(not spec.published))
    if spec.publish_pending is not None:
        pending = model.state == "enriched"
        c.append(pending if spec.publish_pending else ~pending)
    for files in _file_conditions(spec):   # each met by one of the item's files (not all by the same)
        c.append(model.id.in_(MediaFile.select(MediaFile.entity_id).where(
            (MediaFile.entity_type == kind) & MediaFile.deleted_at.is_null(True) & files)))
    if spec.duplicates is not None:
        dup = _duplicates(model, kind)
        c.append(dup if spec.duplicates else ~dup)
    if spec.added_days is not None:
        c.append(model.date_added >= time.time() - spec.added_days * 86400)
    for name, values in (("genres", spec.genres), ("tags", spec.tags)):
        if values:
            c.append(model.id.in_(EntityList.select(EntityList.entity_id).where(
                (EntityList.entity_type == kind) & (EntityList.name == name)
                & (pw.fn.LOWER(EntityList.value).in_([v.lower() for v in values])))))
    if spec.year is not None:
        c.append(model.year == spec.year)
    if spec.year_min is not None:
        c.append(model.year >= spec.year_min)
    if spec.year_max is not None:
        c.append(model.year <= spec.year_max)
    if spec.certifications:
        either = None
        for cert in spec.certifications:
            low = cert.lower()
            one = ((pw.fn.LOWER(model.content_rating) == low) | (pw.fn.LOWER(model.content_rating) == f"rated {low}")
                   | pw.fn.LOWER(model.content_rating).endswith(f":{low}"))
            either = one if either is None else either | one
        c.append(either)
    return c


def _file_conditions(spec: FilterSpec) -> list:
    """What the item's files must have, one condition per filter."""
    parts = []
    video = MediaFile.kind == "video"
    if spec.resolutions:
        parts.append(video & MediaFile.res.in_(spec.resolutions))
    if spec.hdr is True:
        parts.append(video & MediaFile.hdr.is_null(False))
    if spec.hdr is False:
        parts.append(video & MediaFile.res.is_null(False) & MediaFile.hdr.is_null(True))
    if spec.hdr_types:
        parts.append(video & MediaFile.hdr.in_(spec.hdr_types))
    if spec.video_codecs:
        parts.append(video & MediaFile.vcodec.in_(spec.video_codecs))
    if spec.audio_channels is not None:
        parts.append(MediaFile.achannels == spec.audio_channels)
    if spec.audio_channels_min is not None:
        parts.append(MediaFile.achannels >= spec.audio_channels_min)
    if spec.subtitles:
        either = None
        for code in spec.subtitles:
            names = [code, *sorted(k for k, v in stream_facts._THREE.items() if v == code)]
            ext = MediaFile.role.in_(names)
            for n in names:
                ext = ext | MediaFile.role.startswith(f"{n}-")
            one = (video & MediaFile.sublangs.contains(f",{code},")) | ((MediaFile.kind == "subtitle") & ext)
            either = one if either is None else either | one
        parts.append(either)
    return parts


def _duplicates(model, kind: str):
    """Shares one of its provider ids with another live item of its kind."""
    either = None
    for col in PROVIDER_IDS.get(kind, ()):
        other = model.alias()
        field = getattr(other, col)
        sub = (other.select(field).where(field.is_null(False) & other.deleted_at.is_null(True))
               .group_by(field).having(pw.fn.COUNT(other.id) > 1))
        one = getattr(model, col).is_null(False) & getattr(model, col).in_(sub)   # NULL never counts
        either = one if either is None else either | one
    return either if either is not None else (model.id < 0)
