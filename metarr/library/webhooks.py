"""Radarr/Sonarr/Lidarr webhooks (reference/external-apis.md §4): parse the real payloads into one
typed action, then plan the jobs. Event names are exactly the apps' (`MovieFileDelete`,
`MovieDelete`, `Health`…); a Rename carries `renamedMovieFiles`/`renamedEpisodeFiles`."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

SOURCES = ("radarr", "sonarr", "lidarr")
KNOWN = {
    "radarr": {"Test", "Grab", "Download", "Rename", "MovieDelete", "MovieFileDelete", "Health", "ApplicationUpdate",
               "MovieAdded", "HealthRestored", "ManualInteractionRequired"},
    "sonarr": {"Test", "Grab", "Download", "Rename", "SeriesAdd", "SeriesDelete", "EpisodeFileDelete", "Health",
               "ApplicationUpdate", "HealthRestored", "ManualInteractionRequired"},
    "lidarr": {"Test", "Grab", "Download", "DownloadFailure", "ImportFailure", "Rename", "ArtistAdd", "ArtistDelete",
               "AlbumDelete", "Health", "Retag", "ApplicationUpdate", "HealthRestored"},
}
# events that change files on disk: each becomes a targeted scan of the affected folder(s)
SCAN_EVENTS = {"Download", "Rename", "MovieDelete", "MovieFileDelete", "SeriesDelete", "EpisodeFileDelete",
               "MovieAdded", "SeriesAdd", "ArtistAdd", "ArtistDelete", "AlbumDelete", "Retag"}


class WebhookError(ValueError):
    pass


@dataclass(frozen=True)
class WebhookAction:
    source: str
    event: str
    kind: str                              # test | scan | health | log | unknown
    folders: tuple[str, ...] = ()          # arr-side folders to rescan
    ids: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    year: int | None = None
    upgrade: bool = False
    renames: tuple[tuple[str, str], ...] = ()   # (previous path, new path), arr-side
    delete_reason: str | None = None
    level: str | None = None                # Health level
    message: str | None = None


def _obj(d: Any, key: str) -> dict:
    v = d.get(key) if isinstance(d, dict) else None
    return v if isinstance(v, dict) else {}


def _list(d: Any, key: str) -> list:
    v = d.get(key) if isinstance(d, dict) else None
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _dirname(p: str) -> str:
    return posixpath.dirname(p.replace("\\", "/"))


def parse(source: str, body: Any) -> WebhookAction:
    if source not in SOURCES:
        raise WebhookError(f"unknown webhook source {source!r}")
    if not isinstance(body, dict):
        raise WebhookError("the payload must be a JSON object")
    event = body.get("eventType")
    if not isinstance(event, str) or not event:
        raise WebhookError("'eventType' is missing")
    if event == "Test":
        return WebhookAction(source, event, "test")
    if event in ("Health", "HealthRestored"):
        return WebhookAction(source, event, "health", level=_str(body.get("level")) or "warning",
                             message=_str(body.get("message")))
    if event not in SCAN_EVENTS:
        return WebhookAction(source, event, "log" if event in KNOWN[source] else "unknown",
                             message=_str(body.get("message")))
    return {"radarr": _radarr, "sonarr": _sonarr, "lidarr": _lidarr}[source](event, body)


def _radarr(event: str, body: dict) -> WebhookAction:
    movie = _obj(body, "movie")
    folder = _str(movie.get("folderPath"))
    if not folder and _str(movie.get("filePath")):
        folder = _dirname(movie["filePath"])
    files = [_obj(body, "movieFile")] + _list(body, "renamedMovieFiles")
    folders = {folder} if folder else set()
    for f in files:
        if _str(f.get("path")):
            folders.add(_dirname(f["path"]))
    renames = tuple((f["previousPath"], f["path"]) for f in _list(body, "renamedMovieFiles")
                    if _str(f.get("previousPath")) and _str(f.get("path")))
    if not folders:
        raise WebhookError(f"{event} without movie.folderPath or a file path")
    remote = _obj(body, "remoteMovie")
    ids = {"tmdb": movie.get("tmdbId") or remote.get("tmdbId"), "imdb": _str(movie.get("imdbId")) or _str(remote.get("imdbId"))}
    return WebhookAction("radarr", event, "scan", tuple(sorted(folders)), {k: v for k, v in ids.items() if v},
                         _str(movie.get("title")), movie.get("year") if isinstance(movie.get("year"), int) else None,
                         bool(body.get("isUpgrade")), renames, _str(body.get("deleteReason")))


def _sonarr(event: str, body: dict) -> WebhookAction:
    series = _obj(body, "series")
    root = _str(series.get("path"))
    folders = set()
    files = [_obj(body, "episodeFile")] + _list(body, "episodeFiles") + _list(body, "renamedEpisodeFiles")
    for f in files:
        if _str(f.get("path")):
            folders.add(_dirname(f["path"]))
        elif root and _str(f.get("relativePath")):
            folders.add(_dirname(posixpath.join(root.replace("\\", "/"), f["relativePath"].replace("\\", "/"))))
    if root and (not folders or event in ("SeriesDelete", "SeriesAdd")):
        folders.add(root)
    if not folders:
        raise WebhookError(f"{event} without series.path or a file path")
    renames = tuple((f["previousPath"], f["path"]) for f in _list(body, "renamedEpisodeFiles")
                    if _str(f.get("previousPath")) and _str(f.get("path")))
    ids = {"tvdb": series.get("tvdbId"), "tmdb": series.get("tmdbId"), "imdb": _str(series.get("imdbId"))}
    return WebhookAction("sonarr", event, "scan", tuple(sorted(folders)), {k: v for k, v in ids.items() if v},
                         _str(series.get("title")), series.get("year") if isinstance(series.get("year"), int) else None,
                         bool(body.get("isUpgrade")), renames, _str(body.get("deleteReason")))


def _lidarr(event: str, body: dict) -> WebhookAction:
    artist = _obj(body, "artist")
    root = _str(artist.get("path"))
    folders = set()
    files = _list(body, "trackFiles") + [_obj(body, "trackFile")] + _list(body, "renamedTrackFiles")
    for f in files:
        if _str(f.get("path")):
            folders.add(_dirname(f["path"]))
    if root and not folders:
        folders.add(root)
    if not folders:
        raise WebhookError(f"{event} without artist.path or track files")
    album = _obj(body, "album")
    ids = {"musicbrainz_artist": _str(artist.get("mbId")), "musicbrainz_album": _str(album.get("mbId"))}
    return WebhookAction("lidarr", event, "scan", tuple(sorted(folders)), {k: v for k, v in ids.items() if v},
                         _str(artist.get("name")), None, bool(body.get("isUpgrade")))
