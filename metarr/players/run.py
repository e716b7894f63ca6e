"""Execute one planned SyncCall: try the candidates of a group in order, do the work on the first
that answers (and is not busy playing), report each player's status. Blocking; worker threads only."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .http import PlayerAuthError, PlayerError, PlayerUnreachable
from .jellyfin import JellyfinClient
from .kodi import KodiClient
from .model import PlayerCalls, SyncCall
from .plan import as_dir, kodi_lookup_key, kodi_lookups, norm, plan_jellyfin, plan_kodi, plan_plex
from .plex import PlexClient

log = logging.getLogger(__name__)

CONFIRM_GRACE = 3.0   # seconds to keep looking for scanned items after Kodi says the scan ended

StatusFn = Callable[[int, str, str, str], None]   # (player id, name, status, message)


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


class PlayerConfigError(PlayerError):
    """The player answered, but cannot do this (e.g. no Plex section holds the path): fix the setup."""


class PlayersBusy(Exception):
    """Every reachable candidate is playing and the policy is to defer."""


class PlayersFailed(Exception):
    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def client_for(c: PlayerConn):
    timeout = float(c.options.get("timeout") or 5.0)
    if c.kind == "kodi":
        return KodiClient(c.url, c.username, c.password, timeout=timeout)
    if c.kind == "jellyfin":
        return JellyfinClient(c.url, c.token, timeout=timeout)
    if c.kind == "plex":
        return PlexClient(c.url, c.token, timeout=timeout)
    raise PlayerConfigError(f"unknown player kind {c.kind!r}")


def playing_policy(options: dict[str, Any], skip_when_playing: bool) -> str:
    """'sync' (ignore playback), 'defer' (retry later) or 'skip' (drop this sync)."""
    if not options.get("skip_when_playing", skip_when_playing):
        return "sync"
    return "skip" if options.get("when_playing") == "skip" else "defer"


def check_connection(c: PlayerConn) -> dict[str, Any]:
    """A clear yes/no with a message for the UI."""
    try:
        client = client_for(c)
        if c.kind == "kodi":
            client.ping()
            info = {"version": client.version(), "playing": client.is_playing()}
            msg = f"Kodi answered (JSON-RPC {info['version']})" + (", playing now" if info["playing"] else "")
        elif c.kind == "jellyfin":
            si = client.info()
            info = {"version": si.get("Version"), "server_name": si.get("ServerName")}
            msg = f"Jellyfin {info['version'] or ''} '{info['server_name'] or ''}' answered".replace("  ", " ")
        else:
            ident = client.identity()
            sections = client.sections()
            info = {"version": ident.get("version"), "sections": [s.title for s in sections]}
            msg = f"Plex {info['version'] or ''} answered with {len(sections)} library sections"
        return {"ok": True, "status": "ok", "message": msg, **info}
    except PlayerAuthError as e:
        return {"ok": False, "status": "auth_failed", "message": f"{e}: check the credentials"}
    except PlayerUnreachable as e:
        return {"ok": False, "status": "down", "message": str(e)}
    except PlayerError as e:
        return {"ok": False, "status": "error", "message": str(e)}


# ------------------------------------------------------------------ per kind

def run_kodi(client: KodiClient, pc: PlayerCalls, confirm_timeout: float = 60.0) -> dict[str, Any]:
    known: dict[tuple[str, str], int] = {}
    lookups = kodi_lookups(pc.changes)
    for kind, root in lookups:
        for path, kid in client.list_paths(kind, as_dir(root)).items():
            known[(kind, norm(path))] = kid
    ops, scanned = plan_kodi(pc.changes, known)
    scans = [o for o in ops if o.method.endswith(".Scan")]
    refreshes = [o for o in ops if not o.method.endswith(".Scan")]
    for o in scans:
        client.call(o.method, o.params)
    if refreshes:
        client.batch([(o.method, o.params) for o in refreshes])
    out: dict[str, Any] = {"lookups": len(lookups), "scans": [o.params["directory"] for o in scans],
                           "refreshed": len(refreshes)}
    if scanned and confirm_timeout > 0:
        out.update(confirm_scanned(client, scanned, confirm_timeout))
    return out


def confirm_scanned(client: KodiClient, scanned: list, timeout: float) -> dict[str, Any]:
    """Over HTTP Kodi sends no OnScanFinished: poll until the scan ends, then look the items up.
    A scan may flag itself as running a moment after the call returned, so missing items are looked
    up again for CONFIRM_GRACE seconds before they count as not confirmed."""
    start = time.monotonic()
    while True:
        finished = client.wait_scan(max(0.0, timeout - (time.monotonic() - start)))
        found: set[tuple[str, str]] = set()
        for kind, root in kodi_lookups(scanned):
            found.update((kind, norm(p)) for p in client.list_paths(kind, as_dir(root)))
        missing = [c.file or c.folder for c in scanned if kodi_lookup_key(c) not in found]
        if not missing or not finished or time.monotonic() - start >= CONFIRM_GRACE:
            return {"confirmed": len(scanned) - len(missing), "unconfirmed": missing, "scan_finished": finished}
        time.sleep(0.5)


def run_jellyfin(client: JellyfinClient, pc: PlayerCalls) -> dict[str, Any]:
    updates = plan_jellyfin(pc.changes)
    how = client.media_updated(updates) if updates else "nothing"
    return {"method": how, "paths": [u["Path"] for u in updates]}


def run_plex(client: PlexClient, pc: PlayerCalls) -> dict[str, Any]:
    refreshes, unmatched = plan_plex(pc.changes, client.sections())
    if unmatched and not refreshes:
        raise PlayerConfigError(f"no Plex library section contains {unmatched[0]} (check the path mapping)")
    for key, path in refreshes:
        client.refresh(key, path)
    return {"refreshes": [{"section": k, "path": p} for k, p in refreshes], "unmatched": unmatched}


def run_one(c: PlayerConn, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
    client = client_for(c)
    if c.kind == "kodi":
        return run_kodi(client, pc, confirm_timeout)
    if c.kind == "jellyfin":
        return run_jellyfin(client, pc)
    return run_plex(client, pc)


def run_sync(call: SyncCall, conns: dict[int, PlayerConn], *, skip_when_playing: bool = True,
             confirm_timeout: float = 60.0, on_status: StatusFn | None = None) -> dict[str, Any]:
    """Do `call` on the first candidate that can. Raises PlayersBusy (defer) or PlayersFailed."""
    status = on_status or (lambda *a: None)
    errors: list[str] = []
    busy: list[str] = []
    skip = False
    permanent = True
    for pc in call.candidates:
        c = conns.get(pc.player_id)
        if c is None or not c.enabled:
            continue
        try:
            policy = playing_policy(c.options, skip_when_playing)
            if c.kind == "kodi" and policy != "sync" and client_for(c).is_playing():
                # another member of the group shares the database: it can take the sync instead
                busy.append(c.name)
                skip = skip or policy == "skip"
                status(c.id, c.name, "playing", "playing: sync " + ("skipped" if policy == "skip" else "deferred"))
                continue
            res = run_one(c, pc, confirm_timeout)
            status(c.id, c.name, "ok", "synced")
            return {"player_id": c.id, "player": c.name, "tried": len(errors) + len(busy) + 1, **res}
        except PlayerAuthError as e:
            errors.append(f"{c.name}: {e}")
            status(c.id, c.name, "auth_failed", str(e))
        except PlayerConfigError as e:
            errors.append(f"{c.name}: {e}")
            status(c.id, c.name, "error", str(e))
        except PlayerError as e:
            permanent = False
            errors.append(f"{c.name}: {e}")
            status(c.id, c.name, "down" if isinstance(e, PlayerUnreachable) else "error", str(e))
    if busy and not errors:
        if skip:
            return {"skipped": "playing", "players": busy}
        raise PlayersBusy(f"playing: {', '.join(busy)}")
    if busy:
        raise PlayersBusy(f"playing: {', '.join(busy)}; " + "; ".join(errors))
    if not errors:
        return {"skipped": "no enabled player"}
    raise PlayersFailed("; ".join(errors), permanent=permanent)
