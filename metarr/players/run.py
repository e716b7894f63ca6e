"""Execute one planned SyncCall: try the candidates of a group in order, do the work on the first
that answers (and is not busy playing), report each player's status. Blocking; worker threads only."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from metarr.players.http import PlayerAuthError, PlayerConfigError, PlayerError, PlayerUnreachable
from metarr.players.kinds import kind_of
from metarr.players.model import PlayerConn, SyncCall

log = logging.getLogger(__name__)


StatusFn = Callable[[int, str, str, str], None]   # (player id, name, status, message)


class PlayersBusy(Exception):
    """Every reachable candidate is playing and the policy is to defer."""


class PlayersFailed(Exception):
    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def playing_policy(options: dict[str, Any], skip_when_playing: bool) -> str:
    """'sync' (ignore playback), 'defer' (retry later) or 'skip' (drop this sync)."""
    if not options.get("skip_when_playing", skip_when_playing):
        return "sync"
    return "skip" if options.get("when_playing") == "skip" else "defer"


def check_connection(c: PlayerConn) -> dict[str, Any]:
    """A clear yes/no with a message for the UI."""
    try:
        kind = kind_of(c.kind)
        info, msg = kind.test(kind.connect(c))
        return {"ok": True, "status": "ok", "message": msg, **info}
    except PlayerAuthError as e:
        return {"ok": False, "status": "auth_failed", "message": f"{e}: check the credentials"}
    except PlayerUnreachable as e:
        return {"ok": False, "status": "down", "message": str(e)}
    except PlayerError as e:
        return {"ok": False, "status": "error", "message": str(e)}


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
            kind = kind_of(c.kind)
            client = kind.connect(c)
            if policy != "sync" and kind.is_playing(client):
                # another member of the group shares the database: it can take the sync instead
                busy.append(c.name)
                skip = skip or policy == "skip"
                status(c.id, c.name, "playing", "playing: sync " + ("skipped" if policy == "skip" else "deferred"))
                continue
            res = kind.sync(client, pc, confirm_timeout)
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
