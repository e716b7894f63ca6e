"""Kodi JSON-RPC 2.0 over HTTP (`POST /jsonrpc`, optional Basic auth). Over plain HTTP Kodi sends
no notifications, so scan completion is polled with XBMC.GetInfoBooleans."""
from __future__ import annotations

import base64
import itertools
import time
from dataclasses import replace
from typing import Any

from metarr.library.fsutil import touch_later
from metarr.players import http
from metarr.players.http import PlayerProtocolError
from metarr.players.kodi_check import (
    Found,
    KodiItem,
    check_items,
    lookups_for,
    plan_recovery,
    stale_textures,
    textures_to_check,
    unwrap_image,
)
from metarr.players.kodi_sets import sync_sets
from metarr.players.model import PlayerCalls, PlayerConn
from metarr.players.plan import as_dir, kodi_file, kodi_lookup_key, merge_changes, plan_kodi

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

    def list_items(self, kind: str, root: str) -> dict[str, list[KodiItem]]:
        """Kodi's items under `root` by normalised file (movie, episode) or folder (tvshow), one call.
        Several episodes can share one file."""
        method, key, idf = {"movie": ("VideoLibrary.GetMovies", "movies", "movieid"),
                            "tvshow": ("VideoLibrary.GetTVShows", "tvshows", "tvshowid"),
                            "episode": ("VideoLibrary.GetEpisodes", "episodes", "episodeid")}[kind]
        res = self.call(method, {"properties": ["file", "uniqueid", "title", "art"],
                                 "filter": {"field": "path", "operator": "startswith", "value": root}}) or {}
        out: dict[str, list[KodiItem]] = {}
        for item in res.get(key) or ():
            if item.get("file") and isinstance(item.get(idf), int):
                ids = item.get("uniqueid") if isinstance(item.get("uniqueid"), dict) else {}
                art = item.get("art") if isinstance(item.get("art"), dict) else {}
                out.setdefault(kodi_file(item["file"]), []).append(
                    KodiItem(item[idf], {str(k): str(v) for k, v in ids.items()}, str(item.get("title") or ""),
                             {str(k): unwrap_image(str(v)) for k, v in art.items()},
                             {str(k): str(v) for k, v in art.items()}))
        return out

    def textures(self, urls: list[str]) -> list[dict]:
        """Kodi's cached copies of these images (one call each, in one batch)."""
        answers = self.batch([("Textures.GetTextures", {"properties": ["url", "imagehash"],
                                                        "filter": {"field": "url", "operator": "is", "value": u}})
                              for u in urls])
        return [t for a in answers if isinstance(a, dict) for t in a.get("textures") or ()]

    def lookup(self, lookups: list[tuple[str, str]]) -> Found:
        found: Found = {}
        for kind, root in lookups:
            for path, items in self.list_items(kind, as_dir(root)).items():
                found.setdefault((kind, path), []).extend(items)
        return found


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
    # the movies first (they bring the sets), then the sets' art (kodi_sets)
    sets = [c for c in pc.changes if c.entity_type == "collection"]
    if sets:
        pc = replace(pc, changes=tuple(c for c in pc.changes if c.entity_type != "collection"))
    out = _sync_items(client, pc, confirm_timeout) if pc.changes or not sets else {}
    if sets:
        done = sync_sets(client, sets, confirm_timeout)
        out.update(done)
        if done.get("sets_missing"):
            raise KodiIncomplete([{"path": name, "kind": "set", "problem": "missing",
                                   "detail": "no movie set of this title in Kodi after its movies were synced"}
                                  for name in done["sets_missing"]], len(sets))
    out.setdefault("not_taken", [])   # one result shape, whether the call held items, sets or both
    return out


