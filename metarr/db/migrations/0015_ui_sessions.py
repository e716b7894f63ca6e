"""Server-side UI sessions: logout and a password change end them (a signed cookie alone lived on)."""
from metarr.db.models import UiSession


def up(db):
    db.create_tables([UiSession], safe=True)
