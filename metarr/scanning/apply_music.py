"""Artists, albums and tracks of a unit (names and ids from the files' tags)."""
from __future__ import annotations

from pathlib import Path

from metarr.db.media import Album, Artist, MediaFile, Track
from metarr.db.models import Library
from metarr.nfo import entity_map as nfo_map
from metarr.scanning.entities import fill, fresh, get_or_create, identified, ids_update, retire_children
from metarr.scanning.file_rows import link
from metarr.scanning.group import AlbumItem, ArtistItem
from metarr.scanning.nfo_import import import_nfo
from metarr.scanning.report import ScanContext, ScanReport
from metarr.scanning.tags import read_tags


def apply_artist(db, lib: Library, a: ArtistItem, files: dict[str, MediaFile], touched: set[str], ctx: ScanContext,
                  rep: ScanReport, now: float) -> int:
    first_tags = None
    for al in a.albums:
        if al.tracks:
            first_tags = read_tags(str(Path(lib.path) / al.tracks[0][0]))
            break
    name = (first_tags.album_artist or first_tags.artist) if first_tags and not first_tags.error else None
    row, created = get_or_create(Artist, "artist", lib, a.key, "name", {"name": name or a.name}, rep, now)
    link(db, files, a.files, "artist", row.id)
    if a.nfo and (created or a.nfo in touched):
        import_nfo(db, "artist", row.id, a.nfo, lib, rep, nfo_map.artist_update,
                    fresh("artist", {"name": name or a.name}, "name") if created else None)
    if first_tags and first_tags.mb_artist_id:
        fill("artist", row.id, {"musicbrainz_id": first_tags.mb_artist_id}, "local")
    if ctx.ids:
        fill("artist", row.id, ids_update(ctx.ids, "artist"), "webhook")
    identified(Artist, row.id)
    kept, changed = [], created
    for al in a.albums:
        kept.append(_apply_album(db, lib, row.id, al, files, touched, rep, now))
        changed = changed or any(o.path in touched for o in al.files)
    retire_children(Album, Album.artist_id, row.id, set(kept), now)
    if changed:
        rep.targets.append(("artist", row.id))
    return row.id


def _apply_album(db, lib: Library, artist_id: int, al: AlbumItem, files: dict[str, MediaFile], touched: set[str],
                 rep: ScanReport, now: float) -> int:
    existing = Album.get_or_none((Album.library_id == lib.id) & (Album.key == al.key))
    touched_tracks = existing is None or any(t[0] in touched for t in al.tracks)
    tags = read_tags(str(Path(lib.path) / al.tracks[0][0])) if touched_tracks and al.tracks else None
    title = (tags.album if tags and tags.album else None) or al.title.title or "Unknown album"
    row, created = get_or_create(Album, "album", lib, al.key, "title",
                                  {"artist_id": artist_id, "title": title,
                                   "year": al.title.year or (tags.year if tags else None)}, rep, now)
    link(db, files, al.files, "album", row.id)
    if tags and not tags.error:
        fill("album", row.id, {"musicbrainz_id": tags.mb_release_group_id,
                                "musicbrainz_release_id": tags.mb_release_id}, "local")
    if al.nfo and (created or al.nfo in touched):
        import_nfo(db, "album", row.id, al.nfo, lib, rep, nfo_map.album_update)
    if created or any(t[0] in touched for t in al.tracks):
        Track.delete().where(Track.album_id == row.id).execute()
        Track.insert_many([dict(album_id=row.id, file_id=files[p].id if p in files else None, number=n, disc=d,
                                title=t) for p, d, n, t in al.tracks]).execute() if al.tracks else None
    identified(Album, row.id)
    return row.id
