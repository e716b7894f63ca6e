"""Permission-denied paths are tested where permissions hold, also when the suite runs as root (CI).

A test marked `@pytest.mark.unprivileged` runs in this process when it cannot override file
permissions; in a privileged process (root's CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH) it is run
again, alone, in a child pytest started through `setpriv` without any capability, and passes or
fails with it. The child keeps uid 0 because this machine kind's interpreter and packages live
under /root (mode 0700), which another user cannot read; without those capabilities uid 0 is held
to the permission bits like any user: a folder of mode 000 is unreadable, one of mode 555
unwritable. Nothing here skips: without `setpriv` the test fails and says so."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
CHILD = "METARR_TEST_UNPRIVILEGED"   # set in the child: it runs the test itself, or fails
DROP_ALL = ["--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs"]


def effective_caps() -> int | None:
    try:
        m = re.search(r"^CapEff:\s*([0-9a-f]+)$", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1), 16) if m else None


def privileged() -> bool:
    """Whether file permission bits fail to stop this process."""
    caps = effective_caps()
    if caps is None:   # no /proc: judge by the user
        return os.geteuid() == 0
    return bool(caps & ((1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH)))


def rerun(item: pytest.Item, basetemp: Path) -> None:
    """Run `item` alone in a child pytest without capabilities; fail unless it passed there."""
    if os.environ.get(CHILD):
        pytest.fail("the unprivileged child still overrides file permissions: setpriv dropped nothing", pytrace=False)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("this test must run unprivileged and this root process has no setpriv (util-linux) to "
                    "drop its capabilities with")
    cmd = [setpriv, *DROP_ALL, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA",
           "--basetemp", str(basetemp), item.nodeid]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", CHILD: "1"}
    out = subprocess.run(cmd, cwd=item.config.rootpath, env=env, capture_output=True, text=True, timeout=600)
    tail = (out.stdout + out.stderr)[-6000:]
    summary = (out.stdout.strip().splitlines() or [""])[-1]
    if out.returncode != 0 or not re.search(r"\b1 passed\b", summary) or "skipped" in summary:
        pytest.fail(f"unprivileged run (setpriv, no capabilities) did not pass, exit {out.returncode}:\n{tail}",
                    pytrace=False)
