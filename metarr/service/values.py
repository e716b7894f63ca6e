"""Small value types shared by the provider models and the metadata merge."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CastEntry:
    name: str
    role: str | None = None
    order: int = 0
    thumb_url: str | None = None


@dataclass(frozen=True)
class RatingEntry:
    source: str
    value: float
    votes: int = 0
    max: float = 10.0
    default: bool = False
