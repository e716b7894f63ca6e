"""Webhook bodies shaped like the ones Radarr, Sonarr and Lidarr send (camelCase, PascalCase
eventType, null fields omitted), parameterised by the paths the *arr sees."""


def radarr_movie(folder: str, file_name: str | None = None) -> dict:
    m = {"id": 12, "title": "The General", "year": 1926, "releaseDate": "1926-12-31", "folderPath": folder,
         "tmdbId": 961, "imdbId": "tt0017925", "overview": "A train chase.", "genres": ["Comedy"],
         "images": [{"coverType": "poster", "url": "/MediaCover/12/poster.jpg", "remoteUrl": "https://x/p.jpg"}],
         "tags": [], "originalLanguage": {"id": 1, "name": "English"}}
    if file_name:
        m["filePath"] = f"{folder}/{file_name}"
    return m


def radarr_file(folder: str, name: str, fid: int = 33) -> dict:
    return {"id": fid, "relativePath": name, "path": f"{folder}/{name}", "quality": "Bluray-1080p",
            "qualityVersion": 1, "releaseGroup": "GRP", "sceneName": name.rsplit(".", 1)[0], "indexerFlags": "0",
            "size": 123456, "dateAdded": "2026-11-20T10:00:00Z", "languages": [{"id": 1, "name": "English"}],
            "mediaInfo": {"audioChannels": 2, "audioCodec": "AAC", "audioLanguages": ["eng"], "height": 120,
                          "width": 160, "subtitles": [], "videoCodec": "x264", "videoDynamicRange": "",
                          "videoDynamicRangeType": ""},
            "sourcePath": f"/downloads/complete/{name}"}


def radarr_download(folder: str, name: str, upgrade: bool = False) -> dict:
    body = {"eventType": "Download", "instanceName": "Radarr", "applicationUrl": "http://radarr:7878",
            "movie": radarr_movie(folder, name), "remoteMovie": {"tmdbId": 961, "imdbId": "tt0017925",
                                                                 "title": "The General", "year": 1926},
            "movieFile": radarr_file(folder, name), "isUpgrade": upgrade, "downloadClient": "qBittorrent",
            "downloadClientType": "qBittorrent", "downloadId": "ABCDEF",
            "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
            "release": {"releaseTitle": name, "indexer": "Indexer", "size": 123456, "indexerFlags": []}}
    if upgrade:
        body["deletedFiles"] = [{**radarr_file(folder, "The General (1926) 720p.mkv", 30),
                                 "recycleBinPath": "/recycle/The General (1926) 720p.mkv"}]
    return body


def radarr_rename(folder: str, old: str, new: str) -> dict:
    return {"eventType": "Rename", "instanceName": "Radarr", "applicationUrl": "", "movie": radarr_movie(folder),
            "renamedMovieFiles": [{**radarr_file(folder, new), "previousRelativePath": old,
                                   "previousPath": f"{folder}/{old}"}]}


def radarr_movie_file_delete(folder: str, name: str, reason: str = "manual") -> dict:
    return {"eventType": "MovieFileDelete", "instanceName": "Radarr", "movie": radarr_movie(folder),
            "movieFile": radarr_file(folder, name), "deleteReason": reason}


def radarr_movie_delete(folder: str) -> dict:
    return {"eventType": "MovieDelete", "instanceName": "Radarr", "movie": radarr_movie(folder), "deletedFiles": True,
            "movieFolderSize": 123456}


RADARR_TEST = {"eventType": "Test", "instanceName": "Radarr",
               "movie": {"id": 1, "title": "Test Title", "year": 1970, "folderPath": "C:\\testpath", "tmdbId": 0,
                         "releaseDate": "1970-01-01", "genres": [], "images": [], "tags": []},
               "remoteMovie": {"tmdbId": 1234, "imdbId": "5678", "title": "Test title", "year": 1970},
               "release": {"quality": "Test Quality", "qualityVersion": 1, "releaseGroup": "Test Group",
                           "releaseTitle": "Test Title", "indexer": "Test Indexer", "size": 9999999,
                           "customFormatScore": 0}}
