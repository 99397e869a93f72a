"""Statements on the submission path, compiled once per database and run on the driver's cursor.

Running a Core statement through a SQLAlchemy ``Connection`` costs about 40 µs of Python each time
(execution context, parameter processing, result set-up) — twenty times what SQLite takes to run it,
and several times over in every batch of submissions, all while the batch holds the write lock. A
``Prepared`` statement is compiled by SQLAlchemy once (so its SQL is SQLAlchemy's, for SQLite and
PostgreSQL alike), converts values with the column types' own bind processors (so what it stores is
byte for byte what SQLAlchemy would store), and runs on the DBAPI cursor of the caller's connection,
inside the caller's transaction. A driver error is raised as SQLAlchemy raises it (a ``DBAPIError``,
after invalidating the connection if the database went away), so callers handle one kind of error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable


class Prepared:
    """One statement compiled for one dialect; ``run`` and ``rows`` take values by parameter name."""

    def __init__(self, statement: Executable, dialect: Dialect, *, keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        self.sql = compiled.string
        names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        self._positional = compiled.positional
        #: Each parameter in the driver's order, with the bind processor of its type (``None``: as it is).
        self._converters = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
        )
        #: The statement's own literal values (``WHERE id = 1``).
        self._fixed = {name: compiled.binds[name].value for name in names if compiled.binds[name].value is not None}

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for ``values`` (with the statement's own literals), converted."""
        given = {**self._fixed, **values} if self._fixed else values
        converted = [(name, given[name] if convert is None else convert(given[name])) for name, convert in self._converters]
        return tuple(value for _, value in converted) if self._positional else dict(converted)

    def run(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per row of values (one ``executemany``)."""
        if rows:
            with driver_cursor(connection, self.sql) as cursor:
                cursor.executemany(self.sql, [self.parameters(row) for row in rows])

    def rows(self, connection: Connection, values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Execute once and fetch every row, as the driver returns them."""
        with driver_cursor(connection, self.sql) as cursor:
            cursor.execute(self.sql, self.parameters(values or {}))
            return [tuple(row) for row in cursor.fetchall()]


class PreparedSet:
    """Statements compiled lazily, once per dialect (a process may use SQLite and PostgreSQL)."""

    def __init__(self, statement: Executable, *, keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._keys = keys
        self._by_dialect: dict[str, Prepared] = {}

    def on(self, connection: Connection) -> Prepared:
        """The statement compiled for ``connection``'s dialect."""
        dialect = connection.dialect
        prepared = self._by_dialect.get(dialect.name)
        if prepared is None:
            prepared = self._by_dialect[dialect.name] = Prepared(self._statement, dialect, keys=self._keys)
        return prepared


@contextlib.contextmanager
def driver_cursor(connection: Connection, sql: str) -> Iterator[Any]:
    """A cursor of ``connection``'s driver connection; a driver error raised as SQLAlchemy would raise it."""
    dbapi_connection = connection.connection.dbapi_connection
    dialect = connection.dialect
    cursor = None
    try:
        cursor = dbapi_connection.cursor()  # type: ignore[union-attr]  # fails too on a connection the driver closed
        yield cursor
    except dialect.loaded_dbapi.Error as error:
        gone = dialect.is_disconnect(error, dbapi_connection, cursor)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, connection_invalidated=gone) from error
    finally:
        if cursor is not None:
            with contextlib.suppress(Exception):
                cursor.close()
