"""Decisions of the library watcher (pure): which unit a filesystem event touches, and which
pending units have settled long enough to scan."""
from __future__ import annotations

import os

from metarr.library.naming import OWN_FOLDERS


def unit_for_event(root: str, path: str, is_dir: bool) -> str | None:
    """The top-level folder under `root` an event path belongs to ('' = a file lying in the root
    itself), or None when the path is outside the root or is one of our own temp files."""
    root = os.path.abspath(root)
    path = os.path.abspath(path)
    if path != root and not path.startswith(root + os.sep):
        return None
    if os.path.basename(path).startswith(".metarr-tmp-"):
        return None  # our own atomic writes
    rel = os.path.relpath(path, root)
    if rel == ".":
        return None
    parts = rel.split(os.sep)
    return parts[0] if len(parts) > 1 or is_dir else ""


def due(pending: dict[tuple[int, str], float], now: float, settle: float) -> list[tuple[int, str]]:
    """Units whose last event is at least `settle` seconds old (files still being written keep
    producing events, so they are not scanned half-copied)."""
    return sorted(k for k, last in pending.items() if now - last >= settle)


def own_writes_only(events: dict[str, tuple[int, int] | bool | None], written: dict[str, tuple[int, int]]) -> bool:
    """Whether a unit's events were all Metarr's own publish: every path (relative to the root) is a
    file it wrote whose current (size, mtime_ns) is what it recorded, or a folder of its own that
    exists (`True`). A path gone (None), changed since, or never written by Metarr is the user's."""
    if not events:
        return False
    for rel, now in events.items():
        if now is True:   # a folder
            if os.path.basename(rel) in OWN_FOLDERS:
                continue
            return False
        if now is None or written.get(rel) != now:
            return False
    return True
