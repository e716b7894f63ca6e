"""Music tags (artist, album, MusicBrainz ids) with mutagen: enough to identify, never fatal."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackTags:
    artist: str | None = None
    album_artist: str | None = None
    album: str | None = None
    title: str | None = None
    track: int | None = None
    disc: int | None = None
    year: int | None = None
    mb_artist_id: str | None = None
    mb_release_group_id: str | None = None
    mb_release_id: str | None = None
    mb_recording_id: str | None = None
    error: str | None = None


_KEYS = {
    "artist": ("artist", "TPE1", "\xa9ART"), "album_artist": ("albumartist", "album artist", "TPE2", "aART"),
    "album": ("album", "TALB", "\xa9alb"), "title": ("title", "TIT2", "\xa9nam"),
    "track": ("tracknumber", "TRCK", "trkn"), "disc": ("discnumber", "TPOS", "disk"),
    "year": ("date", "year", "TDRC", "\xa9day"),
    "mb_artist_id": ("musicbrainz_artistid", "TXXX:MusicBrainz Artist Id", "----:com.apple.iTunes:MusicBrainz Artist Id"),
    "mb_release_group_id": ("musicbrainz_releasegroupid", "TXXX:MusicBrainz Release Group Id",
                            "----:com.apple.iTunes:MusicBrainz Release Group Id"),
    "mb_release_id": ("musicbrainz_albumid", "TXXX:MusicBrainz Album Id", "----:com.apple.iTunes:MusicBrainz Album Id"),
    "mb_recording_id": ("musicbrainz_trackid", "UFID:http://musicbrainz.org", "----:com.apple.iTunes:MusicBrainz Track Id"),
}


def _first(tags, keys) -> str | None:
    for k in keys:
        try:
            v = tags.get(k)
        except (KeyError, ValueError):
            v = None
        if v is None:
            continue
        if isinstance(v, list | tuple):
            v = v[0] if v else None
        if hasattr(v, "text"):
            v = v.text[0] if v.text else None
        elif hasattr(v, "data"):
            v = v.data
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, tuple):  # mp4 trkn (n, total)
            v = v[0]
        if v not in (None, ""):
            return str(v)
    return None


def _num(v: str | None) -> int | None:
    if not v:
        return None
    head = v.split("/")[0].strip()[:4]
    return int(head) if head.isdigit() else None


def read_tags(path: str) -> TrackTags:
    try:
        import mutagen
        f = mutagen.File(path)
    except Exception as e:  # mutagen raises many kinds on broken files
        return TrackTags(error=f"unreadable tags: {e}")
    if f is None or f.tags is None:
        return TrackTags(error="no tags")
    t = f.tags
    vals = {name: _first(t, keys) for name, keys in _KEYS.items()}
    return TrackTags(artist=vals["artist"], album_artist=vals["album_artist"], album=vals["album"], title=vals["title"],
                     track=_num(vals["track"]), disc=_num(vals["disc"]), year=_num(vals["year"]),
                     mb_artist_id=vals["mb_artist_id"], mb_release_group_id=vals["mb_release_group_id"],
                     mb_release_id=vals["mb_release_id"], mb_recording_id=vals["mb_recording_id"])
