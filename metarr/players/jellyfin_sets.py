"""Jellyfin's and Emby's collections (box sets) from Metarr's: found by name, made when missing, given
their missing movies and the collection's chosen poster and backdrop.

Jellyfin makes a box set from the movies' NFOs only with the library option "automatically add to
collection" (off by default, reference players-and-orders §2.3), and never takes a set's images from
them; so after the movies, the sync finds each set by its name (`GET /Items?IncludeItemTypes=BoxSet
&Recursive=true&SearchTerm=…`, then the exact name: the search matches parts of names), makes it
when it is missing (`POST /Collections?Name=…&Ids=…`), adds the movies it lacks (`POST
/Collections/{id}/Items?Ids=…`), and uploads the collection's poster (`Primary`) and backdrop
(`Backdrop`) where the server does not show those bytes already (`POST /Items/{id}/Images/{type}`,
base64). The movies are found by their files (the server has no lookup by path: one paged listing
with `Fields=Path`). A second sync with nothing changed sends only reads.

A movie this very sync told the server of that it does not list after a few seconds fails the sync
(retried: the server scans in its own time); a member in no folder the server reads is only
reported (`set_members_missing`).

The decisions are the pure functions; `sync_sets` does the calls (blocking, the sync.player job's
thread, which holds a database connection for the images)."""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from metarr.db.media import ArtworkSlot, CacheFile
from metarr.players.http import PlayerProtocolError
from metarr.players.model import Change
from metarr.players.plan import merge_changes, norm

GRACE = 3.0          # seconds to look again for a movie the server was just told of
ART = {"poster": "Primary", "fanart": "Backdrop"}   # Metarr's slot -> the server's image type


class SetsIncomplete(PlayerProtocolError):
    """The server does not list movies this sync told it of, so their collection lacks them."""


@dataclass(frozen=True)
class Image:
    path: str
    sha256: str
    size: int
    mime: str


@dataclass
class SetsDone:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)        # none of its movies is in the server
    members_missing: list[str] = field(default_factory=list)
    images_uploaded: int = 0
    art_missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sets_created": self.created, "sets_updated": self.updated, "sets_unchanged": self.unchanged,
                "sets_absent": self.absent, "set_members_missing": self.members_missing,
                "set_images_uploaded": self.images_uploaded, "set_art_missing": self.art_missing}


# ------------------------------------------------------------------ pure decisions

def set_changes(changes: Iterable[Change]) -> list[Change]:
    return [c for c in merge_changes(changes) if c.entity_type == "collection" and c.name]


def find_boxset(name: str, found: Iterable[dict]) -> dict | None:
    """The collection of that name among a search's answers: the exact name, else the same name in
    another case; of several (one made by hand, one by the server) the one with most items."""
    sets = [b for b in found if b.get("Type", "BoxSet") == "BoxSet" and b.get("Id")]
    same = [b for b in sets if b.get("Name") == name] or [
        b for b in sets if str(b.get("Name") or "").casefold() == name.casefold()]
    return max(same, key=lambda b: int(b.get("ChildCount") or 0)) if same else None


def index_movies(items: Iterable[dict]) -> dict[str, str]:
    """The server's movies by their file (normalised) -> id."""
    return {norm(str(m["Path"])): str(m["Id"]) for m in items if m.get("Path") and m.get("Id")}


def match_members(members: Iterable[str], index: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the server's ids of a set's movies, the files it does not list). A disc movie is known by its
    folder: any of the server's items below it."""
    ids: list[str] = []
    missing: list[str] = []
    for f in members:
        key = norm(f)
        got = index.get(key) or next((i for p, i in index.items() if p.startswith(key.rstrip("/") + "/")), None)
        if got is None:
            missing.append(f)
        elif got not in ids:
            ids.append(got)
    return ids, missing


def image_action(ours: Image, infos: Iterable[dict], image_type: str) -> str:
    """"upload" (the server shows none, or another of a different size), or "compare" (the same size:
    its bytes decide)."""
    shown = next((i for i in infos if i.get("ImageType") == image_type and int(i.get("ImageIndex") or 0) == 0), None)
    if shown is None or int(shown.get("Size") or -1) != ours.size:
        return "upload"
    return "compare"


# ------------------------------------------------------------------ the database side

def load_images(collection_id: int, data_dir: str | None, names: dict[str, str] = ART) -> dict[str, Image]:
    """The server's image type (`names`: Metarr's slot -> it) -> the collection's chosen image in
    Metarr's cache."""
    out: dict[str, Image] = {}
    q = (ArtworkSlot.select(ArtworkSlot.slot, CacheFile.path, CacheFile.sha256, CacheFile.size, CacheFile.mime)
         .join(CacheFile, on=(CacheFile.id == ArtworkSlot.cache_file_id))
         .where((ArtworkSlot.entity_type == "collection") & (ArtworkSlot.entity_id == collection_id)
                & (ArtworkSlot.rank == 0) & ArtworkSlot.slot.in_(list(names))).tuples())
    for slot, path, sha, size, mime in q:
        full = path if os.path.isabs(path) or not data_dir else os.path.join(data_dir, path)
        out[names[slot]] = Image(full, sha, int(size), mime or "image/jpeg")
    return out


# ------------------------------------------------------------------ the calls

def _synced_movies(changes: Iterable[Change]) -> set[str]:
    return {norm(c.file or c.folder) for c in changes if c.entity_type == "movie"}


def sync_sets(client, changes: Iterable[Change], timeout: float) -> dict[str, Any]:
    changes = list(changes)
    wanted = set_changes(changes)
    if not wanted:
        return {}
    told = _synced_movies(changes)
    end = time.monotonic() + max(0.0, min(GRACE, timeout))
    while True:
        index = index_movies(client.movies())
        late = [f for c in wanted for f in match_members(c.members, index)[1] if norm(f) in told]
        if not late or time.monotonic() >= end:
            break
        time.sleep(0.5)
    done = SetsDone()
    for c in wanted:
        _one_set(client, c, index, done)
    if late:
        shown = "; ".join(late[:5]) + (f"; and {len(late) - 5} more" if len(late) > 5 else "")
        raise SetsIncomplete(f"the server does not list {len(late)} movie(s) of a collection after it was told "
                             f"of them: {shown}")
    return done.to_json()


def _one_set(client, c: Change, index: dict[str, str], done: SetsDone) -> None:
    name = c.name or ""
    ids, missing = match_members(c.members, index)
    done.members_missing += missing
    box = find_boxset(name, client.boxsets(name))
    if box is None:
        if not ids:
            done.absent.append(name)
            return
        box_id, changed = client.create_collection(name, ids), True
        done.created.append(name)
    else:
        box_id = str(box["Id"])
        have = {str(x.get("Id")) for x in client.children(box_id)}
        add = [i for i in ids if i not in have]
        if add:
            client.add_to_collection(box_id, add)
        changed = bool(add)
    images = load_images(c.entity_id, getattr(client, "data_dir", None)) if c.entity_id is not None else {}
    infos = client.image_infos(box_id) if images else []
    for image_type, ours in sorted(images.items()):
        if image_action(ours, infos, image_type) == "compare" and \
                hashlib.sha256(client.image(box_id, image_type)).hexdigest() == ours.sha256:
            continue
        try:
            with open(ours.path, "rb") as f:
                data = f.read()
        except OSError:
            done.art_missing.append(ours.path)
            continue
        client.upload_image(box_id, image_type, data, ours.mime)
        done.images_uploaded += 1
        changed = True
    if box is not None:
        (done.updated if changed else done.unchanged).append(name)
