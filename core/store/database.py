"""Connecting to the database: URL resolution, SQLite settings, and turning driver errors into
one clear ``StoreError`` line (never a traceback)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError

from sharewise.core import json_text
from sharewise.core.errors import SharewiseError
from sharewise.core.store.prepared import driver_cursor

ENV_VARIABLE = "SHAREWISE_DATABASE_URL"
DEFAULT_URL = "sqlite:///sharewise.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_SIZE = 16
#: An execution option: the connection runs one read-only statement, which needs no transaction of its own.
SINGLE_STATEMENT = "sharewise_single_statement"


class StoreError(SharewiseError):
    """The database cannot be reached, is busy, or is not set up for this version of sharewise."""


def database_url(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The database to use: ``explicit`` (``--database``), else ``SHAREWISE_DATABASE_URL``, else a
    SQLite file ``sharewise.db`` in the working directory. A bare path means a SQLite file."""
    url = explicit or environ.get(ENV_VARIABLE) or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def masked(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def connect(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``; SQLite files get WAL, full sync, foreign keys, a busy
    timeout, ``BEGIN IMMEDIATE`` for write transactions (so writers queue instead of deadlocking),
    and a pool as large as a server's threads (a file connection costs little to keep, and opening one
    for each burst costs its settings again). JSON columns are written by ``json_text``."""
    try:
        engine = create_engine(url, json_serializer=json_text.dumps, **_pool_options(url))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use the database URL {masked(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite database named by a path; ``None`` for another database, or SQLite in memory
    or by a ``file:`` URI."""
    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).resolve()


def _pool_options(url: str) -> dict[str, Any]:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return {"pool_pre_ping": True}
    if sqlite_file(parsed) is None:
        return {}
    return {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if not options.get(SINGLE_STATEMENT, False):
            # on the driver's cursor: through SQLAlchemy, a BEGIN costs ~30 µs of Python on every transaction
            begin = "BEGIN IMMEDIATE" if options.get("sharewise_write", False) else "BEGIN"
            with driver_cursor(connection, begin) as cursor:
                cursor.execute(begin)


@contextlib.contextmanager
def translated_errors(url: str) -> Iterator[None]:
    """Turn driver errors into a ``StoreError`` with one line an operator can act on."""
    try:
        yield
    except OperationalError as exc:
        raise StoreError(_operational_message(url, exc)) from None
    except DBAPIError as exc:
        raise StoreError(f"the database at {masked(url)} refused the operation: {_first_line(exc.orig)}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"database problem at {masked(url)}: {_first_line(exc)}") from None


def _operational_message(url: str, exc: OperationalError) -> str:
    text = _first_line(exc.orig)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return f"the database {masked(url)} is busy (locked by another process); try again shortly"
    if "unable to open" in lowered:
        return f"cannot open the database file {masked(url)}: check the path exists and is writable"
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return f"the database {masked(url)} is not set up: run `sharewise db upgrade`"
    return f"cannot use the database at {masked(url)}: {text}"


def _first_line(error: object) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
