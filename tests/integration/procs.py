"""Subprocess helpers for the integration tests: start `metarr worker` with a given environment,
wait until it is ready, kill it hard, stop it politely, and always clean up."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = " started"  # the worker logs "worker <id> started" once the actor system answered its barrier


def child_env(env: dict[str, str]) -> dict[str, str]:
    """The parent's environment without any METARR_* setting, plus the test's."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("METARR_")}
    base.update(env)
    base["PYTHONUNBUFFERED"] = "1"
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    return base


class Worker:
    """One `metarr worker` (or `metarr serve`) process; its console output goes to `log`."""

    def __init__(self, env: dict[str, str], log: Path, command: str = "worker", wrap: list[str] = ()) -> None:
        """`wrap`: a command line the process runs under (see `other_box`)."""
        self.log = log
        self.command = command
        self.port = env.get("METARR_PORT", "3000")
        self._out = open(log, "ab")
        self.wrapped = bool(wrap)
        self.proc = subprocess.Popen(
            [*wrap, sys.executable, "-c", f"import sys; from web.cli import main; sys.exit(main([{command!r}]))"],
            cwd=ROOT, env=child_env(env), stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def is_ready(self) -> bool:
        if self.command == "serve":   # the web app answers once its actor system has started
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        return any("worker " in line and line.rstrip().endswith(READY) for line in self.output().splitlines())

    def wait_ready(self, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not self.is_ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.output()[-4000:]}")
            if time.monotonic() > end:
                raise AssertionError(f"worker not ready within {timeout}s:\n{self.output()[-4000:]}")
            time.sleep(0.05)

    def kill9(self) -> None:
        """SIGKILL to the whole process group (its ffprobe children too, as an OOM kill of the
        container would): no handler, no flush, no clean-up runs."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        self._out.close()

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit in time. Safe to call twice."""
        if self.proc.poll() is None:
            try:
                if self.wrapped:   # unshare does not pass signals on: to the service itself
                    for pid in _group_members(self.proc.pid):
                        if pid != self.proc.pid:
                            os.kill(pid, signal.SIGTERM)
                else:
                    self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        if not self._out.closed:
            self._out.close()
        return self.proc.returncode


def _group_members(pgid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.getpgid(int(d.name)) == pgid:
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def other_box(hostname: str) -> list[str] | None:
    """A wrapper that runs a process as if on another machine: its own hostname and pid namespace
    (as a container has), so the others cannot see whether it is alive and must wait for its
    leases to expire. None where namespaces cannot be made (not root, no unshare)."""
    wrap = ["unshare", "--uts", "--pid", "--fork", "--mount-proc", "sh", "-c", f'hostname {hostname} && exec "$@"',
            "sh"]
    try:
        ok = subprocess.run([*wrap, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return wrap if ok else None


def stop_all(workers: list[Worker]) -> None:
    """For `finally`: no test leaves a process behind, whatever failed."""
    for w in workers:
        try:
            if w.proc.poll() is None:
                w.proc.kill()
            w.proc.wait(timeout=30)
        except Exception:
            pass
        finally:
            if not w._out.closed:
                w._out.close()


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition", workers=()):
    """Poll with a deadline; a worker that died on its own fails the wait at once."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for w in workers:
            if w.proc.poll() is not None:
                raise AssertionError(f"worker {w.pid} exited with {w.proc.returncode}:\n{w.output()[-4000:]}")
        if time.monotonic() > end:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)
