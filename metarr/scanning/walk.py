"""A fast, safe walk of a library: an explicit os.scandir stack, one stat per file (which the
change detection needs anyway), ignore patterns pruned early, symlinks followed only where they
stay inside the library and never in a loop, and every problem reported instead of raised."""
from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_IGNORE = (
    ".DS_Store", "Thumbs.db", "desktop.ini", "@eaDir", "#recycle", "#snapshot", ".@__thumb", "$RECYCLE.BIN",
    "System Volume Information", "lost+found", ".Trash-*", "*.part", "*.partial", "*.!ut", "*.!qb", "*.tmp",
    "*.crdownload", "._*", ".metarr-tmp-*", ".stfolder", ".stversions",
)


class FileEntry(NamedTuple):
    """A tuple, not a dataclass: a walk makes one per file, and comparing `entry[1:]` with the stored
    (size, mtime_ns, inode) is the whole of change detection."""
    path: str          # relative to the library root, posix separators
    size: int
    mtime_ns: int
    inode: int


@dataclass(frozen=True, slots=True)
class WalkIssue:
    path: str
    reason: str


@dataclass
class WalkResult:
    # (path, size, mtime_ns, inode) as plain tuples, a FileEntry's fields: a no-change rescan only
    # compares them, so the walk does not pay for named tuples (`FileEntry._make` one to use names)
    files: list[tuple[str, int, int, int]] = field(default_factory=list)
    issues: list[WalkIssue] = field(default_factory=list)
    dirs: int = 0


class IgnoreMatcher:
    """Case-insensitive fnmatch patterns for names. The usual shapes (an exact name, `prefix*`,
    `*suffix`) are answered with set and str methods; only the rest go to one regex, because the walk
    asks this for every name in the library."""

    def __init__(self, patterns: Iterable[str]) -> None:
        exact, prefixes, suffixes, other = set(), [], [], []
        for p in (p.lower() for p in patterns if p):
            body = p.strip("*")
            if any(c in body for c in "*?[]"):
                other.append(p)
            elif p == body:
                exact.add(p)
            elif p == body + "*":
                prefixes.append(body)
            elif p == "*" + body:
                suffixes.append(body)
            else:
                other.append(p)   # *middle*
        self.exact, self.prefixes, self.suffixes = exact, tuple(prefixes), tuple(suffixes)
        self.regex = re.compile("|".join(fnmatch.translate(p) for p in other), re.IGNORECASE) if other else None
        # a name can have a prefix only if it begins with one of their first characters, a suffix only
        # if it ends with one of their last ones, be an exact name only if it has one of their lengths:
        # three lookups spare most names the lowering and the string tests
        self.heads = frozenset(c for w in prefixes for c in (w[0], w[0].upper()))
        self.tails = frozenset(c for w in suffixes for c in (w[-1], w[-1].upper()))
        self.lengths = frozenset(len(w) for w in exact)

    def __call__(self, name: str) -> bool:
        if ((name[:1] in self.heads and name.lower().startswith(self.prefixes))
                or (name[-1:] in self.tails and name.lower().endswith(self.suffixes))
                or (len(name) in self.lengths and name.lower() in self.exact)):
            return True
        return self.regex is not None and self.regex.fullmatch(name) is not None


def compile_ignore(patterns: Iterable[str]) -> IgnoreMatcher:
    return IgnoreMatcher(patterns)


def walk(root: str, sub: str = "", ignore: IgnoreMatcher | None = None, follow_symlinks: bool = True) -> WalkResult:
    """Walk `root/sub` (sub = '' for the whole library); paths in the result are relative to root."""
    res = WalkResult()
    for files in iter_walk(root, sub, ignore, res, follow_symlinks):
        res.files += files
    return res


