"""media_files.res/hdr/vcodec/achannels/sublangs: the stream details the grids filter by, as plain
columns (the same query on SQLite and PostgreSQL); filled here for files probed before."""
from metarr.db import stream_facts
from metarr.db.media import MediaFile
from metarr.db.migrate import add_column_if_missing


def up(db):
    for name in stream_facts.COLUMNS:
        add_column_if_missing(db, MediaFile, name)
    db.execute_sql("CREATE INDEX IF NOT EXISTS media_files_entity_res ON media_files (entity_type, res)")
    rows = (MediaFile.select(MediaFile.id, MediaFile.streams)
            .where(MediaFile.streams.is_null(False) & MediaFile.deleted_at.is_null(True)).tuples())
    for fid, streams in rows.iterator():
        values = stream_facts.facts(streams)
        if any(v is not None for v in values.values()):
            MediaFile.update(**values).where(MediaFile.id == fid).execute()
