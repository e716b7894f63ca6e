"""One Plex sync (reference §7): find each published item in Plex, then make it hold what Metarr holds.

1. The section of each item by its Location paths; the section's items listed once (page by page)
   and indexed by their media parts' files, in the player's paths (the mapping is applied already).
2. An item Plex does not have yet (a new file): a partial scan of its folder, as before; the sync
   waits for the scan and looks again. An item still missing then fails the job (it is retried):
   a sync that did not do what the user wanted never reports success.
3. Each item found: its full metadata, then only what differs is sent: the chosen poster and
   background (and a season's poster, an episode's thumb) uploaded, or selected when Plex has it
   already, and locked; one section edit with the fields and tags Metarr holds, locked; a show's
   episode ordering, then a refresh of the show (Plex renumbers its episodes by it).
A second sync with nothing changed sends no edit, upload or refresh; only reads.

Blocking; runs on the sync.player job's thread (which holds a database connection)."""
from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

from metarr.players import plex_want
from metarr.players.http import PlayerConfigError, PlayerProtocolError
from metarr.players.model import Change, PlayerCalls
from metarr.players.plan import PlexSection, merge_changes, plan_plex, plex_section_for
from metarr.players.plex_plan import (
    TYPE_NUM,
    SectionIndex,
    Want,
    art_action,
    edit_queries,
    field_edits,
    find_collection,
)

GRACE = 3.0        # seconds to keep looking for scanned items after Plex says its scan ended
ITEM_TYPES = {"movie": 1, "series": 4, "episode": 4}   # what a section is listed as to find them


