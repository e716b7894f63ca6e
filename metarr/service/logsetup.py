"""Logging: JSON lines to rotating files in the data dir, readable lines on the console."""
from __future__ import annotations

import json
import logging
import logging.handlers
import time
from pathlib import Path

from metarr.service import redact
from metarr.service.logfile import WholeLineFileHandler


class JsonFormatter(logging.Formatter):
    """One JSON object a line; every field (message, arguments, exception text) with every secret
    the process holds masked (metarr.service.redact), also those learnt after start."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "thread": record.threadName,
            "msg": record.getMessage(),
        }
        for key in ("job_id", "job_type", "library_id", "provider"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        # each field before it is escaped into JSON, so that a secret is found however it is spelt
        return json.dumps({k: redact.scrub(v) if isinstance(v, str) else v for k, v in out.items()},
                          ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact.scrub(super().format(record))


def setup_logging(log_dir: Path, level: str = "INFO", secrets: list[str] | None = None,
                  console: bool = True) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    root.setLevel(level)
    redact.remember(*(secrets or []))
    app = WholeLineFileHandler(log_dir / "app.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8")
    app.setFormatter(JsonFormatter())
    err = WholeLineFileHandler(log_dir / "error.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    err.setLevel(logging.ERROR)
    err.setFormatter(JsonFormatter())
    handlers: list[logging.Handler] = [app, err]
    if console:
        con = logging.StreamHandler()
        con.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
        handlers.append(con)
    for h in handlers:
        root.addHandler(h)
    # aiohttp's access log is noisy and costs throughput; keep warnings only
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("pykka").setLevel(logging.WARNING)
