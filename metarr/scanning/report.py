"""What a scan reports, and what a webhook adds to a scan."""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

Progress = Callable[[str, int, int, str], None]


class Targets:
    """The (entity type, id) pairs a scan chains on, in order, as runs of one type in an int array:
    8 bytes an item instead of a tuple's ~90 (a first scan of 166,000 movies names all of them)."""

    def __init__(self) -> None:
        self._runs: list[tuple[str, array]] = []

    def append(self, target: tuple[str, int]) -> None:
        et, eid = target
        if not self._runs or self._runs[-1][0] != et:
            self._runs.append((et, array("q")))
        self._runs[-1][1].append(eid)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for et, ids in self._runs:
            for eid in ids:
                yield et, eid

    def drain(self) -> list[tuple[str, int]]:
        """Every held target, in order; none are held after (they went to the database)."""
        out = list(self)
        self._runs.clear()
        return out

    def __len__(self) -> int:
        return sum(len(ids) for _, ids in self._runs)

    def __bool__(self) -> bool:
        return bool(self._runs)

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"Targets({list(self)!r})"


@dataclass
class ScanReport:
    library_id: int
    files: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    own: int = 0          # new or changed files exactly as Metarr published them (not the user's news)
    units: int = 0
    created: int = 0
    removed: int = 0
    restored: int = 0
    probes: int = 0
    nfo_imported: int = 0
    art_imported: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    targets: Targets = field(default_factory=Targets)   # root entities to enrich/publish, held in memory
    # a large scan in a job: how many targets it moved to scan_targets, and how many are there at its
    # end (its follow-up job's total; 0: `targets` holds them all, chained directly)
    targets_stored: int = 0
    followups: int = 0
    walk_s: float = 0.0
    total_s: float = 0.0

    def absorb(self, part: ScanReport) -> None:
        """Add what `part` (a report of some of this scan's units, begun empty) counted and found."""
        for f in fields(self):
            if f.name != "library_id" and isinstance(getattr(part, f.name), int | float):
                setattr(self, f.name, getattr(self, f.name) + getattr(part, f.name))
        self.problems += part.problems
        for t in part.targets:
            self.targets.append(t)

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k not in ("problems", "targets", "targets_stored", "followups")}
        d["problems"] = [{"path": p, "problem": m} for p, m in self.problems[:500]]
        d["problem_count"] = len(self.problems)
        d["targets"] = len(self.targets) + self.targets_stored
        return d


@dataclass(frozen=True)
class ScanContext:
    """Extra knowledge from a webhook: ids and whether the file replaced an older one."""
    ids: dict[str, Any] = field(default_factory=dict)
    upgrade: bool = False
    trigger: str = "scan"
    renames: tuple = ()      # an *arr Rename's (previous, new) absolute paths
