"""Structured logs: one JSON object per line on stderr (or ``key=value`` text for development).

Only an allow-list of fields leaves the process: a stray ``extra={"answers": …}`` is dropped, never
written. Exceptions are logged as their type and stack (file, line, function, source line) without
their message, which may quote a database parameter or an answer.

Configuration: ``SHAREWISE_LOG_FORMAT`` (``json`` or ``text``; default ``json``, ``text`` in
development) and ``SHAREWISE_LOG_LEVEL`` (default ``INFO``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from typing import Any

from sharewise.core.errors import SharewiseError

FORMATS = ("json", "text")
#: The fields a log line may carry beyond timestamp, level, logger and message (docs/operations.md).
FIELDS = (
    "request_id",
    "host",
    "method",
    "route",
    "status",
    "duration_ms",
    "rules",
    "record_id",
    "target",
    "webhook_host",
    "attempt",
    "outcome",
    "error",
)
#: Libraries whose own INFO lines would print what must not be logged (request paths holding launch
#: codes, webhook URLs that may carry tokens); only their warnings get through.
QUIETENED = ("werkzeug", "httpx", "httpcore")
HANDLER_NAME = "sharewise"


class LogConfigurationError(SharewiseError):
    """``SHAREWISE_LOG_FORMAT`` or ``SHAREWISE_LOG_LEVEL`` has a value sharewise does not know."""


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The allowed fields of a record, and its exception as type and stack (never the message)."""
    found = {name: record.__dict__[name] for name in FIELDS if record.__dict__.get(name) is not None}
    if record.exc_info and record.exc_info[0] is not None:
        found["exc_type"] = record.exc_info[0].__name__
        found["stack"] = "".join(traceback.format_tb(record.exc_info[2])).rstrip()
    return found


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """``{"timestamp", "level", "logger", "message", …allowed fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"timestamp": _timestamp(record), "level": record.levelname, "logger": record.name}
        entry["message"] = record.getMessage()
        entry.update(_fields(record))
        return json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``timestamp level logger message key=value…`` for reading in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        stack = fields.pop("stack", None)
        pairs = " ".join(f"{name}={','.join(value) if isinstance(value, list) else value}" for name, value in fields.items())
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}" + (f" {pairs}" if pairs else "")
        return f"{line}\n{stack}" if stack else line


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``json`` or ``text``."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def settings(environ: Mapping[str, str] = os.environ, *, development: bool = False) -> tuple[str, int]:
    """``(format, level)`` from ``SHAREWISE_LOG_FORMAT`` and ``SHAREWISE_LOG_LEVEL``."""
    log_format = environ.get("SHAREWISE_LOG_FORMAT", "").strip().lower() or ("text" if development else "json")
    if log_format not in FORMATS:
        raise LogConfigurationError(f"SHAREWISE_LOG_FORMAT must be json or text, not {log_format!r}")
    name = environ.get("SHAREWISE_LOG_LEVEL", "").strip().upper() or "INFO"
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise LogConfigurationError(f"SHAREWISE_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {name!r}")
    return log_format, logging.getLevelName(name)


def configure(log_format: str, level: int = logging.INFO) -> bool:
    """Log to stderr in ``log_format`` — unless logging was already set up by someone else (gunicorn's
    ``--log-config``, an embedding application, pytest), whose handlers are kept. Calling it again
    replaces only the handler it installed. Returns whether it installed one.

    Always quietens the libraries in ``QUIETENED``, whoever handles the lines.
    """
    for name in QUIETENED:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if handler.get_name() == HANDLER_NAME]
    if len(root.handlers) > len(ours):
        return False
    for handler in ours:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level)
    return True
