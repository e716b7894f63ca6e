"""Kodi's movie sets (reference players-and-orders §2.2): a set is made when Kodi reads a movie's
`<set>`, and takes its art from the FIRST movie it scans (the movie set information folder, if
Kodi has one set) and never again. So after the movies, the sync finds each set by its title
(`VideoLibrary.GetMovieSets`) and, where its art is not the images Metarr published,
sets them (`VideoLibrary.SetMovieSetDetails`); a cached copy of an older file under the same name
is removed, so Kodi shows the new picture now."""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from metarr.players.kodi_check import art_differs, stale_textures, unwrap_image
from metarr.players.model import Change
from metarr.players.plan import merge_changes

GRACE = 3.0   # seconds to keep looking for a set a refresh is still making


@dataclass(frozen=True)
class KodiSet:
    setid: int
    title: str
    art: dict[str, str]            # art type -> the image source (unwrapped)
    art_urls: dict[str, str]       # art type -> Kodi's own URL of it (image://…/), for its texture cache


@dataclass
class SetsDone:
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)     # not in Kodi, and not required (no movie of it synced)
    missing: list[str] = field(default_factory=list)    # not in Kodi although a movie of it was synced

    def to_json(self) -> dict[str, Any]:
        return {"sets_updated": self.updated, "sets_unchanged": self.unchanged, "sets_absent": self.absent,
                "sets_missing": self.missing}


def set_changes(changes: Iterable[Change]) -> list[Change]:
    return [c for c in merge_changes(changes) if c.entity_type == "collection" and c.name]


def parse_sets(answer: dict | None) -> dict[str, KodiSet]:
    """`VideoLibrary.GetMovieSets` (properties title, art) by title in lower case: Kodi finds a set
    by its title case-blind (`strSet LIKE …`), so "Alien collection" stays the set "Alien Collection"
    joins."""
    out: dict[str, KodiSet] = {}
    for s in (answer or {}).get("sets") or ():
        if not isinstance(s, dict) or not isinstance(s.get("setid"), int):
            continue
        art = s.get("art") if isinstance(s.get("art"), dict) else {}
        title = str(s.get("title") or s.get("label") or "")
        out.setdefault(title.lower(), KodiSet(s["setid"], title, {str(k): unwrap_image(str(v)) for k, v in art.items()},
                                      {str(k): str(v) for k, v in art.items()}))
    return out


def plan_sets(wanted: list[Change], have: dict[str, KodiSet]) -> tuple[list[tuple[str, dict]], SetsDone]:
    """(SetMovieSetDetails calls, what each set came to). A set whose art in Kodi is all ours is left."""
    calls: list[tuple[str, dict]] = []
    done = SetsDone()
    for c in wanted:
        found = have.get((c.name or "").lower())
        if found is None:
            (done.absent if c.check else done.missing).append(c.name or "")
        elif c.art and art_differs(c.art, found.art):
            calls.append(("VideoLibrary.SetMovieSetDetails", {"setid": found.setid, "art": dict(c.art)}))
            done.updated.append(found.title)
        else:
            done.unchanged.append(found.title)
    return calls, done


def stale_set_textures(wanted: list[Change], have: dict[str, KodiSet]) -> dict[str, str]:
    """Kodi's URL of each set image that is our file -> the hash it was written with."""
    out: dict[str, str] = {}
    for c in wanted:
        found = have.get((c.name or "").lower())
        for art_type, want in (c.art_hash or {}).items():
            url = found.art_urls.get(art_type) if found else None
            if url and not art_differs({art_type: c.art.get(art_type, "")}, found.art):
                out[url] = want
    return out


def sync_sets(client, changes: Iterable[Change], timeout: float) -> dict[str, Any]:
    """Make Kodi's sets show Metarr's images. A set a synced movie should have brought is looked for
    again for a few seconds (a Refresh runs as a job of its own); `missing` lists those never found."""
    wanted = set_changes(changes)
    if not wanted:
        return {}
    end = time.monotonic() + max(0.0, min(GRACE, timeout))
    while True:
        have = parse_sets(client.call("VideoLibrary.GetMovieSets", {"properties": ["title", "art"]}))
        calls, done = plan_sets(wanted, have)
        if not done.missing or time.monotonic() >= end:
            break
        time.sleep(0.5)
    if calls:
        client.batch(calls)
        have = parse_sets(client.call("VideoLibrary.GetMovieSets", {"properties": ["title", "art"]}))
    expected = stale_set_textures(wanted, have)
    renewed = 0
    if expected:
        stale = stale_textures(expected, client.textures(sorted(expected)))
        if stale:
            client.batch([("Textures.RemoveTexture", {"textureid": t}) for t in stale])
        renewed = len(stale)
    return {**done.to_json(), "set_textures_renewed": renewed}
