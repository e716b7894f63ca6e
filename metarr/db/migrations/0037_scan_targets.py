"""scan_targets: the items a large scan chains enrich/publish for, read a page at a time by its
follow-up job instead of held in memory and inserted as jobs in one transaction (#32)."""
from metarr.db.media import ScanTarget


def up(db):
    db.create_tables([ScanTarget], safe=True)
