"""Logging to a bounded file, with every known secret masked before a line is written."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable, Iterable
from pathlib import Path

MASK = "***"


class RedactSecrets(logging.Filter):
    """Replace every current secret (tokens, client secrets) in a record's final text."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the formatted message and any exception text; always keep the record."""
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, MASK)
        record.msg, record.args = text, None
        return True


def setup_logging(log_file: Path, *, debug: bool, secrets: Callable[[], Iterable[str]]) -> None:
    """Log to ``log_file`` (at most 3 files of 1 MB), masking secrets.

    httpx logs full request URLs at INFO, and token refresh URLs carry tokens in their
    query, so its loggers are held at WARNING whatever the level.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
