"""Paths from outside (webhook payloads, path mappings, the library form, the CLI) are normalised
and checked here, in one place, before anything uses them: `..` is resolved before a path is
compared with a library root, a library root is never a system directory and lies under the
configured browse roots, and a path a library does not contain is refused, not scanned."""
from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable

# never a library root; nothing below the first group is ever media either
NEVER_ROOTS = ("/", "/root", "/var", "/var/lib", "/home", "/tmp", "/mnt", "/media", "/srv", "/opt")
SYSTEM_TREES = ("/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                "/run", "/var/run", "/var/log", "/var/cache", "/root", "/var/lib", "/var/spool", "/var/mail",
                "/var/backups", "/var/tmp")


class OutsidePath(ValueError):
    """A path that must not be used: outside every library, a system directory, not absolute."""


def norm(path: str) -> str:
    """Absolute, `.`/`..`/`//` resolved lexically (posix), no trailing slash: what comparisons use."""
    if "\x00" in path:
        raise OutsidePath("NUL byte in path")
    if not path.startswith("/"):
        raise OutsidePath(f"not an absolute path: {path!r}")
    return posixpath.normpath(path).replace("//", "/")


def relative_to(path: str, root: str) -> str | None:
    """`path` relative to `root` after normalising both ('' for the root itself), or None outside."""
    p, r = norm(path), norm(root)
    if p == r:
        return ""
    prefix = r if r.endswith("/") else r + "/"
    return p[len(prefix):] if p.startswith(prefix) else None


def library_for(path: str, libraries: Iterable[tuple[int, str]]) -> tuple[int, str] | None:
    """(library id, relative path) of the library whose root contains `path` (the deepest root)."""
    best = None
    for lid, root in libraries:
        rel = relative_to(path, root)
        if rel is not None and (best is None or len(norm(root)) > best[2]):
            best = (lid, rel, len(norm(root)))
    return (best[0], best[1]) if best else None


def check_library_root(path: str, browse_roots: Iterable[str] = ("/",), own_dirs: Iterable[str] = ()) -> str:
    """The root a library may have (its real path), or OutsidePath saying why not. `own_dirs`:
    Metarr's data dir (its cache, recycle bin, logs, keys), which no library may hold or be in."""
    real = os.path.realpath(norm(path))
    if real in NEVER_ROOTS or any(real == t or real.startswith(t + "/") for t in SYSTEM_TREES):
        raise OutsidePath(f"{real} is a system directory, not a media folder")
    for own in (os.path.realpath(norm(d)) for d in own_dirs if d):
        if relative_to(real, own) is not None or relative_to(own, real) is not None:
            raise OutsidePath(f"{real} overlaps Metarr's own data directory {own}, not a media folder")
    roots = [norm(r) for r in browse_roots if r]
    if roots and "/" not in roots and not any(relative_to(real, r) is not None for r in roots):
        raise OutsidePath(f"{real} is not under the allowed folders ({', '.join(roots)}; setting ui.browse_roots)")
    return real


def within(path: str, root: str) -> bool:
    """True when `path` (a real, resolved path) is `root`'s real path or below it."""
    real_root = os.path.realpath(root)
    return path == real_root or path.startswith(real_root.rstrip("/") + "/")


# where media usually lives; offered by the folder browser when ui.browse_roots is not set
MEDIA_PLACES = ("/media", "/mnt", "/srv", "/data", "/storage", "/volume1", "/share", "/home")


def browse_roots(configured: Iterable[str], library_roots: Iterable[str], home: str | None,
                 exists=os.path.isdir) -> list[str]:
    """The folders the UI's folder browser starts from. Configured ones when set; otherwise the
    parents of existing library roots, the usual media mount points that exist, and the home
    folder: never the whole file system by default (what it would show of /etc is nobody's media)."""
    chosen = [norm(r) for r in configured if r]
    if chosen:
        return chosen
    out: list[str] = []
    for root in library_roots:
        parent = os.path.dirname(norm(root)) or "/"
        if parent != "/" and parent not in out:
            out.append(parent)
    for place in (*MEDIA_PLACES, home or ""):
        if place and place not in out and exists(place) and not any(relative_to(place, o) is not None for o in out):
            out.append(place)
    return out or ([home] if home else [])
