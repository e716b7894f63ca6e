"""The walk a long-lived scanner remembers between scans (a no-change rescan then reads no file rows)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScanMemo:
    """What a long-lived scanner remembers between scans: per library, the last whole-library walk
    and the `files_version` of the rows it matched. While that version stands, a walk equal to the
    remembered one proves that nothing changed, without reading the library's file rows (most of a
    no-change rescan's cost beyond the walk itself). Every process keeps its own; the version lives
    in the database, so a change recorded by any process makes the memory useless, never wrong."""
    walks: dict[int, tuple[str, list[tuple[str, int, int, int]]]] = field(default_factory=dict)

    def vouches(self, library_id: int, version: str | None, files: list) -> bool:
        """Whether the library's live rows are known to hold exactly `files` (a walk): the remembered
        walk is this one and its version still stands (tokens never repeat)."""
        remembered = self.walks.get(library_id)
        return remembered is not None and version is not None and remembered == (version, files)

    def remember(self, library_id: int, version: str | None, files: list) -> None:
        """The rows hold `files` under `version`; None: nothing is known (forget the library)."""
        if version is None:
            self.walks.pop(library_id, None)
        else:
            self.walks[library_id] = (version, files)
