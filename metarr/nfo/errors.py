"""The one exception type the NFO package raises (or reports inside an NfoResult)."""
from __future__ import annotations


class NfoError(Exception):
    """A problem reading or writing an NFO.

    `code` is a stable machine word (`empty`, `too_large`, `binary`, `not_nfo`, `dtd_forbidden`,
    `malformed`, `truncated`, `unsupported_root`, `unsafe_reference`, `invalid`, `internal`);
    `reason` is for humans; `position` is (line, column) in the decoded text when known.
    """

    def __init__(self, code: str, reason: str, position: tuple[int, int] | None = None) -> None:
        self.code = code
        self.reason = reason
        self.position = position
        where = f" at line {position[0]}, column {position[1]}" if position else ""
        super().__init__(f"{code}: {reason}{where}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NfoError):
            return NotImplemented
        return (self.code, self.reason, self.position) == (other.code, other.reason, other.position)

    def __hash__(self) -> int:
        return hash((self.code, self.reason, self.position))
