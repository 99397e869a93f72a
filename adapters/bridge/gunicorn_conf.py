"""gunicorn settings for the bridge, so that everything on stderr is sharewise's log format and metrics
add up across workers::

    gunicorn -c python:sharewise.adapters.bridge.gunicorn_conf -w 4 'sharewise.adapters.bridge:create_app()'

- Logs: gunicorn's own lines (``gunicorn.error``) go through sharewise's formatter (JSON unless
  ``SHAREWISE_LOG_FORMAT=text``) to stderr. gunicorn's access log is switched off even if asked for:
  its lines hold request paths with launch codes and query strings; the ``sharewise.http`` line is
  the access log. ``logger_class`` keeps gunicorn from even building an access line's fields on
  every request (with a logging configuration given, it would, only for the logger to drop them).
- Metrics: with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, emptied before each start),
  a worker that exits is marked dead for prometheus_client (``child_exit``).

Command-line options still apply (``-w``, ``-b``, ``--timeout``…); don't pass ``--log-config``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.glogging import Logger

from sharewise.adapters.observability import logs

wsgi_app = "sharewise.adapters.bridge:create_app()"
_format, _level = logs.settings(os.environ, development=os.environ.get("SHAREWISE_ENV", "").strip() == "development")

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"sharewise": {"()": logs.JsonFormatter if _format == "json" else logs.TextFormatter}},
    "handlers": {
        # named as logs.configure names its handler, so create_app() keeps this one rather than adding another
        logs.HANDLER_NAME: {"class": "logging.StreamHandler", "formatter": "sharewise", "stream": "ext://sys.stderr"}
    },
    "root": {"level": logging.getLevelName(_level), "handlers": [logs.HANDLER_NAME]},
    "loggers": {
        "gunicorn.error": {"handlers": [], "propagate": True},  # its level stays --log-level
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


class WithoutAccessLog(Logger):
    """gunicorn's logger with its access log off: ``sharewise.http`` is the access log."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Nothing: not even the fields of a line that would be dropped."""


logger_class = WithoutAccessLog


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: tell prometheus_client's multiprocess mode (when it is on)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
