"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging


class RedactFilter(logging.Filter):
    """Replace every occurrence of the given secrets in a record's final text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = text
        for secret in self._secrets:
            redacted = redacted.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        if redacted != text:
            record.msg, record.args = redacted, None
        return True


QUIET = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


def setup_logging(level: str, secrets: list[str]) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, logging.StreamHandler) for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.setLevel(level)
    for name in QUIET:  # at DEBUG these log every statement and row: residents' data
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    redact = RedactFilter(secrets)
    for handler in root.handlers:
        handler.addFilter(redact)
