"""Pure decisions of checking a Kodi sync: is every item Metarr published in Kodi's library with the
ids Metarr holds, and what to do about the ones that are not.

Why an item can be missing although its NFO is on disk (xbmc/video/VideoInfoScanner.cpp, Kodi 20):
a movie folder Kodi has scanned keeps a hash in its `path` table; a later Scan first compares the
folder's "fast hash", which is the folder's modification time in whole seconds, and skips the
folder when it matches. The full hash it falls back to covers only the video files. So NFOs and art
written into a folder within the same second as Kodi's last look at it (two films sharing a folder,
published one after the other while a scan runs), or on a share whose folder times do not change,
never make Kodi read that folder again. A later modification time of the folder does. For TV the
hash covers the episodes' video files only; a Refresh of the show with its episodes re-reads them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from metarr.players.model import Change
from metarr.players.plan import KodiOp, as_dir, kodi_lookup_key, merge_changes, norm


@dataclass(frozen=True)
class KodiItem:
    kid: int
    ids: dict[str, str] = field(default_factory=dict)   # Kodi's `uniqueid` {type: value}
    title: str = ""
    art: dict[str, str] = field(default_factory=dict)   # art type -> image source (unwrapped)
    art_urls: dict[str, str] = field(default_factory=dict)   # art type -> Kodi's own URL of it (image://…/)


def unwrap_image(url: str) -> str:
    """Kodi reports art as `image://<url-quoted source>/`; the source is what was published."""
    if url.startswith("image://"):
        return unquote(url[len("image://"):].rstrip("/"))
    return url


def art_differs(ours: dict[str, str], theirs: dict[str, str]) -> dict[str, str]:
    """The art types whose image in Kodi is not the file Metarr published: {type: our file}."""
    return {k: v for k, v in ours.items() if norm(theirs.get(k, "")) != norm(v)}


Found = dict[tuple[str, str], list[KodiItem]]   # (kind, normalised path) -> Kodi items there


@dataclass(frozen=True)
class Problem:
    change: Change
    kind: str          # movie | tvshow | episode
    problem: str       # missing | ids | art
    detail: str

    @property
    def path(self) -> str:
        return self.change.file or self.change.folder

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "kind": self.kind, "problem": self.problem, "detail": self.detail}


def ids_agree(ours: dict[str, str], theirs: dict[str, str]) -> bool:
    """Kodi holds the item under Metarr's ids: every id type both know has the same value, and they
    share at least one (an NFO need not carry every id Metarr knows)."""
    shared = [t for t in ours if t in theirs]
    return bool(shared) and all(str(theirs[t]).strip() == str(ours[t]).strip() for t in shared)


def _ids_text(ids: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(ids.items())) or "no ids"


def check_items(changes: Iterable[Change], found: Found) -> list[Problem]:
    """What Kodi did not take: items not in its library, or there under other ids."""
    out: list[Problem] = []
    for c in merge_changes(changes):
        key = kodi_lookup_key(c)
        if key is None:
            continue
        items = found.get(key) or []
        if not items:
            out.append(Problem(c, key[0], "missing", f"not in Kodi's library after a scan of {as_dir(c.folder)}"))
        elif c.ids and not any(ids_agree(c.ids, it.ids) for it in items):
            theirs = items[0].ids
            out.append(Problem(c, key[0], "ids", f"Kodi holds it as {_ids_text(theirs)}, Metarr as {_ids_text(c.ids)}"))
        elif c.art and any(art_differs(c.art, it.art) for it in items):
            wrong = sorted({k for it in items for k in art_differs(c.art, it.art)})
            out.append(Problem(c, key[0], "art", f"Kodi does not show the published {', '.join(wrong)}"))
    return out


def image_hash(mtime_ns: int, size: int) -> str:
    """The hash Kodi keeps beside its cached copy of a local image (xbmc/TextureCacheJob.cpp,
    GetImageHash: "d<modification time in seconds>s<size>"). Kodi compares it with the file again
    only a day after its last check, so an image replaced under the same name (a new poster.jpg over
    the old one) keeps showing the old picture until then, Refresh or not (seen with Kodi 20.1)."""
    return f"d{mtime_ns // 1_000_000_000}s{size}"


def textures_to_check(changes: Iterable[Change], found: Found) -> dict[str, str]:
    """Kodi's URL of every published image Kodi shows for an item -> the hash the file was written
    with: the cached copies to compare (a copy of an older file is removed; Kodi caches the file again)."""
    out: dict[str, str] = {}
    for c in merge_changes(changes):
        key = kodi_lookup_key(c)
        if key is None or not c.art_hash:
            continue
        for it in found.get(key) or ():
            for art_type, ours in c.art.items():
                url, want = it.art_urls.get(art_type), c.art_hash.get(art_type)
                if url and want and norm(it.art.get(art_type, "")) == norm(ours):
                    out[url] = want
    return out


def stale_textures(expected: dict[str, str], textures: Iterable[dict]) -> list[int]:
    """Texture ids of Kodi's cached copies that are not of the file as published (Textures.GetTextures
    rows with url and imagehash)."""
    return sorted({t["textureid"] for t in textures
                   if isinstance(t, dict) and isinstance(t.get("textureid"), int) and t.get("url") in expected
                   and t.get("imagehash") != expected[t["url"]]})


SET_DETAILS = {"movie": ("VideoLibrary.SetMovieDetails", "movieid"),
               "tvshow": ("VideoLibrary.SetTVShowDetails", "tvshowid"),
               "episode": ("VideoLibrary.SetEpisodeDetails", "episodeid")}


@dataclass(frozen=True)
class Recovery:
    touch: tuple[str, ...]       # folders (Metarr's paths) to give a later modification time
    ops: tuple[KodiOp, ...]      # then these calls


def plan_recovery(problems: Iterable[Problem], found: Found) -> Recovery:
    """Missing movie or show → a later folder time and a Scan of that folder (Kodi then re-reads it);
    a missing episode of a show Kodi has → Refresh the show with its episodes; other ids → Refresh;
    other art → Set<Kind>Details with the published files."""
    touch: dict[str, None] = {}
    scans: dict[str, None] = {}
    refresh: dict[tuple[str, int], KodiOp] = {}
    details: list[KodiOp] = []
    for p in problems:
        c = p.change
        if p.problem == "art":
            method, idf = SET_DETAILS[p.kind]
            for it in found.get((p.kind, kodi_lookup_key(c)[1])) or []:
                wrong = art_differs(c.art, it.art)
                if wrong:
                    details.append(KodiOp(method, {idf: it.kid, "art": wrong}))
            continue
        if p.problem == "ids":
            kid = (found.get((p.kind, kodi_lookup_key(c)[1])) or [KodiItem(-1)])[0].kid
            method, idf = {"movie": ("VideoLibrary.RefreshMovie", "movieid"),
                           "tvshow": ("VideoLibrary.RefreshTVShow", "tvshowid"),
                           "episode": ("VideoLibrary.RefreshEpisode", "episodeid")}[p.kind]
            if kid >= 0:
                refresh[(p.kind, kid)] = KodiOp(method, {idf: kid, "ignorenfo": False})
            continue
        if p.kind == "episode":
            show = found.get(("tvshow", norm(c.folder))) or []
            if show:
                sid = show[0].kid
                refresh[("tvshow", sid)] = KodiOp("VideoLibrary.RefreshTVShow",
                                                  {"tvshowid": sid, "ignorenfo": False, "refreshepisodes": True})
                continue
        if c.local_folder:
            touch[c.local_folder] = None
        scans[as_dir(c.folder)] = None
    ops = [KodiOp("VideoLibrary.Scan", {"directory": d, "showdialogs": False}) for d in scans]
    return Recovery(tuple(touch), tuple(ops + list(refresh.values()) + details))


def lookups_for(changes: Iterable[Change]) -> list[tuple[str, str]]:
    """The Get* listings a check needs: (kind, mapped root); shows too when episodes are checked,
    so a missing episode's show can be refreshed."""
    out: dict[tuple[str, str], None] = {}
    for c in changes:
        key = kodi_lookup_key(c)
        if key:
            out[(key[0], c.root)] = None
            if key[0] == "episode":
                out[("tvshow", c.root)] = None
    return list(out)
