"""Kodi JSON-RPC 2.0 over HTTP (`POST /jsonrpc`, optional Basic auth). Over plain HTTP Kodi sends
no notifications, so scan completion is polled with XBMC.GetInfoBooleans."""
from __future__ import annotations

import base64
import itertools
import time
from typing import Any

from . import http
from .http import PlayerProtocolError
from .model import PlayerCalls, PlayerConn
from .plan import as_dir, kodi_lookup_key, kodi_lookups, norm, plan_kodi

BATCH = 50  # JSON-RPC batch size: 100 refreshes become 2 HTTP requests
CONFIRM_GRACE = 3.0   # seconds to keep looking for scanned items after Kodi says the scan ended


class KodiRpcError(PlayerProtocolError):
    """An `error` object in a JSON-RPC answer (e.g. -32602 invalid params, -32099 bad permission)."""

    def __init__(self, code: int, message: str, method: str = "") -> None:
        super().__init__(f"{method}: {message} ({code})" if method else f"{message} ({code})")
        self.code = code


class KodiClient:
    def __init__(self, url: str, username: str | None = None, password: str | None = None,
                 timeout: float = http.TIMEOUT, allow=None) -> None:
        self.allow = allow
        base = url.rstrip("/")
        self.url = base if base.endswith("/jsonrpc") else base + "/jsonrpc"
        self.headers: dict[str, str] = {}
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.timeout = timeout
        self._ids = itertools.count(1)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        msg = {"jsonrpc": "2.0", "method": method, "id": next(self._ids)}
        if params:
            msg["params"] = params
        answer = http.request("POST", self.url, allow=self.allow, headers=self.headers, body=msg,
                              timeout=self.timeout).json()
        return _result(answer, method)

    def batch(self, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """Several calls per HTTP request (JSON-RPC batch). An error in one raises after all ran."""
        results: list[Any] = []
        for i in range(0, len(calls), BATCH):
            chunk = calls[i:i + BATCH]
            msgs = [{"jsonrpc": "2.0", "method": m, "params": p, "id": next(self._ids)} for m, p in chunk]
            answer = http.request("POST", self.url, allow=self.allow, headers=self.headers, body=msgs,
                                  timeout=self.timeout).json()
            if not isinstance(answer, list):
                answer = [answer]
            by_id = {a.get("id"): a for a in answer if isinstance(a, dict)}
            for msg in msgs:
                results.append(_result(by_id.get(msg["id"]), msg["method"]))
        return results

    # -------------------------------------------------------------- the methods Metarr uses
    def ping(self) -> bool:
        return self.call("JSONRPC.Ping") == "pong"

    def version(self) -> str:
        v = (self.call("JSONRPC.Version") or {}).get("version") or {}
        return f"{v.get('major', '?')}.{v.get('minor', '?')}.{v.get('patch', '?')}"

    def is_playing(self) -> bool:
        return bool(self.call("Player.GetActivePlayers"))

    def is_scanning(self, audio: bool = False) -> bool:
        flag = "Library.IsScanningMusic" if audio else "Library.IsScanningVideo"
        res = self.call("XBMC.GetInfoBooleans", {"booleans": [flag]}) or {}
        return bool(res.get(flag))

    def wait_scan(self, timeout: float, audio: bool = False, interval: float = 1.0) -> bool:
        """Poll until the library scan finished; False on timeout."""
        end = time.monotonic() + timeout
        while self.is_scanning(audio):
            if time.monotonic() > end:
                return False
            time.sleep(interval)
        return True

    def list_paths(self, kind: str, root: str) -> dict[str, int]:
        """Kodi ids by file (movie, episode) or folder (tvshow) under `root`, one call."""
        method, key, idf = {"movie": ("VideoLibrary.GetMovies", "movies", "movieid"),
                            "tvshow": ("VideoLibrary.GetTVShows", "tvshows", "tvshowid"),
                            "episode": ("VideoLibrary.GetEpisodes", "episodes", "episodeid")}[kind]
        res = self.call(method, {"properties": ["file"],
                                 "filter": {"field": "path", "operator": "startswith", "value": root}}) or {}
        return {item["file"]: item[idf] for item in res.get(key) or () if item.get("file")}


def _result(answer: Any, method: str) -> Any:
    if not isinstance(answer, dict):
        raise PlayerProtocolError(f"{method}: no answer")
    if answer.get("error"):
        err = answer["error"]
        raise KodiRpcError(int(err.get("code", 0)), str(err.get("message", "error")), method)
    return answer.get("result")


# ------------------------------------------------------------------ the player seam (kinds.py)

class KodiKind:
    name, label, credentials = "kodi", "Kodi", ("username", "password")

    def connect(self, c: PlayerConn) -> KodiClient:
        return KodiClient(c.url, c.username, c.password, timeout=c.timeout, allow=c.allow)

    def test(self, client: KodiClient) -> tuple[dict[str, Any], str]:
        client.ping()
        info = {"version": client.version(), "playing": client.is_playing()}
        return info, f"Kodi answered (JSON-RPC {info['version']})" + (", playing now" if info["playing"] else "")

    def is_playing(self, client: KodiClient) -> bool:
        return client.is_playing()

    def sync(self, client: KodiClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
        return sync(client, pc, confirm_timeout)


KIND = KodiKind()


def sync(client: KodiClient, pc: PlayerCalls, confirm_timeout: float = 60.0) -> dict[str, Any]:
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
