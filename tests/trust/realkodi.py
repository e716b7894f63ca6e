"""A real, headless Kodi 20 for the tests (Debian's `kodi` under Xvfb).

Facts this relies on (reference/kodi-behaviour.md): Kodi starts its web server only when it sees a
non-loopback interface with an IPv4 address, so as root it runs in a private network namespace with
a veth pair of its own (which also keeps it from talking to anything else) and the test reaches its
JSON-RPC through a forwarder over a Unix socket, which crosses network namespaces. guisettings.xml
is seeded before start (Kodi 20 rejects the whole file without <resolutions/> and <viewstates/>).
Sources with the "Local information only" scraper are rows in the `path` table of MyVideos*.db,
which is what the GUI's "Set content" writes; there is no JSON-RPC method for it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

KODI_PORT = 8080   # inside Kodi's own network namespace

GUISETTINGS = """<settings version="2">
    <setting id="services.webserver">true</setting>
    <setting id="services.webserverport">{port}</setting>
    <setting id="services.webserverauthentication">false</setting>
    <setting id="services.webserverusername">kodi</setting>
    <setting id="services.webserverpassword"></setting>
    <setting id="services.zeroconf">false</setting>
    <setting id="services.upnp">false</setting>
    <setting id="services.upnpserver">false</setting>
    <setting id="services.upnprenderer">false</setting>
    <setting id="services.airplay">false</setting>
    <setting id="services.esenabled">false</setting>
    <setting id="general.addonupdates">2</setting>
    <setting id="general.addonnotifications">false</setting>
    <setting id="lookandfeel.enablerssfeeds">false</setting>
    <setting id="weather.addon"></setting>
    <setting id="myvideos.extractthumb">false</setting>
    <setting id="myvideos.extractflags">true</setting>
    <setting id="videolibrary.backgroundupdate">false</setting>
    <setting id="videolibrary.artworklevel">0</setting>
    <resolutions />
    <viewstates />
</settings>
"""

ADVANCED = """<advancedsettings version="1.0">
    <loglevel>1</loglevel>
</advancedsettings>
"""

# Inside the namespace: loopback up, a veth pair with a link-local address (Kodi's web server waits
# for one), the Unix-socket forwarder, then Kodi under Xvfb.
INSIDE = r"""
set -e
ip link set lo up
ip link add mk0 type veth peer name mk1
ip addr add 169.254.77.1/16 dev mk0
ip link set mk0 up
ip link set mk1 up
"{python}" "{me}" forward-inside "{sock}" {port} &
exec xvfb-run -a -s "-screen 0 1280x720x24 -nolisten tcp" "{kodi}" --standalone
"""


def kodi_binary() -> str | None:
    for cand in ("/usr/lib/x86_64-linux-gnu/kodi/kodi.bin", "/usr/lib/aarch64-linux-gnu/kodi/kodi.bin"):
        if os.path.exists(cand):
            return cand
    return shutil.which("kodi.bin")


def unavailable() -> str | None:
    """Why a real Kodi cannot run here (None when it can)."""
    if not kodi_binary():
        return "Debian's kodi package is not installed (apt-get install kodi xvfb)"
    if not shutil.which("xvfb-run"):
        return "xvfb-run is not installed (apt-get install xvfb)"
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return "a private network namespace for Kodi needs root, unshare and ip (iproute2)"
    return None


# ------------------------------------------------------------------ Unix <-> TCP forwarding

def _pump(a: socket.socket, b: socket.socket) -> None:
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _serve(listener: socket.socket, connect) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            other = connect()
        except OSError:
            conn.close()
            continue
        for x, y in ((conn, other), (other, conn)):
            threading.Thread(target=_pump, args=(x, y), daemon=True).start()


def forward_inside(sock_path: str, port: int) -> None:
    """Runs inside Kodi's namespace: Unix socket -> 127.0.0.1:port (Kodi's web server)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(32)
    _serve(listener, lambda: socket.create_connection(("127.0.0.1", port), timeout=30))


