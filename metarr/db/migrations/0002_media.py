"""Media entities, files, lists, provenance/locks, candidates, cache, published files, recycle bin,
players, path mappings, webhooks, notification channels."""
from metarr.db.media import MEDIA_MODELS


def up(db):
    db.create_tables(MEDIA_MODELS, safe=True)
