"""A partial index over the videos still waiting for stream details, so that every scan's "anything
left to probe?" question is answered without reading the library's file rows (a no-change rescan of
60,000 files spent a tenth of its time on that query). Nearly every row is outside the index."""


def up(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS media_files_probe_pending ON media_files (library_id, path) "
                   "WHERE kind = 'video' AND deleted_at IS NULL AND probed_at IS NULL AND probe_error IS NULL")
