"""sync_changes: the player-sync debounce buffer moves from memory into the database, so a crash
inside the debounce window no longer loses the notification of what was just published."""
from metarr.db.integrations import SyncChange


def up(db):
    db.create_tables([SyncChange], safe=True)
