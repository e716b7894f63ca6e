"""peewee models of the core tables. Timestamps are epoch seconds (float): cheap to compare in
the ledger's hot queries and identical on SQLite and PostgreSQL; the API renders them as ISO."""
from __future__ import annotations

import peewee as pw

from metarr.db.database import db_proxy


class JSONField(pw.TextField):
    """JSON in a TEXT column (portable across SQLite and PostgreSQL)."""

    def db_value(self, value):
        import json
        return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)

    def python_value(self, value):
        import json
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = db_proxy
        legacy_table_names = False


class Job(BaseModel):
    id = pw.BigAutoField()
    type = pw.CharField(max_length=64)
    subject = pw.CharField(max_length=512, default="")
    idem_key = pw.CharField(max_length=600, null=True)
    status = pw.CharField(max_length=16, default="pending")
    priority = pw.SmallIntegerField(default=5)
    payload = JSONField(null=True)
    result = JSONField(null=True)
    attempts = pw.IntegerField(default=0)
    max_attempts = pw.IntegerField(default=5)
    run_after = pw.DoubleField()
    created_at = pw.DoubleField()
    started_at = pw.DoubleField(null=True)
    finished_at = pw.DoubleField(null=True)
    worker_id = pw.CharField(max_length=128, null=True)
    lease_until = pw.DoubleField(null=True)
    lease_token = pw.IntegerField(default=0)
    progress_current = pw.IntegerField(default=0)
    progress_total = pw.IntegerField(default=0)
    progress_message = pw.CharField(max_length=500, default="")
    last_error = pw.TextField(null=True)
    failed = pw.BooleanField(default=False)  # has failed at least once (for the 'retrying' count)
    parent_id = pw.BigIntegerField(null=True)
    schedule = pw.CharField(max_length=64, null=True)
    library_id = pw.IntegerField(null=True)
    blocked_on = pw.CharField(max_length=200, null=True)   # waiting on the environment (metarr/jobs/waiting.py)

    class Meta:
        table_name = "jobs"
        indexes = (
            (("status", "priority", "run_after"), False),
            (("type", "status"), False),
            (("finished_at",), False),
            (("parent_id",), False),
        )


class JobEvent(BaseModel):
    id = pw.BigAutoField()
    job_id = pw.BigIntegerField(index=True)
    ts = pw.DoubleField()
    kind = pw.CharField(max_length=32)
    message = pw.TextField(default="")

    class Meta:
        table_name = "job_events"


class Schedule(BaseModel):
    name = pw.CharField(max_length=64, unique=True)
    job_type = pw.CharField(max_length=64)
    subject = pw.CharField(max_length=512, default="")
    interval_s = pw.IntegerField()
    enabled = pw.BooleanField(default=True)
    payload = JSONField(null=True)
    last_run = pw.DoubleField(null=True)
    last_status = pw.CharField(max_length=16, null=True)   # how its last job ended: succeeded | dead
    last_result = JSONField(null=True)                     # that job's result, or {"error": …}

    class Meta:
        table_name = "schedules"


class UiSession(BaseModel):
    """A signed-in browser: the session cookie names it, logout and a password change delete it."""
    sid = pw.CharField(max_length=64, primary_key=True)
    created_at = pw.DoubleField()
    expires_at = pw.DoubleField()

    class Meta:
        table_name = "ui_sessions"


class Setting(BaseModel):
    key = pw.CharField(max_length=128, primary_key=True)
    value = JSONField(null=True)
    updated_at = pw.DoubleField()

    class Meta:
        table_name = "settings"


class ActivityLog(BaseModel):
    id = pw.BigAutoField()
    ts = pw.DoubleField(index=True)
    kind = pw.CharField(max_length=64)
    level = pw.CharField(max_length=16, default="info")
    message = pw.TextField()
    entity_type = pw.CharField(max_length=32, null=True)
    entity_id = pw.IntegerField(null=True)
    data = JSONField(null=True)

    class Meta:
        table_name = "activity_log"


class Library(BaseModel):
    name = pw.CharField(max_length=200)
    kind = pw.CharField(max_length=16)
    path = pw.TextField()
    enabled = pw.BooleanField(default=True)
    watch = pw.BooleanField(default=True)
    auto_enrich = pw.BooleanField(default=True)
    auto_publish = pw.BooleanField(default=False)
    auto_sync = pw.BooleanField(default=True)
    language = pw.CharField(max_length=16, default="en")
    # the languages a text falls back to, in order ("original" = the item's own); null = ["en"]
    fallback_languages = JSONField(null=True)
    certification_country = pw.CharField(max_length=2, null=True)   # null: the setting's
    ignore_patterns = JSONField(null=True)
    # the player kinds that read this folder (metarr/library/player_names.py); null: ["kodi"]
    players = JSONField(null=True)
    created_at = pw.DoubleField()
    updated_at = pw.DoubleField()
    last_scan_at = pw.DoubleField(null=True)
    # replaced (a new random token, never a counter: a re-created library may get an old id) in the
    # transaction of every change to the library's file rows (metarr.scanning.file_rows.record_files)
    files_version = pw.CharField(max_length=32, null=True)
    # the last whole-library walk the rows were seen to hold, as a digest bound to files_version
    # (metarr.scanning.walk_digest): a no-change rescan after a restart reads no file rows
    walk_digest = pw.CharField(max_length=64, null=True)
    # the device of the root folder when a whole-library walk last found files: an empty root on
    # another device is a share that is not mounted, on the same one a library emptied by hand
    # (metarr.scanning.availability)
    root_dev = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "libraries"


class ProviderLimit(BaseModel):
    """Token bucket state shared by every process (scale-out on PostgreSQL)."""
    provider = pw.CharField(max_length=32, primary_key=True)
    next_free = pw.DoubleField(default=0)
    paused_until = pw.DoubleField(default=0)
    requests_today = pw.IntegerField(default=0)
    day = pw.CharField(max_length=10, default="")

    class Meta:
        table_name = "provider_limits"


CORE_MODELS = [Job, JobEvent, Schedule, Setting, ActivityLog, Library, ProviderLimit]
