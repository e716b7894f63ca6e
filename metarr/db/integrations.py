"""Tables of what Metarr talks to besides providers: players and their groups, path mappings, the
durable player-sync buffer, received webhooks and notification channels."""
from __future__ import annotations

import peewee as pw

from metarr.db.models import BaseModel, JSONField


class SyncChange(BaseModel):
    """A change waiting for its player notification (the durable debounce buffer): written by the
    sync.entity job, claimed and planned by a sync.flush job, deleted once that job has succeeded."""
    change = JSONField()
    created_at = pw.DoubleField()
    flush_job = pw.IntegerField(null=True, index=True)

    class Meta:
        table_name = "sync_changes"


class PlayerGroup(BaseModel):
    name = pw.CharField(max_length=100)
    created_at = pw.DoubleField()

    class Meta:
        table_name = "player_groups"


class Player(BaseModel):
    name = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=16)          # kodi | jellyfin | plex
    url = pw.TextField()
    username = pw.CharField(max_length=100, null=True)
    password = pw.TextField(null=True)
    token = pw.TextField(null=True)
    group_id = pw.IntegerField(null=True)
    enabled = pw.BooleanField(default=True)
    options = JSONField(null=True)
    last_status = pw.CharField(max_length=32, null=True)
    created_at = pw.DoubleField()

    class Meta:
        table_name = "players"


class PathMapping(BaseModel):
    scope = pw.CharField(max_length=32)         # radarr | sonarr | lidarr | player:<id> | group:<id>
    from_prefix = pw.TextField()
    to_prefix = pw.TextField()
    created_at = pw.DoubleField()

    class Meta:
        table_name = "path_mappings"


class WebhookEvent(BaseModel):
    source = pw.CharField(max_length=16)
    event_type = pw.CharField(max_length=64)
    payload = JSONField(null=True)
    received_at = pw.DoubleField(index=True)
    status = pw.CharField(max_length=16, default="accepted")
    message = pw.TextField(null=True)
    job_id = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "webhook_events"


class NotificationChannel(BaseModel):
    name = pw.CharField(max_length=100)
    url = pw.TextField()                        # apprise URL or a generic webhook
    events = JSONField(null=True)
    enabled = pw.BooleanField(default=True)
    created_at = pw.DoubleField()

    class Meta:
        table_name = "notification_channels"
