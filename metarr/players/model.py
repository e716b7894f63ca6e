"""Frozen values of player sync. They cross threads (job handler → PlayerSyncer → ledger) and are
stored in job payloads, so each has a JSON form."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Entity types as Kodi sees them; "library" means the whole library root.
ENTITY_TYPES = ("movie", "series", "season", "episode", "artist", "album", "library", "collection")


@dataclass(frozen=True)
class Change:
    """One item Metarr published or changed, in Metarr's paths."""
    library_id: int
    library_kind: str            # movie | tv | music
    root: str                    # library root
    folder: str                  # the item's folder (the root itself for "library")
    entity_type: str
    file: str | None = None      # main media file (movie, episode) for looking the item up in Kodi
    new: bool = False            # hint: never synced before (Scan) rather than changed (Refresh)
    deep: bool = False           # files below the folder changed too (episode NFOs/thumbs of a show)
    ids: dict[str, str] = field(default_factory=dict)   # provider ids Metarr holds (tmdb, imdb, tvdb)
    local_folder: str | None = None   # `folder` in Metarr's own paths, kept when paths are mapped
    art: dict[str, str] = field(default_factory=dict)   # art type -> the image file Metarr published
    check: bool = False          # only make sure the player has it as published (a library sync)
    # art type -> the image file's hash as Kodi keeps it beside a cached copy (kodi_check.image_hash)
    art_hash: dict[str, str] = field(default_factory=dict)
    entity_id: int | None = None  # the Metarr item (None: a library root, or a payload from before it was kept)
    # a collection (movie set): its title, the name players know a set by; `art` its images, `ids`
    # {"tmdbcol": id}, `folder` its movie set folder (the library root without one); `check`: only when
    # the player has the set already (its movies bring it)
    name: str | None = None
    # the player kinds that read its library (`libraries.players`; a collection: those of its movies'
    # libraries); empty: every kind (a library from before the field, an old payload)
    players: tuple[str, ...] = ()
    # a collection: its movies' files (a disc movie's folder), in the player's paths once planned
    members: tuple[str, ...] = ()

    @property
    def audio(self) -> bool:
        return self.library_kind == "music"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Change:
        c = cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})
        return replace(c, ids={str(k): str(v) for k, v in (c.ids or {}).items()},
                       art={str(k): str(v) for k, v in (c.art or {}).items()},
                       art_hash={str(k): str(v) for k, v in (c.art_hash or {}).items()},
                       players=tuple(str(k) for k in c.players or ()), members=tuple(str(f) for f in c.members or ()))

    def read_by(self, kind: str) -> bool:
        """Is it for a player of this kind (its library lists the kind, or lists none)?"""
        return not self.players or kind in self.players


@dataclass(frozen=True)
class PlayerInfo:
    """What planning needs of a player (no credentials: those stay in the DB row)."""
    id: int
    kind: str
    name: str = ""
    group_id: int | None = None
    enabled: bool = True
    order: int = 0               # try order inside a group (lower first)


@dataclass(frozen=True)
class PlayerCalls:
    """The work for one player: the changes with paths already mapped for it."""
    player_id: int
    changes: tuple[Change, ...]
    roots: tuple[str, ...] = ()  # mapped library roots touched (coalescing target for many folders)

    def to_json(self) -> dict[str, Any]:
        return {"player_id": self.player_id, "changes": [c.to_json() for c in self.changes],
                "roots": list(self.roots)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PlayerCalls:
        return cls(int(d["player_id"]), tuple(Change.from_json(c) for c in d.get("changes", ())),
                   tuple(d.get("roots", ())))


@dataclass(frozen=True)
class SyncCall:
    """One sync job: a group (or an ungrouped player). `candidates` are tried in order and the first
    player that is reachable (and not busy playing) does the work; the others share its database."""
    target: str                  # "group:<id>" | "player:<id>" (the job subject)
    kind: str
    candidates: tuple[PlayerCalls, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "kind": self.kind, "candidates": [c.to_json() for c in self.candidates]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SyncCall:
        return cls(d["target"], d["kind"], tuple(PlayerCalls.from_json(c) for c in d.get("candidates", ())))


@dataclass(frozen=True)
class PlayerConn:
    """A player row with its credentials (never sent to the web or logged)."""
    id: int
    kind: str
    name: str
    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    group_id: int | None = None
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    allow: Any = None            # metarr.assets.ssrf.AllowList from METARR_ALLOW_HOSTS (None: LAN only)
    data_dir: str | None = None  # Metarr's data dir, where kinds that upload images find the cached ones

    @property
    def timeout(self) -> float:
        return float(self.options.get("timeout") or 5.0)
