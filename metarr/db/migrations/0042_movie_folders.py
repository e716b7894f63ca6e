"""movies (library_id, folder): whether a movie is the only one in its folder (the names its artwork
is published under) is asked of every movie a publish plans; without this index each asking read
all of the library's movies (166,667 rows a movie, a page of 500 at a time in a library dry run)."""


def up(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS movies_library_folder ON movies (library_id, folder)")
