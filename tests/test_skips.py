"""A CI run (METARR_TEST_STRICT_SKIPS=1) lists every skipped test by name and fails when one is not
on the allow-list of tests/skips.py: without Kodi or Chromium it cannot go green."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = '''
import pytest

def test_runs():
    pass

def test_needs_a_real_kodi():
    pytest.skip("no real Kodi: Debian's kodi package is not installed")
'''


def _pytest(args: list[str], cwd: Path, strict: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("METARR_TEST_STRICT_SKIPS", "METARR_TEST_DATABASE_URL")}
    env.update(PYTHONPATH=str(ROOT), **({"METARR_TEST_STRICT_SKIPS": "1"} if strict else {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_skip_off_the_allow_list_fails_a_strict_run(tmp_path):
    (tmp_path / "test_x.py").write_text(SKIPPING)
    loose = _pytest(["-p", "tests.skips", "test_x.py"], tmp_path, strict=False)
    assert loose.returncode == 0, loose.stdout
    line = "NOT ALLOWED  test_x.py::test_needs_a_real_kodi: no real Kodi: Debian's kodi package is not installed"
    assert line in loose.stdout
    strict = _pytest(["-p", "tests.skips", "test_x.py"], tmp_path, strict=True)
    assert strict.returncode == 1 and line in strict.stdout
    assert "1 passed, 1 skipped" in strict.stdout and "1 skip(s) not on the allow-list" in strict.stdout


def test_the_postgresql_only_tests_may_skip_on_sqlite():
    run = _pytest(["tests/jobs/test_job_connections.py"], ROOT, strict=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "allowed  tests/jobs/test_job_connections.py::" in run.stdout and "NOT ALLOWED" not in run.stdout
