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
                "/run", "/var/run", "/var/log", "/var/cache")


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


def check_library_root(path: str, browse_roots: Iterable[str] = ("/",)) -> str:
    """The root a library may have (its real path), or OutsidePath saying why not."""
    real = os.path.realpath(norm(path))
    if real in NEVER_ROOTS or any(real == t or real.startswith(t + "/") for t in SYSTEM_TREES):
        raise OutsidePath(f"{real} is a system directory, not a media folder")
    roots = [norm(r) for r in browse_roots if r]
    if roots and "/" not in roots and not any(relative_to(real, r) is not None for r in roots):
        raise OutsidePath(f"{real} is not under the allowed folders ({', '.join(roots)}; setting ui.browse_roots)")
    return real


def within(path: str, root: str) -> bool:
    """True when `path` (a real, resolved path) is `root`'s real path or below it."""
    real_root = os.path.realpath(root)
    return path == real_root or path.startswith(real_root.rstrip("/") + "/")