def _sync_items(client: KodiClient, pc: PlayerCalls, confirm_timeout: float) -> dict[str, Any]:
    found = client.lookup(lookups_for(pc.changes))
    ops, scanned = plan_kodi(pc.changes, {k: v[0].kid for k, v in found.items()})
    _run(client, ops)
    out: dict[str, Any] = {"lookups": len(lookups_for(pc.changes)),
                           "scans": [o.params["directory"] for o in ops if o.method.endswith(".Scan")],
                           "refreshed": sum(1 for o in ops if not o.method.endswith(".Scan"))}
    if confirm_timeout > 0:
        summary, found = confirm(client, pc.changes, confirm_timeout, scanned=bool(scanned))
        out.update(summary)
        out["textures_renewed"] = renew_textures(client, pc.changes, found)
        if out["not_taken"]:
            raise KodiIncomplete(out["not_taken"], len(out["not_taken"]) + out["confirmed"])
    return out


def renew_textures(client: KodiClient, changes, found: Found) -> int:
    """Remove Kodi's cached copies of published images that are not of the file as published (an
    image replaced under the same name): Kodi caches the file again, so it shows the new picture now
    rather than a day later. `found`: the items as confirm() last saw them. Returns how many were removed."""
    if not any(c.art_hash for c in changes):
        return 0
    expected = textures_to_check(changes, found)
    if not expected:
        return 0
    try:
        stale = stale_textures(expected, client.textures(sorted(expected)))
    except KodiRpcError as e:
        if e.code != -32601:   # a Kodi without the Textures methods keeps its copies; anything else is an error
            raise
        return 0
    if stale:
        client.batch([("Textures.RemoveTexture", {"textureid": t}) for t in stale])
    return len(stale)


def _run(client: KodiClient, ops) -> None:
    scans = [o for o in ops if o.method.endswith(".Scan")]
    refreshes = [o for o in ops if not o.method.endswith(".Scan")]
    for o in scans:
        client.call(o.method, o.params)
    if refreshes:
        client.batch([(o.method, o.params) for o in refreshes])


class KodiIncomplete(PlayerProtocolError):
    """Kodi answered, but did not take every item: the sync has not done what the user wanted."""

    def __init__(self, not_taken: list[dict[str, str]], total: int) -> None:
        shown = "; ".join(f"{p['path']} ({p['detail']})" for p in not_taken[:5])
        more = f"; and {len(not_taken) - 5} more" if len(not_taken) > 5 else ""
        super().__init__(f"Kodi did not take {len(not_taken)} of {total} item(s): {shown}{more}")
        self.not_taken = not_taken


def _settle(client: KodiClient, changes, deadline: float, scanned: bool) -> tuple[Found, list, bool]:
    """Wait for Kodi's scan to end, then check every item; items still missing are looked up again
    for CONFIRM_GRACE seconds (a scan may flag itself as running a moment after the call returned,
    and a Refresh runs as a job of its own)."""
    finished = client.wait_scan(max(0.0, deadline - time.monotonic())) if scanned else True
    grace_end = time.monotonic() + CONFIRM_GRACE
    while True:
        found = client.lookup(lookups_for(changes))
        problems = check_items(changes, found)
        if not problems or not finished or time.monotonic() >= min(grace_end, deadline):
            return found, problems, finished
        time.sleep(0.5)
        if scanned and client.is_scanning():
            finished = client.wait_scan(max(0.0, deadline - time.monotonic()))


def confirm(client: KodiClient, changes, timeout: float, scanned: bool = True) -> tuple[dict[str, Any], Found]:
    """Check over JSON-RPC that every item is in Kodi with Metarr's ids. What is not gets one
    recovery (kodi_check.plan_recovery: a later folder time and a Scan, or a Refresh) and a second
    check; what still is not is reported per item. Returns that summary and the items as last seen."""
    deadline = time.monotonic() + timeout
    found, problems, finished = _settle(client, changes, deadline, scanned)
    recovered = 0
    if problems and finished:
        rec = plan_recovery(problems, found)
        touch_later(rec.touch)
        _run(client, list(rec.ops))
        recovered = len(problems)
        found, problems, finished = _settle(client, changes, deadline, True)
        recovered -= len(problems)
    checked = sum(1 for c in merge_changes(changes) if kodi_lookup_key(c))
    return ({"confirmed": checked - len(problems), "recovered": recovered, "scan_finished": finished,
             "unconfirmed": [p.path for p in problems], "not_taken": [p.to_json() for p in problems]}, found)
