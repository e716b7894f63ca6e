"""libraries.players: the player kinds that read a library's folder (publishing writes the names
each of them reads); null reads as ["kodi"], what every library was published for before."""
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Library


def up(db):
    add_column_if_missing(db, Library, "players")
