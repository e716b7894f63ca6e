"""app.log on a disk that fills up (issue #28, item 2): the report found it ending in a cut-off
line. Each record is written whole or not at all; the count of records dropped while the disk
was full is the first line once there is space again."""
from __future__ import annotations

import json
import logging

from metarr.service.logsetup import setup_logging

from .tools import Tmpfs


def test_app_log_never_ends_in_a_cut_off_line():
    disk = Tmpfs("logs", "1m").mount()
    try:
        setup_logging(disk.mnt, "INFO", console=False)
        log = logging.getLogger("metarr.test.fulldisk")
        log.info("before the disk fills")     # the file has a page, partly used
        disk.fill()
        for i in range(60):
            log.warning("record %d while the disk is full: %s", i, "x" * 150)
        full = (disk.mnt / "app.log").read_bytes()
        assert full.endswith(b"\n"), full[-120:]
        disk.free()
        log.warning("after the disk was freed")
        lines = (disk.mnt / "app.log").read_text().splitlines()
        records = [json.loads(line) for line in lines]    # every line whole
        msgs = [r["msg"] for r in records]
        assert msgs[0] == "before the disk fills" and msgs[-1] == "after the disk was freed"
        dropped = [m for m in msgs if "dropped" in m]
        kept = [m for m in msgs if m.startswith("record ")]
        assert len(dropped) == 1 and int(dropped[0].split()[0]) == 60 - len(kept), msgs
    finally:
        for h in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(h)
            h.close()
        disk.unmount()
