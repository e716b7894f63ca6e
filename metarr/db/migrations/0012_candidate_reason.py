"""asset_candidates.status_reason: why a candidate is not (yet) its slot's image."""
from metarr.db.media import AssetCandidate
from metarr.db.migrate import add_column_if_missing


def up(db):
    add_column_if_missing(db, AssetCandidate, "status_reason")
