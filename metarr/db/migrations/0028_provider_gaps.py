"""provider_gaps: items enriched while a provider's circuit was open, missing what it has for them
until it answers again (metarr/sources/gaps.py)."""
from metarr.db.media import ProviderGap


def up(db):
    db.create_tables([ProviderGap], safe=True)
