"""Genre and tag mapping rules (`enrich.genre_map`, `enrich.tag_map`): {"Sci-Fi": "Science Fiction",
"held-out": null} renames "Sci-Fi" and drops "held-out". Names match without regard to case; the
result keeps each name once, in its first place. Pure (the rules as set: settings.mapping_rules)."""
from __future__ import annotations

from typing import Any

SETTINGS = {"genres": "enrich.genre_map", "tags": "enrich.tag_map"}
MAX_RULES = 500


def validate_rules(key: str, value: Any) -> dict[str, str | None]:
    """A mapping setting as stored: names (≤ 200 characters) to a new name or null (drop)."""
    if not isinstance(value, dict):
        raise ValueError(f'{key} must be an object of rules, e.g. {{"Sci-Fi": "Science Fiction", "held-out": null}}')
    if len(value) > MAX_RULES:
        raise ValueError(f"{key} takes at most {MAX_RULES} rules")
    out: dict[str, str | None] = {}
    for old, new in value.items():
        if not isinstance(old, str) or not old.strip() or len(old) > 200:
            raise ValueError(f"{key}: {str(old)[:40]!r} is not a name to map (a non-empty text of at most 200 "
                             "characters)")
        if new is not None and (not isinstance(new, str) or len(new) > 200):
            raise ValueError(f"{key}: {old[:40]!r} must map to a name or to null (drop it), not {str(new)[:40]!r}")
        new = new.strip() if isinstance(new, str) else None
        out[old.strip()] = new or None
    return out


def map_values(values: list[str], rules: dict[str, str | None]) -> list[str]:
    """The names after the rules: renamed, dropped, each name once."""
    if not rules:
        return list(values)
    low = {k.lower(): v for k, v in rules.items()}
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        new = low.get(v.strip().lower(), v) if v.strip().lower() in low else v
        if new is None or new.lower() in seen:
            continue
        seen.add(new.lower())
        out.append(new)
    return out


def map_lists(lists: dict[str, list[str]], rules: dict[str, dict[str, str | None]]) -> dict[str, list[str]]:
    """A provider's lists with the rules applied to the lists they name."""
    if not rules or not any(name in lists for name in rules):
        return lists
    return {name: map_values(values, rules[name]) if name in rules else values for name, values in lists.items()}
