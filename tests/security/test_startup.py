"""Start-up refuses what cannot work with one clear line and a non-zero code: a port in use, and a
second process on the same SQLite data directory."""
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PG_URL, free_port

ROOT = Path(__file__).resolve().parents[2]
CMD = [sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main(sys.argv[1:]))"]


def _env(env, data, port):
    return {**env, "METARR_DATA_DIR": str(data), "METARR_PORT": str(port), "METARR_HOST": "127.0.0.1",
            "PYTHONPATH": str(ROOT), "METARR_DATABASE_URL": env["METARR_DATABASE_URL"] if PG_URL
            else f"sqlite:///{data}/metarr.sqlite"}


def test_a_port_in_use_and_a_second_serve_on_the_data_dir_get_one_clear_line(env, tmp_path):
    port = free_port()
    first = subprocess.Popen([*CMD, "serve"], env=_env(env, tmp_path / "a", port), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        busy = subprocess.run([*CMD, "serve"], env=_env(env, tmp_path / "b", port), capture_output=True, text=True,
                              timeout=30)
        assert busy.returncode != 0
        assert busy.stderr.strip().splitlines() == [
            f"metarr: cannot listen on 127.0.0.1:{port}: address already in use "
            "(another service on that port? set METARR_PORT)"]
        if PG_URL:
            return   # several processes share a PostgreSQL database by design
        second = subprocess.run([*CMD, "serve"], env=_env(env, tmp_path / "a", free_port()), capture_output=True,
                                text=True, timeout=30)
        assert second.returncode != 0 and "Traceback" not in second.stderr
        assert f"another Metarr process (pid {first.pid}) is using {tmp_path / 'a'}" in second.stderr
    finally:
        first.terminate()
        first.wait(20)


@pytest.mark.skipif(bool(PG_URL), reason="the data-dir lock is for SQLite")
def test_the_lock_goes_with_a_killed_process(env, tmp_path):
    port = free_port()
    p = subprocess.Popen([*CMD, "serve"], env=_env(env, tmp_path / "a", port), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    p.kill()
    p.wait(10)
    again = subprocess.Popen([*CMD, "serve"], env=_env(env, tmp_path / "a", port), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert again.poll() is None, again.stderr.read()
    finally:
        again.terminate()
        again.wait(20)
