"""Running a real `metarr serve` from a benchmark or soak script: start it with its output in a
file, and wait until /api/v1/health answers."""
from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on right now (for a service a test or benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict[str, str], log: Path) -> subprocess.Popen:
    exe = shutil.which("metarr")
    cmd = [exe, "serve"] if exe else [sys.executable, "-m", "web.cli", "serve"]
    # the child's output goes to a file: a pipe nobody reads would block the service once full
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen, port: int, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"metarr serve exited ({proc.returncode}):\n{tail(log)}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"metarr serve did not answer /api/v1/health within {timeout:g} s:\n{tail(log)}")


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""
