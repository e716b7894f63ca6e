"""Why an item is not identified (shown to the user, and the reason publish writes nothing for it)."""
from metarr.db.media import Album, Artist, Episode, Movie, Season, Series
from metarr.db.migrate import add_column_if_missing


def up(db):
    for model in (Movie, Series, Season, Episode, Artist, Album):
        add_column_if_missing(db, model, "identify_reason")
