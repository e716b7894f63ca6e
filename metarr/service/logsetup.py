"""Logging: JSON lines to rotating files in the data dir, readable lines on the console."""
from __future__ import annotations

import json
import logging
import logging.handlers
import time
from pathlib import Path

from metarr.service.logfile import WholeLineFileHandler


class RedactFilter(logging.Filter):
    """Replaces known secret values in every record, wherever they appear."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            msg = record.getMessage()
            for s in self.secrets:
                msg = msg.replace(s, "***")
            record.msg, record.args = msg, None
        return True


class JsonFormatter(logging.Formatter):
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
        return json.dumps(out, ensure_ascii=False)


def setup_logging(log_dir: Path, level: str = "INFO", secrets: list[str] | None = None,
                  console: bool = True) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    root.setLevel(level)
    redact = RedactFilter(secrets or [])
    app = WholeLineFileHandler(log_dir / "app.log", maxBytes=10_000_000, backupCount=5, encoding="utf-8")
    app.setFormatter(JsonFormatter())
    err = WholeLineFileHandler(log_dir / "error.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    err.setLevel(logging.ERROR)
    err.setFormatter(JsonFormatter())
    handlers: list[logging.Handler] = [app, err]
    if console:
        con = logging.StreamHandler()
        con.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
        handlers.append(con)
    for h in handlers:
        h.addFilter(redact)
        root.addHandler(h)
    # aiohttp's access log is noisy and costs throughput; keep warnings only
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("pykka").setLevel(logging.WARNING)


def redact_also(value: str) -> None:
    """A secret learnt after start (a provider key entered in the UI): redacted from now on."""
    if not value:
        return
    for h in logging.getLogger().handlers:
        for f in h.filters:
            if isinstance(f, RedactFilter) and value not in f.secrets:
                f.secrets.append(value)
