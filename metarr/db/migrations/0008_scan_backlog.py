"""scan_backlog: the folders a scan has recorded file changes for and not yet applied, so that a
scan killed half-way still creates (and chains enrichment for) every item on its next run."""
from metarr.db.media import ScanBacklog


def up(db):
    db.create_tables([ScanBacklog], safe=True)
