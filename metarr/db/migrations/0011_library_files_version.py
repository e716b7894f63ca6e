"""libraries.files_version: a token replaced with every change to a library's file rows, so a scanner
that remembers the walk those rows matched can prove a rescan changed nothing without reading them."""
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Library


def up(db):
    add_column_if_missing(db, Library, "files_version")
