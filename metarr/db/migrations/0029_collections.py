"""collections: TMDB collections (movie sets) as items of their own; movies.collection_id links a
movie to its collection."""
from metarr.db.media import Collection, Movie
from metarr.db.migrate import add_column_if_missing


def up(db):
    db.create_tables([Collection], safe=True)
    add_column_if_missing(db, Movie, "collection_id")
    db.execute_sql("CREATE INDEX IF NOT EXISTS movies_collection_id ON movies (collection_id)")
