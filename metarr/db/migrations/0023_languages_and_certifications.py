"""Languages with fallback and certifications per country (#29): a library's fallback languages and
certification country, and the language (or country) each field's value came from."""
from metarr.db.media import FieldState
from metarr.db.migrate import add_column_if_missing
from metarr.db.models import Library


def up(db):
    for name in ("fallback_languages", "certification_country"):
        add_column_if_missing(db, Library, name)
    add_column_if_missing(db, FieldState, "origin")
