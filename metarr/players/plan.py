"""Pure decisions of player sync: no I/O, no clock. Given what changed and who is configured, decide
which player is told, with which (mapped) paths, and how many calls that takes."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from metarr.library.pathmap import Mapping, map_for_player
from metarr.players.model import Change, PlayerCalls, PlayerInfo, SyncCall

# More distinct folders than this in one library root → one call on the root (Kodi Scan, Plex
# section refresh) instead of one per folder: a scan of the root only adds what is new, and is far
# cheaper for the player than hundreds of separate scans.
MANY_FOLDERS = 10


def norm(p: str) -> str:
    """Compare paths with forward slashes and without a trailing slash (Kodi adds one to folders,
    Windows players use backslashes)."""
    p = p.replace("\\", "/")
    return p.rstrip("/") if len(p) > 1 else p


def kodi_file(file: str) -> str:
    """The file Kodi lists for an item, as Metarr names it: a stacked movie is listed as
    `stack://<part 1> , <part 2>` (commas in names doubled); Metarr knows it by its first part."""
    if file.startswith("stack://"):
        file = file[len("stack://"):].split(" , ", 1)[0].replace(",,", ",")
    return norm(file)


def is_under(path: str, folder: str) -> bool:
    p, f = norm(path), norm(folder)
    return p == f or p.startswith(f.rstrip("/") + "/")


def as_dir(p: str) -> str:
    """A folder as Kodi writes it: with the trailing separator of its own style."""
    sep = "\\" if "\\" in p and "/" not in p else "/"
    return p if p.endswith(("/", "\\")) else p + sep


def collapse(folders: Iterable[str]) -> list[str]:
    """Distinct folders, dropping any that lies under another one of the set (order kept)."""
    uniq: dict[str, str] = {}
    for f in folders:
        uniq.setdefault(norm(f), f)
    keys = sorted(uniq, key=len)
    kept: list[str] = []
    for k in keys:
        if not any(is_under(k, o) for o in kept):
            kept.append(k)
    keep = set(kept)
    return [uniq[k] for k in uniq if k in keep]


def merge_changes(changes: Iterable[Change]) -> list[Change]:
    """One change per (entity type, folder, file), the latest; hints are OR-ed (a burst may repeat an
    item)."""
    out: dict[tuple, Change] = {}
    for c in changes:
        key = (c.entity_type, norm(c.folder), norm(c.file) if c.file else None, c.name)
        prev = out.get(key)
        # the later change knows the item as it is now (ids, published art); hints accumulate
        out[key] = c if prev is None else replace(c, new=prev.new or c.new, deep=prev.deep or c.deep,
                                                  check=prev.check and c.check)
    return list(out.values())


# ------------------------------------------------------------------ who is told

def _map_change(c: Change, mappings: list[Mapping], p: PlayerInfo) -> Change:
    def m(path: str | None) -> str | None:
        return None if path is None else map_for_player(path, mappings, p.id, p.group_id)
    return replace(c, root=m(c.root), folder=m(c.folder), file=m(c.file), local_folder=c.local_folder or c.folder,
                   art={k: m(v) for k, v in c.art.items()}, members=tuple(m(f) for f in c.members))


def plan_sync(changes: Iterable[Change], players: Iterable[PlayerInfo], group_ids: Iterable[int],
              mappings: Iterable[Mapping]) -> list[SyncCall]:
    """One SyncCall per player group (players sharing one database: tell one, not all) and one per
    ungrouped player. Every candidate of a group gets the changes mapped with its own mappings (its
    player scope first, then the group's), so a fallback player sees paths it understands. A player
    is told only of changes in libraries that list its kind (`Change.players`): a Kodi-only library
    sends nothing to Plex; a target left with nothing gets no call."""
    merged = merge_changes(changes)
    if not merged:
        return []
    maps = list(mappings)
    groups = set(group_ids)
    targets: dict[str, list[PlayerInfo]] = {}
    for p in sorted(players, key=lambda p: (p.order, p.id)):
        if not p.enabled:
            continue
        if p.group_id is not None and p.group_id in groups:
            # a group of mixed kinds cannot share one database: keep the kinds apart
            target = f"group:{p.group_id}"
            if targets.get(target) and targets[target][0].kind != p.kind:
                target = f"group:{p.group_id}:{p.kind}"
        else:
            target = f"player:{p.id}"
        targets.setdefault(target, []).append(p)
    calls = []
    for target, members in targets.items():
        mine = [c for c in merged if c.read_by(members[0].kind)]
        if not mine:
            continue
        cands = []
        for p in members:
            mapped = tuple(_map_change(c, maps, p) for c in mine)
            roots = tuple(dict.fromkeys(c.root for c in mapped))
            cands.append(PlayerCalls(p.id, mapped, roots))
        calls.append(SyncCall(target, members[0].kind, tuple(cands)))
    return calls


# ------------------------------------------------------------------ Kodi

KODI_VIDEO_KIND = {"movie": "movie", "series": "tvshow", "season": "tvshow", "episode": "episode"}


@dataclass(frozen=True)
class KodiOp:
    method: str
    params: dict[str, Any]


def kodi_lookup_key(c: Change) -> tuple[str, str] | None:
    """How the item is found in Kodi's library: (kind, normalised path), or None (music, library)."""
    kind = KODI_VIDEO_KIND.get(c.entity_type)
    if kind is None or c.audio:
        return None
    if kind == "tvshow":
        return kind, norm(c.folder)
    return kind, norm(c.file or c.folder)


def kodi_lookups(changes: Iterable[Change]) -> list[tuple[str, str]]:
    """The Get* listings needed: (kind, mapped root), one per kind and library root."""
    out: dict[tuple[str, str], None] = {}
    for c in changes:
        key = kodi_lookup_key(c)
        if key:
            out[(key[0], c.root)] = None
    return list(out)


def plan_kodi(changes: Iterable[Change], known: dict[tuple[str, str], int]) -> tuple[list[KodiOp], list[Change]]:
    """Kodi's Scan only adds items it does not know, and never re-reads an NFO; Refresh re-reads one
    known item. So: a known item → Refresh<Kind>; anything else → a Scan of its folder, coalesced to
    the library root when a root has many. Returns (operations, changes that were scanned, to confirm)."""
    ops: list[KodiOp] = []
    scans: dict[tuple[str, bool], list[str]] = {}     # (root, audio) -> folders
    whole: set[tuple[str, bool]] = set()
    scanned: list[Change] = []
    for c in merge_changes(changes):
        key = kodi_lookup_key(c)
        kid = known.get(key) if key else None
        if kid is not None and c.check:
            continue   # a library sync: the check afterwards refreshes only what Kodi holds differently
        if c.check:
            # not in Kodi: the Scan of the root (the library change of the same sync) adds it
            scanned.append(c)
            continue
        if kid is not None:
            if key[0] == "movie":
                ops.append(KodiOp("VideoLibrary.RefreshMovie", {"movieid": kid, "ignorenfo": False}))
            elif key[0] == "tvshow":
                ops.append(KodiOp("VideoLibrary.RefreshTVShow", {"tvshowid": kid, "ignorenfo": False,
                                                                 "refreshepisodes": bool(c.deep)}))
            else:
                ops.append(KodiOp("VideoLibrary.RefreshEpisode", {"episodeid": kid, "ignorenfo": False}))
            if not (c.entity_type in ("series", "season") and c.new):
                continue
            # a known show with new episodes: Refresh re-reads the show, a Scan of its folder adds them
        rk = (c.root, c.audio)
        if c.entity_type == "library":
            whole.add(rk)
        scans.setdefault(rk, []).append(c.folder)
        if key:
            scanned.append(c)
    for (root, audio), folders in scans.items():
        method = "AudioLibrary.Scan" if audio else "VideoLibrary.Scan"
        folders = collapse(folders)
        if (root, audio) in whole or len(folders) > MANY_FOLDERS:
            folders = [root]
        ops.extend(KodiOp(method, {"directory": as_dir(f), "showdialogs": False}) for f in folders)
    # scans first: they are quick to start, and a Refresh queued behind a scan waits for it anyway
    ops.sort(key=lambda o: 0 if o.method.endswith(".Scan") else 1)
    return ops, scanned


# ------------------------------------------------------------------ Jellyfin

def plan_jellyfin(changes: Iterable[Change]) -> list[dict[str, str]]:
    """The `Updates` of one `POST /Library/Media/Updated`: one entry per folder (an item's folder
    covers its files), `Created` for new items so Jellyfin adds rather than re-validates."""
    merged = merge_changes(changes)
    new = {norm(c.folder) for c in merged if c.new}
    folders = collapse(c.folder for c in merged)
    return [{"Path": f, "UpdateType": "Created" if norm(f) in new else "Modified"} for f in folders]


# ------------------------------------------------------------------ Plex

@dataclass(frozen=True)
class PlexSection:
    key: str
    type: str
    title: str
    locations: tuple[str, ...]


def plex_section_for(path: str, sections: Iterable[PlexSection]) -> PlexSection | None:
    """The section whose Location holds the path (the longest location wins)."""
    best: tuple[int, PlexSection] | None = None
    for s in sections:
        for loc in s.locations:
            if is_under(path, loc) and (best is None or len(norm(loc)) > best[0]):
                best = (len(norm(loc)), s)
    return best[1] if best else None


def plan_plex(changes: Iterable[Change], sections: list[PlexSection]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Partial refreshes `(section key, folder)`, or `(key, None)` for a whole section when a
    section has many folders (or the whole library changed). Returns (refreshes, unmatched folders)."""
    merged = merge_changes(changes)
    per: dict[str, list[str]] = {}
    whole: set[str] = set()
    unmatched: list[str] = []
    for c in merged:
        s = plex_section_for(c.folder, sections)
        if s is None:
            unmatched.append(c.folder)
            continue
        per.setdefault(s.key, []).append(c.folder)
        if c.entity_type == "library":
            whole.add(s.key)
    out: list[tuple[str, str | None]] = []
    for key, folders in per.items():
        folders = collapse(folders)
        if key in whole or len(folders) > MANY_FOLDERS:
            out.append((key, None))
        else:
            out.extend((key, f) for f in folders)
    return out, collapse(unmatched)