RADARR_HEALTH = {"eventType": "Health", "instanceName": "Radarr", "level": "warning",
                 "message": "Indexers unavailable due to failures", "type": "IndexerStatusCheck",
                 "wikiUrl": "https://wiki.servarr.com/radarr/system#indexers-are-unavailable-due-to-failures"}


def radarr_grab(folder: str) -> dict:
    return {"eventType": "Grab", "instanceName": "Radarr", "movie": radarr_movie(folder),
            "remoteMovie": {"tmdbId": 961, "imdbId": "tt0017925", "title": "The General", "year": 1926},
            "release": {"quality": "Bluray-1080p", "qualityVersion": 1, "releaseGroup": "GRP",
                        "releaseTitle": "The.General.1926.1080p", "indexer": "Indexer", "size": 1, "indexerFlags": []},
            "downloadClient": "qBittorrent", "downloadClientType": "qBittorrent", "downloadId": "X"}


def sonarr_series(path: str) -> dict:
    return {"id": 3, "title": "Sherlock Holmes", "titleSlug": "sherlock-holmes", "path": path, "tvdbId": 75597,
            "tvMazeId": 0, "tmdbId": 0, "imdbId": "tt0046659", "type": "standard", "year": 1954, "genres": ["Crime"],
            "images": [], "tags": []}


def sonarr_episode_file(path: str, rel: str) -> dict:
    return {"id": 91, "relativePath": rel, "path": f"{path}/{rel}", "quality": "HDTV-720p", "qualityVersion": 1,
            "releaseGroup": "GRP", "sceneName": "x", "size": 1234, "dateAdded": "2026-11-20T10:00:00Z",
            "languages": [{"id": 1, "name": "English"}], "mediaInfo": {}, "sourcePath": "/downloads/x.mkv"}


def sonarr_download(path: str, rel: str, episodes: list[int]) -> dict:
    return {"eventType": "Download", "instanceName": "Sonarr", "series": sonarr_series(path),
            "episodes": [{"id": 100 + n, "episodeNumber": n, "seasonNumber": 1, "title": f"Ep {n}",
                          "airDate": "1954-10-18", "airDateUtc": "1954-10-18T00:00:00Z", "seriesId": 3}
                         for n in episodes],
            "episodeFile": sonarr_episode_file(path, rel), "isUpgrade": False, "downloadClient": "SAB",
            "downloadClientType": "SABnzbd", "downloadId": "Y"}


def sonarr_episode_file_delete(path: str, rel: str) -> dict:
    return {"eventType": "EpisodeFileDelete", "instanceName": "Sonarr", "series": sonarr_series(path),
            "episodes": [{"id": 101, "episodeNumber": 1, "seasonNumber": 1, "title": "Ep 1"}],
            "episodeFile": sonarr_episode_file(path, rel), "deleteReason": "manual"}


def sonarr_series_delete(path: str) -> dict:
    return {"eventType": "SeriesDelete", "instanceName": "Sonarr", "series": sonarr_series(path), "deletedFiles": True}


def lidarr_download(artist_path: str, album_dir: str, tracks: list[str]) -> dict:
    return {"eventType": "Download", "instanceName": "Lidarr",
            "artist": {"id": 5, "name": "Scott Joplin", "disambiguation": "", "path": artist_path,
                       "mbId": "3b5a2c86-0b11-4ea8-a5b5-6a2e6e8f9e1a", "type": "Person", "genres": [], "images": [],
                       "tags": []},
            "album": {"id": 7, "mbId": "6a2b5c1d-1111-2222-3333-444455556666", "title": "Ragtime",
                      "albumType": "Album", "releaseDate": "1902-01-01", "genres": [], "images": []},
            "tracks": [{"id": i, "title": t, "trackNumber": str(i), "quality": "FLAC", "qualityVersion": 1}
                       for i, t in enumerate(tracks, 1)],
            "trackFiles": [{"id": i, "path": f"{artist_path}/{album_dir}/{t}", "quality": "FLAC", "qualityVersion": 1,
                            "size": 1, "dateAdded": "2026-11-20T10:00:00Z"} for i, t in enumerate(tracks, 1)],
            "isUpgrade": False}
