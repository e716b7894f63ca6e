"""Numbers as people read them: sizes, durations, job names. Pure functions for the UI and the CLI."""
from __future__ import annotations


def size(n: int | float | None) -> str:
    if n is None:
        return ""
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return ""


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    if seconds < 3600:
        m, s = divmod(int(seconds), 60)
        return f"{m} min {s} s" if s else f"{m} min"
    h, rest = divmod(int(seconds), 3600)
    return f"{h} h {rest // 60} min"


# job types as a person would say what they do
JOB_WORDS = {
    "scan.library": "Scan library", "scan.path": "Scan folder", "scan.all": "Scan all libraries",
    "followups.scan": "Queue the jobs that follow a large scan",
    "enrich.library": "Enrich library", "enrich.movie": "Fetch metadata for", "enrich.series": "Fetch metadata for",
    "enrich.artist": "Fetch metadata for", "enrich.stale": "Refresh old metadata",
    "cache.movie": "Download artwork for", "cache.series": "Download artwork for", "cache.artist": "Download artwork for",
    "publish.library": "Publish library", "publish.dry_run": "Dry run of publishing library", "publish.movie": "Write files for", "publish.series": "Write files for",
    "publish.artist": "Write files for", "verify.library": "Verify library", "verify.all": "Verify all libraries",
    "sync.entity": "Note a change for the players:", "sync.flush": "Send gathered changes to the players",
    "sync.player": "Tell", "sync.library": "Tell the players about library",
    "refresh.changes": "Check {} for changes", "maintenance.orphans": "Clean up unused cache files",
    "maintenance.purge_jobs": "Delete old job history", "maintenance.recycle_purge": "Empty old recycle-bin files",
    "notify.send": "Send a notification",
    "enrich.collection": "Fetch metadata for", "cache.collection": "Download artwork for",
    "publish.collection": "Write the movie set folder of",
}


def job_name(jtype: str, subject_label: str = "") -> str:
    """"enrich.movie" + "The General (1926)" → "Fetch metadata for The General (1926)"."""
    words = JOB_WORDS.get(jtype) or jtype.replace(".", " ").replace("_", " ").capitalize()
    if "{}" in words:   # the subject goes inside: "Check TMDB for changes"
        return words.format(subject_label or "providers")
    return f"{words} {subject_label}".strip()
