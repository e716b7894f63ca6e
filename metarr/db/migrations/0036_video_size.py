"""A partial index over the fingerprinted videos by size: a folder scan looks there for a video that
came back elsewhere under a new inode (a copy + delete seen by the watcher as two folder scans) without
reading every file row of the library."""


def up(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS media_files_video_size ON media_files (library_id, size) "
                   "WHERE kind = 'video' AND video_hash IS NOT NULL")