def iter_walk(root: str, sub: str, ignore: IgnoreMatcher | None, res: WalkResult,
              follow_symlinks: bool = True) -> Iterator[list[tuple[str, int, int, int]]]:
    """The walk as a stream: lists of up to about 1,000 files (a scan of a million files holds a
    batch of them, not the library). Issues and the count of directories go into `res`; its `files`
    stay empty. A unit's (top-level folder's) files come one after the other: a folder's subtree is
    finished before the next entry of its parent is read (files lying in the root may come between)."""
    ignore = ignore or compile_ignore(DEFAULT_IGNORE)
    root = os.path.abspath(root)
    start = os.path.join(root, sub) if sub else root
    seen: set[tuple[int, int]] = set()
    try:
        st = os.stat(start)
    except OSError as e:
        res.issues.append(WalkIssue(sub, f"cannot read: {e.strerror or e}"))
        return
    seen.add((st.st_dev, st.st_ino))
    real_root = os.path.realpath(root)
    inside = real_root.rstrip("/") + "/"
    if sub and not (os.path.realpath(start) + "/").startswith(inside):
        res.issues.append(WalkIssue(sub, "leads outside the library (not scanned)"))
        return
    # the walk asks the ignore test for every name in the library: most are let through by a look at
    # their first and last characters (without patterns in the middle)
    heads, tails, lengths, regex = ignore.heads, ignore.tails, ignore.lengths, ignore.regex
    prefixes, suffixes, exact = ignore.prefixes, ignore.suffixes, ignore.exact
    S_ISREG = stat.S_ISREG
    # depth first with the open directory listings on the stack: memory for the depth of the tree, not
    # its width (a stack of the folders still to visit held all 166,000 of a flat movie library)
    stack: list[tuple[Iterator[os.DirEntry], str]] = []
    files: list[tuple[str, int, int, int]] = []

    def enter(abs_dir: str, rel_dir: str) -> None:
        res.dirs += 1
        try:
            stack.append((os.scandir(abs_dir), rel_dir + "/" if rel_dir else ""))
        except OSError as e:
            res.issues.append(WalkIssue(rel_dir, f"unreadable directory: {e.strerror or e}"))

    enter(start, sub)
    try:
        while stack:
            it, prefix = stack[-1]
            descend = None
            for entry in it:
                name = entry.name
                if ((name[0] in heads and name.lower().startswith(prefixes))
                        or (name[-1] in tails and name.lower().endswith(suffixes))
                        or (len(name) in lengths and name.lower() in exact)
                        or (regex is not None and regex.fullmatch(name) is not None)):
                    continue
                link = entry.is_symlink()
                if link:
                    # a link is followed only inside the library: one to /etc would be scanned, its
                    # "poster" imported and served
                    target = os.path.realpath(entry.path)
                    if not (target + "/").startswith(inside):
                        res.issues.append(WalkIssue(prefix + name, f"symlink leads outside the library (not followed): {target}"))
                        continue
                try:
                    if entry.is_dir(follow_symlinks=follow_symlinks):
                        if link:
                            st = entry.stat()
                            key = (st.st_dev, st.st_ino)
                            if key in seen:
                                res.issues.append(WalkIssue(prefix + name, "symlink loop (not followed)"))
                                continue
                            seen.add(key)
                        descend = (entry.path, prefix + name)
                        break
                    st = entry.stat(follow_symlinks=follow_symlinks)
                except FileNotFoundError:
                    res.issues.append(WalkIssue(prefix + name, "broken symlink" if link else "vanished"))
                    continue
                except OSError as e:
                    res.issues.append(WalkIssue(prefix + name, f"cannot stat: {e.strerror or e}"))
                    continue
                if not S_ISREG(st.st_mode):
                    continue  # sockets, fifos, devices: never media
                if not name.isascii() and not _utf8(name):
                    res.issues.append(WalkIssue((prefix + name).encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                                                "file name is not valid UTF-8 (listed, never touched)"))
                    continue
                files.append((prefix + name, st.st_size, st.st_mtime_ns, st.st_ino))
                if len(files) >= 1000:   # a folder of 100,000 files is handed on in parts too
                    yield files
                    files = []
            if descend is None:   # this directory is done
                stack.pop()
                it.close()
            if len(files) >= 1000 or (files and not stack):
                yield files
                files = []
            if descend is not None:
                enter(*descend)
    finally:
        for it, _ in stack:   # left early (the consumer stopped): close what is still open
            it.close()


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def unit_of(path: str) -> str:
    """The unit a scan regroups: the top-level folder (movie folder, show, artist), or '' for files
    lying directly in the library root."""
    i = path.find("/")
    return path[:i] if i >= 0 else ""