class Outside:
    """In the test process: 127.0.0.1:<free port> -> the Unix socket."""

    def __init__(self, sock_path: str) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]

        def connect() -> socket.socket:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            return s
        threading.Thread(target=_serve, args=(self.listener, connect), daemon=True).start()

    def close(self) -> None:
        self.listener.close()


# ------------------------------------------------------------------ its processes

def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is `pgid`, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            out.append(int(entry))
    return out


def end_group(pgid: int, grace: float = 10.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        end = time.monotonic() + grace
        while group_members(pgid) and time.monotonic() < end:
            time.sleep(0.1)
        if not group_members(pgid):
            return
    raise RuntimeError(f"kodi's processes {group_members(pgid)} outlived SIGKILL")


# ------------------------------------------------------------------ Kodi itself

class RealKodi:
    """One Kodi with a fresh HOME. `start()`, `add_source()`, `scan()`, `rpc()`, `stop()`."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.userdata = home / ".kodi" / "userdata"
        self.sock = str(home / "kodi-rpc.sock")
        self.proc: subprocess.Popen | None = None
        self.outside: Outside | None = None
        self.log_path = home / "kodi-console.log"
        self.sources: list[str] = []

    @property
    def url(self) -> str:
        assert self.outside is not None
        return f"http://127.0.0.1:{self.outside.port}/jsonrpc"

    @property
    def kodi_log(self) -> Path:
        return self.home / ".kodi" / "temp" / "kodi.log"

    def start(self, timeout: float = 60.0) -> None:
        self.userdata.mkdir(parents=True, exist_ok=True)
        (self.userdata / "guisettings.xml").write_text(GUISETTINGS.format(port=KODI_PORT))
        (self.userdata / "advancedsettings.xml").write_text(ADVANCED)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        script = INSIDE.format(python=sys.executable, me=__file__, sock=self.sock, port=KODI_PORT,
                               kodi=kodi_binary())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("METARR_", "DISPLAY"))}
        env.update(HOME=str(self.home), KODI_AE_SINK="NULL", LIBGL_ALWAYS_SOFTWARE="1")
        self._out = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["unshare", "--net", "--fork", "sh", "-c", script], env=env,
                                     stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + timeout
        while not os.path.exists(self.sock):
            self._check_alive(end, timeout)
            time.sleep(0.1)
        self.outside = Outside(self.sock)
        while True:
            try:
                if self.rpc("JSONRPC.Ping", timeout=3) == "pong":
                    return
            except (OSError, ValueError):
                pass
            self._check_alive(end, timeout)
            time.sleep(0.3)

    def _check_alive(self, end: float, timeout: float) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"kodi exited with {self.proc.returncode}: {self.log_tail()}")
        if time.monotonic() > end:
            raise RuntimeError(f"kodi not ready within {timeout}s: {self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        out = ""
        for p in (self.log_path, self.kodi_log):
            if p.exists():
                out += f"\n--- {p.name}\n" + p.read_text(errors="replace")[-n:]
        return out

    def processes(self) -> list[int]:
        """Every live process of this Kodi: its process group (unshare, sh, the forwarder, xvfb-run,
        Xvfb, kodi), which outlives `unshare` when members are left."""
        return group_members(self.proc.pid) if self.proc is not None else []

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.rpc("Application.Quit", timeout=5)
                self.proc.wait(timeout=20)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, 9)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=20)
        if self.proc is not None:
            # Kodi quitting ends unshare, not the forwarder sh started beside it (nor an Xvfb that
            # lingers): end whatever is left of the group, politely first
            end_group(self.proc.pid)
        if self.outside is not None:
            self.outside.close()
            self.outside = None
        if getattr(self, "_out", None):
            self._out.close()

    # -------------------------------------------------------------- JSON-RPC
    def rpc(self, method: str, params: dict | None = None, timeout: float = 30.0):
        msg = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params:
            msg["params"] = params
        req = urllib.request.Request(self.url, data=json.dumps(msg).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            answer = json.loads(r.read())
        if answer.get("error"):
            raise ValueError(f"{method}: {answer['error']}")
        return answer.get("result")

    def scanning(self) -> bool:
        res = self.rpc("XBMC.GetInfoBooleans", {"booleans": ["Library.IsScanningVideo"]}) or {}
        return bool(res.get("Library.IsScanningVideo"))

    def scan(self, directory: str | None = None, timeout: float = 120.0) -> None:
        """A video library scan (of one folder or of every source), waited for."""
        self.rpc("VideoLibrary.Scan", {"directory": directory} if directory else None)
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 120.0) -> None:
        # a scan may flag itself as running a moment after the call returned
        time.sleep(1.0)
        end = time.monotonic() + timeout
        while self.scanning():
            if time.monotonic() > end:
                raise RuntimeError("kodi scan did not finish")
            time.sleep(0.3)

    # -------------------------------------------------------------- sources
    def video_db(self) -> Path:
        dbs = sorted((self.userdata / "Database").glob("MyVideos*.db"))
        if not dbs:
            raise RuntimeError("kodi has no video database yet")
        return dbs[-1]

    def add_source(self, folder: str | Path, content: str, use_folder_names: bool = True) -> None:
        """What the GUI's "Set content" writes: the folder with the local-only scraper."""
        path = str(folder).rstrip("/") + "/"
        settings = '<settings version="2"></settings>'
        with sqlite3.connect(self.video_db(), timeout=30) as db:
            db.execute("DELETE FROM path WHERE strPath = ?", (path,))
            db.execute("INSERT INTO path (strPath, strContent, strScraper, scanRecursive, useFolderNames,"
                       " strSettings, noUpdate, exclude, allAudio) VALUES (?, ?, 'metadata.local', ?, ?, ?, 0, 0, 0)",
                       (path, content, 2147483647 if content == "movies" else 0,
                        1 if use_folder_names and content == "movies" else 0, settings))
        self.sources.append(path)
        entries = "".join(f"<source><name>{Path(p).name}</name><path pathversion=\"1\">{p}</path>"
                          "<allowsharing>true</allowsharing></source>" for p in self.sources)
        (self.userdata / "sources.xml").write_text(
            f"<sources><video><default pathversion=\"1\"></default>{entries}</video></sources>")

    # -------------------------------------------------------------- what Kodi holds
    def movies(self) -> list[dict]:
        res = self.rpc("VideoLibrary.GetMovies", {"properties": [
            "title", "year", "uniqueid", "plot", "art", "file", "imdbnumber", "mpaa", "tagline",
            "originaltitle"]}) or {}
        return res.get("movies") or []

    def shows(self) -> list[dict]:
        res = self.rpc("VideoLibrary.GetTVShows", {"properties": [
            "title", "year", "uniqueid", "plot", "art", "file", "episode"]}) or {}
        return res.get("tvshows") or []

    def textures_of(self, image: str | Path) -> list[dict]:
        """Kodi's cached copies of a local image file (what it shows for it)."""
        # Kodi's own wrapping (CURL::Encode): these characters stay, every other escape in lower-case hex
        quoted = urllib.parse.quote(str(image), safe="-_.!~*'()")
        url = "image://" + re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted) + "/"
        res = self.rpc("Textures.GetTextures", {"properties": ["url", "imagehash"],
                                                "filter": {"field": "url", "operator": "is", "value": url}}) or {}
        return res.get("textures") or []

    def episodes(self, tvshowid: int) -> list[dict]:
        res = self.rpc("VideoLibrary.GetEpisodes", {"tvshowid": tvshowid, "properties": [
            "title", "season", "episode", "file", "uniqueid"]}) or {}
        return res.get("episodes") or []


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "forward-inside":
    forward_inside(sys.argv[2], int(sys.argv[3]))
