"""NFO documents ↔ our entities: import an NFO as an `nfo`-provenance update, and build the NFO
document to publish from what the database holds."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from metarr import metadata as md
from metarr.library.movie_sets import MovieSet as MovieSetOf
from metarr.nfo.model import (
    Actor,
    AlbumNfo,
    ArtistNfo,
    ArtLink,
    AudioStream,
    EpisodeNfo,
    MovieNfo,
    MovieSet,
    Rating,
    StreamDetails,
    SubtitleStream,
    TvShowNfo,
    VideoStream,
)

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _int(v: Any) -> int | None:
    try:
        return int(v) if v is not None and str(v).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _imdb(v: str | None) -> str | None:
    return v if v and re.fullmatch(r"tt\d{5,10}", v) else None


def _date(v: str | None) -> str | None:
    return v[:10] if v and DATE_RE.match(v[:10]) else None


def _ratings(doc) -> tuple[md.RatingEntry, ...] | None:
    out = []
    for r in getattr(doc, "ratings", ()):
        try:
            out.append(md.RatingEntry(r.name, float(r.value), r.votes or 0, float(r.max or 10), r.default))
        except (TypeError, ValueError):
            continue
    return tuple(out) or None


def _cast(doc) -> tuple[md.CastEntry, ...] | None:
    actors = getattr(doc, "actors", ())
    if not actors:
        return None
    return tuple(md.CastEntry(a.name, a.role, a.order if a.order is not None else i, a.thumb)
                 for i, a in enumerate(actors))


def movie_update(doc: MovieNfo) -> md.Update:
    ids = doc.uniqueids
    scalars = {"title": doc.title, "original_title": doc.originaltitle, "sort_title": doc.sorttitle,
               "year": doc.year or (_int(doc.premiered[:4]) if doc.premiered else None),
               "premiered": _date(doc.premiered), "plot": doc.plot, "outline": doc.outline, "tagline": doc.tagline,
               "runtime": doc.runtime, "content_rating": doc.mpaa, "trailer": doc.trailer,
               "set_name": doc.set.name if doc.set else None, "set_overview": doc.set.overview if doc.set else None,
               "tmdb_id": _int(ids.get("tmdb")), "imdb_id": _imdb(ids.get("imdb")), "tvdb_id": _int(ids.get("tvdb")),
               "user_rating": float(doc.userrating) if doc.userrating is not None else None}
    lists = {"genres": list(doc.genres), "studios": list(doc.studios), "countries": list(doc.countries),
             "tags": list(doc.tags), "directors": list(doc.directors), "writers": list(doc.credits)}
    return md.Update("nfo", scalars, lists, cast=_cast(doc), ratings=_ratings(doc))


def series_update(doc: TvShowNfo) -> md.Update:
    ids = doc.uniqueids
    scalars = {"title": doc.title, "original_title": doc.originaltitle, "sort_title": doc.sorttitle,
               "year": doc.year or (_int(doc.premiered[:4]) if doc.premiered else None),
               "premiered": _date(doc.premiered), "plot": doc.plot, "outline": doc.outline, "runtime": doc.runtime,
               "content_rating": doc.mpaa, "status": doc.status, "tmdb_id": _int(ids.get("tmdb")),
               "imdb_id": _imdb(ids.get("imdb")), "tvdb_id": _int(ids.get("tvdb")),
               "user_rating": float(doc.userrating) if doc.userrating is not None else None}
    lists = {"genres": list(doc.genres), "studios": list(doc.studios), "countries": list(doc.countries),
             "tags": list(doc.tags)}
    return md.Update("nfo", scalars, lists, cast=_cast(doc), ratings=_ratings(doc))


def episode_update(doc: EpisodeNfo) -> md.Update:
    ids = doc.uniqueids
    scalars = {"title": doc.title, "plot": doc.plot, "aired": _date(doc.aired), "runtime": doc.runtime,
               "tmdb_id": _int(ids.get("tmdb")), "tvdb_id": _int(ids.get("tvdb")), "imdb_id": _imdb(ids.get("imdb")),
               "user_rating": float(doc.userrating) if doc.userrating is not None else None}
    lists = {"directors": list(doc.directors), "writers": list(doc.credits)}
    return md.Update("nfo", scalars, lists, cast=_cast(doc), ratings=_ratings(doc))


def artist_update(doc: ArtistNfo) -> md.Update:
    return md.Update("nfo", {"name": doc.name, "sort_name": doc.sortname, "biography": doc.biography,
                             "formed": doc.formed or doc.born, "musicbrainz_id": doc.musicbrainzartistid},
                     {"genres": list(doc.genres), "styles": list(doc.styles), "moods": list(doc.moods)})


def album_update(doc: AlbumNfo) -> md.Update:
    return md.Update("nfo", {"title": doc.title, "year": doc.year or (_int((doc.releasedate or "")[:4])),
                             "plot": doc.review, "label": doc.label,
                             "musicbrainz_id": doc.musicbrainzreleasegroupid,
                             "musicbrainz_release_id": doc.musicbrainzalbumid},
                     {"genres": list(doc.genres), "styles": list(doc.styles), "moods": list(doc.moods)})


# ------------------------------------------------------------------ database → NFO (publishing)

def streamdetails(streams: dict | None) -> StreamDetails:
    """Our stored ffprobe summary → NFO streamdetails."""
    if not streams:
        return StreamDetails()
    dur = streams.get("duration_s")
    video = tuple(VideoStream(codec=v.get("codec"), aspect=_aspect(v.get("aspect")), width=v.get("width"),
                              height=v.get("height"), durationinseconds=int(dur) if dur else None,
                              hdrtype=v.get("hdr_type") or None) for v in streams.get("video", ()))
    audio = tuple(AudioStream(codec=a.get("codec"), language=a.get("language"), channels=a.get("channels"))
                  for a in streams.get("audio", ()))
    subs = tuple(SubtitleStream(language=s.get("language")) for s in streams.get("subtitles", ()) if s.get("language"))
    return StreamDetails(video=video, audio=audio, subtitle=subs)


def _aspect(v: Any) -> Decimal | None:
    if v in (None, ""):
        return None
    try:
        return Decimal(str(v))
    except ArithmeticError:
        return None


def _nfo_ratings(ratings) -> tuple[Rating, ...]:
    rs = sorted(ratings, key=lambda r: (not r.is_default, r.source))
    has_default = any(r.is_default for r in rs)
    return tuple(Rating(name=r.source, value=Decimal(str(round(r.value, 2))), votes=r.votes or None,
                        max=int(r.max or 10), default=r.is_default or (not has_default and i == 0))
                 for i, r in enumerate(rs))


def actors(cast, thumbs: dict[str, str]) -> tuple[Actor, ...]:
    """`cast`: the cast members in their order (md.get_cast's: position, then id)."""
    return tuple(Actor(name=c.name, role=c.role, order=c.position, thumb=thumbs.get(c.name)) for c in cast)


def _ids(**pairs: Any) -> dict[str, str]:
    return {k: str(v) for k, v in pairs.items() if v}


_TECHNICAL = re.compile(r"^([A-Za-z]{2})[_-](FSK)\s*(\d+)$", re.IGNORECASE)


def mpaa_for(rating: str | None, players=("kodi",)) -> str | None:
    """The certification in a form every listed player parses (reference §4.2, §4.4). Kodi keeps any
    text; Jellyfin and Emby look it up in their rating tables: before 12.0 they do not split
    tinyMediaManager's "US:R / US:Rated R" (the first piece is kept), and `FSK16` without a space, or
    `DE_FSK16` / `DE-FSK16`, is in no table (`DE:FSK 16` is)."""
    if not rating or not ({"jellyfin", "emby"} & set(players)):
        return rating
    value = rating.split("/")[0].strip()
    m = _TECHNICAL.match(value)
    if m:
        value = f"{m.group(1).upper()}:FSK {m.group(3)}"
    elif re.match(r"^[A-Za-z]{2}_", value):
        value = f"{value[:2].upper()}:{value[3:]}"
    return re.sub(r"\bFSK(\d+)", r"FSK \1", value) or rating


def _set(found, players) -> dict[str, Any]:
    """`<set>`, with the TMDB collection id as Jellyfin and Emby read it (the `tmdbcolid` attribute and
    `<collectionnumber>`, reference players-and-orders §2.3) only when one of them reads the library:
    Kodi reads neither. `found`: the movie's set (movie_sets.set_of), None for none."""
    if found is None:
        return {}
    colid = found.tmdb_id if {"jellyfin", "emby"} & set(players) else None
    return {"set": MovieSet(name=found.name, overview=found.overview, tmdbcolid=colid), "collectionnumber": colid}


def movie_nfo(m, streams: dict | None, actor_thumbs: dict[str, str], dateadded: str | None,
              players=("kodi",), *, lists: dict[str, list[str]], ratings, cast, movie_set: MovieSetOf | None,
              candidates) -> MovieNfo:
    """From what the database holds for the movie, read by the caller (a publish reads a page of
    movies' at once): its lists, ratings, cast (md.get_cast's order), set (movie_sets.set_of) and
    artwork candidates that are not rejected (`online_links`)."""
    return MovieNfo(
        uniqueids=_ids(tmdb=m.tmdb_id, imdb=m.imdb_id, tvdb=m.tvdb_id), title=m.title, originaltitle=m.original_title,
        sorttitle=m.sort_title, ratings=_nfo_ratings(ratings), userrating=m.user_rating,
        outline=m.outline, plot=m.plot, runtime=m.runtime, mpaa=mpaa_for(m.content_rating, players),
        genres=lists.get("genres", ()), credits=lists.get("writers", ()), directors=lists.get("directors", ()), studios=lists.get("studios", ()),
        year=m.year, actors=actors(cast, actor_thumbs), dateadded=dateadded, tagline=m.tagline,
        countries=lists.get("countries", ()), tags=lists.get("tags", ()),
        **_set(movie_set, players),
        premiered=m.premiered, trailer=m.trailer, streamdetails=streamdetails(streams),
        unknown=tuple(m.nfo_unknown or ()), **online_links("movie", [("movie", c) for c in candidates]))


def series_nfo(s, actor_thumbs: dict[str, str], dateadded: str | None, named_seasons=(),
               players=("kodi",), display_order: str | None = None, *, lists: dict[str, list[str]], ratings, cast,
               candidates, season_numbers: dict[int, int]) -> TvShowNfo:
    """From what the database holds for the series, read by the caller (a publish reads a page of
    series' at once): its lists, ratings, cast (md.get_cast's order), its own and its seasons'
    artwork candidates that are not rejected as (entity type, candidate), every season's number by id."""
    return TvShowNfo(
        uniqueids=_ids(tvdb=s.tvdb_id, tmdb=s.tmdb_id, imdb=s.imdb_id), title=s.title, originaltitle=s.original_title,
        sorttitle=s.sort_title, ratings=_nfo_ratings(ratings), userrating=s.user_rating,
        outline=s.outline, plot=s.plot, runtime=s.runtime, mpaa=mpaa_for(s.content_rating, players),
        genres=lists.get("genres", ()), studios=lists.get("studios", ()), year=s.year, actors=actors(cast, actor_thumbs),
        dateadded=dateadded, countries=lists.get("countries", ()), tags=lists.get("tags", ()), premiered=s.premiered,
        status=s.status, namedseasons=tuple(named_seasons), unknown=tuple(s.nfo_unknown or ()),
        displayorder=display_order or None, **online_links("series", candidates, season_numbers))


def episode_nfo(e, show_title: str | None, streams: dict | None, dateadded: str | None, *,
                lists: dict[str, list[str]], ratings, cast) -> EpisodeNfo:
    """From the episode's lists, ratings and cast (md.get_cast's order), read by the caller."""
    return EpisodeNfo(
        uniqueids=_ids(tvdb=e.tvdb_id, tmdb=e.tmdb_id, imdb=e.imdb_id), title=e.title, showtitle=show_title,
        season=e.season, episode=e.episode, aired=e.aired, plot=e.plot, runtime=e.runtime,
        ratings=_nfo_ratings(ratings), userrating=e.user_rating,
        credits=lists.get("writers", ()), directors=lists.get("directors", ()),
        actors=actors(cast, {}), dateadded=dateadded, streamdetails=streamdetails(streams),
        unknown=tuple(e.nfo_unknown or ()))


def artist_nfo(a, *, lists: dict[str, list[str]]) -> ArtistNfo:
    return ArtistNfo(name=a.name, musicbrainzartistid=a.musicbrainz_id, sortname=a.sort_name,
                     genres=lists.get("genres", ()), styles=lists.get("styles", ()), moods=lists.get("moods", ()),
                     biography=a.biography, formed=a.formed, unknown=tuple(a.nfo_unknown or ()))


def album_nfo(al, artist, *, lists: dict[str, list[str]]) -> AlbumNfo:
    from metarr.nfo.model import AlbumArtist
    return AlbumNfo(title=al.title, musicbrainzalbumid=al.musicbrainz_release_id,
                    musicbrainzreleasegroupid=al.musicbrainz_id, artistdesc=artist.name if artist else None,
                    artists=(AlbumArtist(name=artist.name, musicbrainzartistid=artist.musicbrainz_id),) if artist else (),
                    genres=lists.get("genres", ()), styles=lists.get("styles", ()), moods=lists.get("moods", ()),
                    review=al.plot, year=al.year, label=al.label, unknown=tuple(al.nfo_unknown or ()))


ALTERNATIVES = 5   # per art type: enough to choose from in Kodi, not a catalogue
ASPECTS = ("poster", "banner", "clearlogo", "clearart", "discart", "landscape", "keyart", "characterart")


def candidate_columns():
    """The columns of an artwork candidate that `online_links` reads."""
    from metarr.db.media import AssetCandidate as C
    return (C.id, C.entity_type, C.entity_id, C.slot, C.url, C.score, C.selected, C.selected_by)


def online_links(entity_type: str, rows: list[tuple[str, Any]], seasons: dict[int, int] | None = None
                 ) -> dict[str, tuple[ArtLink, ...]]:
    """`rows`: (entity type, candidate) of the item's candidates that are not rejected, in any order;
    `seasons`: a season's id → its number (a series'). Pure."""
    seasons = seasons or {}
    rows = list(rows)
    # the chosen images first, as they are ranked (the user's choice, then by score): all of them, so
    # the `<fanart>` of an item with several backdrops lists every one published
    rows.sort(key=lambda r: (not r[1].selected, r[1].selected_by != "user", -r[1].score, r[1].id))
    thumbs: list[ArtLink] = []
    fanart: list[ArtLink] = []
    count: dict[tuple, int] = {}
    for et, c in rows:
        if not c.url.lower().startswith(("http://", "https://")):
            continue
        season = seasons.get(c.entity_id) if et == "season" else None
        key = (c.slot, season)
        if (count.get(key, 0) >= ALTERNATIVES and not c.selected) or (c.slot != "fanart" and c.slot not in ASPECTS):
            continue
        count[key] = count.get(key, 0) + 1
        link = ArtLink(url=c.url, aspect=None if c.slot == "fanart" else c.slot, preview=preview_url(c.url, c.slot),
                       season=season)
        (fanart if c.slot == "fanart" else thumbs).append(link)
    return {"thumbs": tuple(thumbs), "fanart": tuple(fanart) if entity_type != "season" else ()}


def preview_url(url: str, slot: str) -> str | None:
    """A small version of the image where the host has one (TMDB sizes, Fanart.tv previews)."""
    m = re.search(r"/t/p/original/", url)
    if m:
        return url.replace("/t/p/original/", "/t/p/w780/" if slot == "fanart" else "/t/p/w500/")
    if "/fanart/" in url and "assets.fanart.tv" in url:
        return url.replace("/fanart/", "/preview/", 1)
    return None