class PlexIncomplete(PlayerProtocolError):
    """Plex answered, but does not hold every item after a scan of its folder."""

    def __init__(self, missing: list[str], total: int) -> None:
        shown = "; ".join(missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
        super().__init__(f"Plex does not have {len(missing)} of {total} item(s) after a scan: {shown}")
        self.missing = missing


@dataclass
class Stats:
    edited: int = 0
    uploaded: int = 0
    selected: int = 0
    ordered: int = 0
    refreshed: int = 0
    art_missing: list[str] = field(default_factory=list)
    sets_found: list[str] = field(default_factory=list)
    sets_absent: list[str] = field(default_factory=list)   # no section has it (yet): no movie of it tagged


@functools.lru_cache(maxsize=4096)
def _hashes(path: str, size: int, mtime_ns: int) -> tuple[str, str]:
    h1, h256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h1.update(block)
            h256.update(block)
    return h1.hexdigest(), h256.hexdigest()


def file_hashes(path: str) -> tuple[str, str] | None:
    """(sha1, sha256) of a published image, or None when it is not there (verify puts it back)."""
    try:
        st = os.stat(path)
        return _hashes(path, st.st_size, st.st_mtime_ns)
    except OSError:
        return None


def _is_item(c: Change) -> bool:
    return c.entity_type in ITEM_TYPES and not c.audio


def _index(client, wanted: dict[str, set[int]]) -> dict[str, SectionIndex]:
    """Each section's items of the types asked for, indexed by file."""
    out = {}
    for key, types in wanted.items():
        idx = SectionIndex(key)
        for t in sorted(types):
            for item in client.items(key, t):
                idx.add(item)
        out[key] = idx
    return out


def _find(c: Change, idx: SectionIndex, want: Want | None) -> str | None:
    if c.entity_type == "movie":
        return idx.movie(c.file, c.folder)
    if c.entity_type == "series":
        return idx.show(c.folder)
    return idx.episode(c.file, want)


def sync(client, pc: PlayerCalls, confirm_timeout: float = 60.0) -> dict[str, Any]:
    sections = client.sections()
    # a collection is no folder of a section: Plex makes it from the movies' collection tags (set with
    # their fields); its own summary, poster and background are set after them (_collections)
    changes = [c for c in merge_changes(pc.changes) if c.entity_type != "collection"]
    sets = [c for c in merge_changes(pc.changes) if c.entity_type == "collection" and c.name]
    placed: list[tuple[Change, PlexSection]] = []
    unmatched: list[str] = []
    for c in changes:
        s = plex_section_for(c.folder, sections)
        if s is None:
            unmatched.append(c.folder)
        else:
            placed.append((c, s))
    if unmatched and not placed and not sets:
        raise PlayerConfigError(f"no Plex library section contains {unmatched[0]} (check the path mapping)")
    items = [(c, s) for c, s in placed if _is_item(c)]
    wants = plex_want.load(c for c, _ in items) if any(c.entity_id is not None for c, _ in items) else {}

    def want_of(c: Change) -> Want | None:
        return wants.get((c.entity_type, c.entity_id)) if c.entity_id is not None else None
    types: dict[str, set[int]] = {}
    for c, s in items:
        types.setdefault(s.key, set()).add(ITEM_TYPES[c.entity_type])
    index = _index(client, types)
    found: list[tuple[Change, str, str]] = []       # (change, section key, rating key)
    missing: list[tuple[Change, PlexSection]] = []
    scan: list[Change] = [c for c, _ in placed if not _is_item(c)]
    for c, s in items:
        key = _find(c, index[s.key], want_of(c))
        if key is None:
            missing.append((c, s))
            scan.append(c)
        elif want_of(c) is None:
            scan.append(c)     # nothing to set (an old payload): tell Plex the folder changed, as before
        else:
            found.append((c, s.key, key))
    refreshes, _ = plan_plex(scan, sections)
    for key, path in refreshes:
        client.refresh(key, path)
    if missing and confirm_timeout > 0:
        late, missing = _settle(client, missing, want_of, confirm_timeout)
        found += late
    stats = Stats()
    _apply(client, [(c, sk, rk, want_of(c)) for c, sk, rk in found if want_of(c) is not None], stats)
    if sets:
        _collections(client, sets, sections, stats)
    out = {"refreshes": [{"section": k, "path": p} for k, p in refreshes], "unmatched": unmatched,
           "found": len(found), "edited": stats.edited, "uploaded": stats.uploaded, "selected": stats.selected,
           "ordered": stats.ordered, "refreshed": stats.refreshed, "art_missing": stats.art_missing,
           **({"sets_found": stats.sets_found, "sets_absent": stats.sets_absent} if sets else {})}
    if missing and confirm_timeout > 0:
        raise PlexIncomplete([f"{c.file or c.folder} (not in Plex after a scan of {c.folder})" for c, _ in missing],
                             len(items))
    return out


def _settle(client, missing: list[tuple[Change, PlexSection]], want_of, timeout: float):
    """Wait for Plex's scan of the sections, then look for the missing items again (for GRACE
    seconds more: a scan may show itself as running a moment after it was asked for)."""
    deadline = time.monotonic() + timeout
    keys = {s.key for _, s in missing}
    grace_end = None
    while True:
        while client.refreshing(keys) and time.monotonic() < deadline:
            time.sleep(0.5)
        grace_end = grace_end or time.monotonic() + GRACE
        types: dict[str, set[int]] = {}
        for c, s in missing:
            types.setdefault(s.key, set()).add(ITEM_TYPES[c.entity_type])
        index = _index(client, types)
        late, still = [], []
        for c, s in missing:
            key = _find(c, index[s.key], want_of(c))
            if key is None:
                still.append((c, s))
            else:
                late.append((c, s.key, key))
        if not still or time.monotonic() >= min(grace_end, deadline):
            return late, still
        time.sleep(0.5)


def _apply(client, found: list[tuple[Change, str, str, Want]], stats: Stats) -> None:
    """Fields, tags, images and ordering of the items found (and of a show's seasons)."""
    work = [(section, key, want) for _, section, key, want in found]   # (section key, rating key, want)
    keys = [k for _, k, _ in work]
    current = client.metadata(list(dict.fromkeys(keys))) if keys else {}
    seasons: list[tuple[str, str, Want]] = []
    for section, key, want in work:
        if want.seasons:
            children = _season_keys(client, key)
            seasons += [(section, children[w.index], w) for w in want.seasons if w.index in children]
    if seasons:
        current.update(client.metadata([k for _, k, _ in seasons]))
    for section, key, want in work + seasons:
        item = current.get(key)
        if item is None:
            continue   # gone between the listing and now: the next sync looks again
        locks = []
        for element, art in want.art.items():
            if _image(client, key, element, art, item, stats):
                locks.append(element)
        edits = field_edits(want, item, locks)
        for q in edit_queries(section, TYPE_NUM[want.plex_type], key, edits):
            client.edit(q)
        stats.edited += bool(edits)
        if _reorder(want.ordering, item.get("showOrdering") or ""):
            client.set_ordering(key, want.ordering)
            client.refresh_item(key)   # Plex places the episodes by the new order on a refresh
            stats.ordered += 1
            stats.refreshed += 1


def _collections(client, sets: list[Change], sections: list[PlexSection], stats: Stats) -> None:
    """Each collection in every section that holds one of its movies (Plex keeps collections per
    section, made from the movies' tags): its summary, poster and background, locked."""
    work: list[tuple[Change, str, str, Want]] = []
    listed: dict[str, list[dict]] = {}
    for c in sets:
        want = plex_want.load_collection(c.entity_id, getattr(client, "data_dir", None)) \
            if c.entity_id is not None else None
        keys = {s.key for s in (plex_section_for(m, sections) for m in c.members) if s is not None}
        hits = []
        for key in sorted(keys):
            if key not in listed:
                listed[key] = client.items(key, TYPE_NUM["collection"])
            rk = find_collection(c.name or "", listed[key])
            if rk is not None:
                hits.append(rk)
                if want is not None:
                    work.append((c, key, rk, want))
        (stats.sets_found if hits else stats.sets_absent).append(c.name or "")
    if work:
        _apply(client, work, stats)


def _reorder(wanted: str | None, current: str) -> bool:
    """Whether to set a show's ordering: a chosen order Plex does not hold; aired (Metarr's default)
    only to take a show back from the DVD or absolute order it was given, never over Plex's own
    library default."""
    if not wanted or wanted == current:
        return False
    return wanted not in ("aired", "tmdbAiring") or current in ("dvd", "absolute")


def _season_keys(client, show_key: str) -> dict[int, str]:
    """A show's seasons by number (`/library/metadata/{show}/children`)."""
    return {int(m["index"]): str(m["ratingKey"]) for m in client.children(show_key)
            if m.get("type") == "season" and m.get("index") is not None}


def _image(client, key: str, element: str, art, item: dict, stats: Stats) -> bool:
    """Make Plex show the chosen image; True when it does (then it is locked)."""
    hashes = file_hashes(art.path)
    if hashes is None:
        stats.art_missing.append(art.path)
        return False
    sha1, sha256 = hashes
    action, rating_key = art_action(element, sha1, client.photos(key, element))
    if action == "compare":
        # an upload is shown whose name is not the SHA-1 of ours: it is ours if the bytes are
        shown = item.get(element)
        if shown and hashlib.sha256(client.image(shown)).hexdigest() == sha256:
            return True
        action = "upload"
    if action == "select":
        client.select(key, element, rating_key)
        stats.selected += 1
    elif action == "upload":
        with open(art.path, "rb") as f:
            client.upload(key, element, f.read())
        stats.uploaded += 1
    return True
