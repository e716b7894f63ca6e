"""media_files.video_hash: a cheap fingerprint of a video's content (size, first and last 64 KiB),
so a file moved with a new inode (copy + delete across file systems) stays the same item (#28 item 5).
Filled by the next scan. A partial index over the videos still without one keeps that question cheap."""
from metarr.db.media import MediaFile
from metarr.db.migrate import add_column_if_missing


def up(db):
    add_column_if_missing(db, MediaFile, "video_hash")
    db.execute_sql("CREATE INDEX IF NOT EXISTS media_files_hash_pending ON media_files (library_id, path) "
                   "WHERE kind = 'video' AND deleted_at IS NULL AND video_hash IS NULL")
