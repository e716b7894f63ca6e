"""episode orders: series.episode_order (aired by default) and episodes.named, what a file's name
says of each episode it holds (season/episode, absolute number, air date), kept so matching can
map files to episodes again in another order."""
from metarr.db.media import Episode, Series
from metarr.db.migrate import add_column_if_missing


def up(db):
    add_column_if_missing(db, Series, "episode_order")
    add_column_if_missing(db, Episode, "named")
