"""Logs: JSON lines in the data dir (app + error), readable console, and never a secret."""
import json
import logging

from metarr.service.logsetup import setup_logging


def test_json_logs_without_secrets(tmp_path):
    setup_logging(tmp_path / "logs", "INFO", secrets=["sekret-api-key-123"], console=False)
    log = logging.getLogger("metarr.test")
    log.info("calling https://api.example/3/movie?api_key=%s", "sekret-api-key-123")
    log.error("boom with sekret-api-key-123 inside")
    for h in logging.getLogger().handlers:
        h.flush()
    app = [json.loads(x) for x in (tmp_path / "logs" / "app.log").read_text().splitlines()]
    err = [json.loads(x) for x in (tmp_path / "logs" / "error.log").read_text().splitlines()]
    assert any("api_key=***" in r["msg"] for r in app)
    assert [r["level"] for r in err] == ["error"]
    text = (tmp_path / "logs" / "app.log").read_text() + (tmp_path / "logs" / "error.log").read_text()
    assert "sekret-api-key-123" not in text
    for h in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(h)
        h.close()
