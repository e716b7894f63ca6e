"""Path mapping between systems that see the same files under different paths (*arr → Metarr,
Metarr → player). Prefix mappings; the longest matching prefix wins; matching is on whole path
components, so `/media/tv` does not match `/media/tvshows`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mapping:
    scope: str
    from_prefix: str
    to_prefix: str


def _norm(p: str) -> str:
    """Compare with forward slashes and without a trailing slash; Windows players use backslashes."""
    p = p.replace("\\", "/")
    return p.rstrip("/") if len(p) > 1 else p


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or prefix == "/"


def map_path(path: str, mappings: Iterable[Mapping], scope: str | None = None) -> str:
    """Map `path` with the longest `from_prefix` that contains it; unchanged if none does."""
    p = _norm(path)
    best: Mapping | None = None
    for m in mappings:
        if scope is not None and m.scope != scope:
            continue
        f = _norm(m.from_prefix)
        if _under(p, f) and (best is None or len(f) > len(_norm(best.from_prefix))):
            best = m
    if best is None:
        return path
    f, t = _norm(best.from_prefix), _norm(best.to_prefix)
    rest = p[len(f):] if f != "/" else p
    sep = "\\" if "\\" in best.to_prefix else "/"
    out = t + rest if t != "/" else rest or "/"
    return out.replace("/", sep) if sep == "\\" else out


def scopes_for_player(player_id: int, group_id: int | None) -> list[str]:
    """A player's own mappings win over its group's."""
    return [f"player:{player_id}"] + ([f"group:{group_id}"] if group_id else [])


def map_for_player(path: str, mappings: list[Mapping], player_id: int, group_id: int | None = None) -> str:
    for scope in scopes_for_player(player_id, group_id):
        mapped = map_path(path, mappings, scope)
        if mapped != path:
            return mapped
    return path
