"""The ``Store``: records, holds, the audit log and verification, over one database."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from sharewise.core.errors import SharewiseError
from sharewise.core.record import Record
from sharewise.core.store import audit
from sharewise.core.store.database import SINGLE_STATEMENT, connect, database_url, masked, sqlite_file, translated_errors
from sharewise.core.store.migrate import require_current
from sharewise.core.store.prepared import PreparedSet
from sharewise.core.store.rows import record_from_row, record_values
from sharewise.core.store.schema import legal_holds, records
from sharewise.core.store.writer_lock import WriterLock

STREAM_BATCH = 5_000
# Run on every submission: compiled once, run on the driver's cursor (see ``prepared``).
_INSERT_RECORD = PreparedSet(records.insert(), keys=[column.key for column in records.columns])
# Built once: a replay is rare, and then the whole record is read.
_BY_IDEMPOTENCY_KEYS = select(records).where(
    records.c.host == bindparam("host"), records.c.idempotency_key.in_(bindparam("keys", expanding=True))
)
RECORD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class RecordNotFound(SharewiseError, LookupError):
    """No record with that id (for this host)."""


@dataclass(frozen=True)
class Hold:
    """A legal hold on a record: while it is active the record cannot be disposed of."""

    record_id: str
    reason: str
    placed_at: dt.datetime
    placed_by: str

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "record_id": self.record_id,
            "reason": self.reason,
            "placed_at": self.placed_at.isoformat(),
            "placed_by": self.placed_by,
        }


@dataclass(frozen=True)
class Verification:
    """The result of ``Store.verify``: entries and records checked, and the first problem."""

    entries: int
    records: int
    head_hash: str
    problem: str | None

    @property
    def intact(self) -> bool:
        """True when nothing was found wrong."""
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "intact": self.intact,
            "entries": self.entries,
            "records": self.records,
            "head_hash": self.head_hash,
            "problem": self.problem,
        }


class Store:
    """Decision records and their audit log in one database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str | None = None, *, auto_create_sqlite: bool = True) -> None:
        self.url = database_url(url)
        self.engine: Engine = connect(self.url)
        self._auto_create = auto_create_sqlite
        self._checked = False
        self._writer_lock = _writer_lock(self.engine)

    def __repr__(self) -> str:
        return f"Store({masked(self.url)!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def _ensure_schema(self) -> None:
        if not self._checked:
            require_current(self.engine, create_sqlite=self._auto_create)
            self._checked = True

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        On a SQLite file, writers queue on a ``WriterLock`` first (threads and processes): SQLite lets one
        writer in at a time, and its own busy wait sleeps in growing steps, which makes the slowest
        writes very slow.
        """
        self._ensure_schema()
        with self._writer_lock(), translated_errors(self.url):  # a server gone before the write begins, too
            connection = self.engine.connect().execution_options(sharewise_write=True)
            with connection, connection.begin():
                yield connection

    def writer_turn(self) -> contextlib.AbstractContextManager[Any]:
        """This database's turn to write, held across several ``writing()`` blocks of one thread (which then
        do not wait again): the ``WriterLock`` of a SQLite file; nothing to wait for on PostgreSQL."""
        return self._writer_lock()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction."""
        self._ensure_schema()
        with translated_errors(self.url), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextlib.contextmanager
    def reading_one(self) -> Iterator[Connection]:
        """A connection for a single read-only statement, which runs on its own (no BEGIN and COMMIT
        around it: one call to the database instead of three)."""
        self._ensure_schema()
        single = {SINGLE_STATEMENT: True} if self.engine.dialect.name == "sqlite" else {"isolation_level": "AUTOCOMMIT"}
        with translated_errors(self.url), self.engine.connect().execution_options(**single) as connection:
            yield connection

    # --- records -------------------------------------------------------------------------------

    @staticmethod
    def lock_for_append(connection: Connection) -> tuple[int, str]:
        """Take the audit head lock now, so that checks made next see every earlier commit; the head's
        sequence number and hash (for ``audit.append_many``)."""
        return audit.lock_head(connection)

    @staticmethod
    def insert_record(connection: Connection, record: Record, request_hash: str | None) -> None:
        """Insert a new record (its audit entry is appended by the caller in the same transaction)."""
        Store.insert_records(connection, [(record, request_hash)])

    @staticmethod
    def insert_records(connection: Connection, new_records: Sequence[tuple[Record, str | None]]) -> None:
        """Insert new records, each with its request's hash, in one statement."""
        _INSERT_RECORD.on(connection).run(
            connection, [record_values(record, request_hash) for record, request_hash in new_records]
        )

    @staticmethod
    def find_idempotent(connection: Connection, host: str, key: str) -> tuple[Record, str | None] | None:
        """The record first submitted by ``host`` with idempotency key ``key``, and that request's hash."""
        return Store.find_idempotent_many(connection, host, [key]).get(key)

    @staticmethod
    def find_idempotent_many(connection: Connection, host: str, keys: Collection[str]) -> dict[str, tuple[Record, str | None]]:
        """``find_idempotent`` for several keys of one host at once: each key used before, with its record and hash."""
        if not keys:
            return {}
        keys = sorted(keys)
        values = {"host": host} | {f"key_{n}": key for n, key in enumerate(keys)}
        used = [key for (key,) in _keys_used(len(keys)).on(connection).rows(connection, values)]
        if not used:  # the usual case: each key new, looked up by index without reading records
            return {}
        rows = connection.execute(_BY_IDEMPOTENCY_KEYS, {"host": host, "keys": used})
        return {row.idempotency_key: (record_from_row(row), row.request_hash) for row in rows}

    def get(self, record_id: str, *, host: str | None = None, connection: Connection | None = None) -> Record:
        """The record ``record_id`` (only if it belongs to ``host``, when given); ``RecordNotFound`` otherwise."""
        if not RECORD_ID.match(record_id):
            raise RecordNotFound(f"no record {record_id[:40]!r}")
        with self._using(connection) as conn:
            query = select(records).where(records.c.id == record_id)
            if host is not None:
                query = query.where(records.c.host == host)
            row = conn.execute(query).first()
            if row is None:
                raise RecordNotFound(f"no record {record_id}")
            successor = conn.execute(select(records.c.id).where(records.c.supersedes == record_id)).scalar()
            return record_from_row(row, superseded_by=successor)

    def list(
        self,
        *,
        review_required: bool | None = None,
        form_id: str | None = None,
        host: str | None = None,
        after_seq: int | None = None,
        limit: int = 100,
    ) -> list[Record]:
        """Records in commit order, filtered; at most ``limit``."""
        query = select(records).order_by(records.c.created_seq).limit(limit)
        if review_required is not None:
            query = query.where(records.c.review_required.is_(review_required))
        if form_id is not None:
            query = query.where(records.c.form_id == form_id)
        if host is not None:
            query = query.where(records.c.host == host)
        if after_seq is not None:
            query = query.where(records.c.created_seq > after_seq)
        with self.reading() as connection:
            found = [record_from_row(row) for row in connection.execute(query)]
            successors = dict(
                connection.execute(
                    select(records.c.supersedes, records.c.id).where(records.c.supersedes.in_([r.id for r in found]))
                ).all()
            )
        return [_with_successor(record, successors.get(record.id)) for record in found]

    def iter_records(self, *, since: dt.datetime | None = None, host: str | None = None, batch: int = 1_000) -> Iterator[Record]:
        """Every record in commit order (made at or after ``since``), streamed in batches: memory stays flat."""
        query = select(records).order_by(records.c.created_seq)
        if since is not None:
            query = query.where(records.c.created_at >= since)
        if host is not None:
            query = query.where(records.c.host == host)
        with self.reading() as connection:
            for row in connection.execution_options(stream_results=True, yield_per=batch).execute(query):
                yield record_from_row(row)

    def chain(self, record_id: str, *, host: str | None = None) -> list[Record]:
        """Every version of the decision ``record_id`` belongs to, oldest first."""
        with self.reading() as connection:
            record = self.get(record_id, host=host, connection=connection)
            versions = [record]
            while versions[0].supersedes:
                row = connection.execute(select(records).where(records.c.id == versions[0].supersedes)).first()
                if row is None:
                    break
                versions.insert(0, record_from_row(row, superseded_by=versions[0].id))
            while versions[-1].superseded_by:
                versions.append(self.get(versions[-1].superseded_by, connection=connection))
        return versions

    @contextlib.contextmanager
    def _using(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self.reading() as conn:
                yield conn

    # --- legal holds ---------------------------------------------------------------------------

    @staticmethod
    def active_hold(connection: Connection, record_id: str) -> Hold | None:
        """The active hold on ``record_id``, if any."""
        row = connection.execute(
            select(legal_holds)
            .where(legal_holds.c.record_id == record_id, legal_holds.c.released_at.is_(None))
            .order_by(legal_holds.c.id)
        ).first()
        return None if row is None else Hold(row.record_id, row.reason, row.placed_at, row.placed_by)

    def hold(self, record_id: str, *, reason: str, actor: str, now: dt.datetime) -> Hold:
        """Place a legal hold (audited). A record already on hold keeps its first hold."""
        with self.writing() as connection:
            self.get(record_id, connection=connection)
            existing = self.active_hold(connection, record_id)
            if existing is not None:
                raise SharewiseError(f"record {record_id} is already on legal hold ({existing.reason})")
            connection.execute(legal_holds.insert().values(record_id=record_id, reason=reason, placed_at=now, placed_by=actor))
            audit.append(connection, "held", record_id=record_id, actor=actor, detail={"reason": reason}, at=now)
        return Hold(record_id, reason, now, actor)

    def release(self, record_id: str, *, reason: str, actor: str, now: dt.datetime) -> None:
        """Release the active legal hold on a record (audited)."""
        with self.writing() as connection:
            if self.active_hold(connection, record_id) is None:
                raise SharewiseError(f"record {record_id} is not on legal hold")
            connection.execute(
                update(legal_holds)
                .where(legal_holds.c.record_id == record_id, legal_holds.c.released_at.is_(None))
                .values(released_at=now, released_by=actor, release_reason=reason)
            )
            audit.append(connection, "released", record_id=record_id, actor=actor, detail={"reason": reason}, at=now)

    # --- audit ----------------------------------------------------------------------------------

    def record_access(
        self, action: str, record_ids: list[str], *, actor: str, now: dt.datetime, detail: Mapping[str, Any] | None = None
    ) -> None:
        """Audit that records were viewed, exported or delivered."""
        with self.writing() as connection:
            for record_id in record_ids:
                audit.append(connection, action, record_id=record_id, actor=actor, detail=dict(detail or {}), at=now)

    def log(
        self, action: str, *, actor: str, now: dt.datetime, record_id: str | None = None, detail: Mapping[str, Any] | None = None
    ) -> None:
        """Audit one event (an export of many records, say) in its own transaction."""
        with self.writing() as connection:
            audit.append(connection, action, record_id=record_id, actor=actor, detail=dict(detail or {}), at=now)

    def audit_entries(self, *, record_id: str | None = None, limit: int | None = None) -> list[audit.AuditEntry]:
        """Audit entries in order, for one record or the last ``limit`` overall."""
        with self.reading() as connection:
            return audit.entries(connection, record_id=record_id, limit=limit)

    def verify(self) -> Verification:
        """Check the whole audit chain, then every record against the hash its entries hold."""
        with self.reading() as connection:
            report = audit.walk_chain(connection)
            if report.problem:
                return Verification(report.count, 0, report.head_hash, report.problem)
            checked, problem = _check_records(connection, report.record_hashes, report.disposed)
        return Verification(report.count, checked, report.head_hash, problem)

    def ping(self) -> None:
        """Reach the database (``SELECT 1``); a ``StoreError`` says why it cannot be reached."""
        with self.reading() as connection:
            connection.execute(select(1)).one()

    def count(self) -> int:
        """How many records there are."""
        with self.reading() as connection:
            return int(connection.execute(select(func.count()).select_from(records)).scalar_one())


def _with_successor(record: Record, successor: str | None) -> Record:
    return record if successor is None else replace(record, superseded_by=successor)


def _check_records(connection: Connection, expected: dict[str, str], disposed: dict[str, str | None]) -> tuple[int, str | None]:
    """Compare every record's content with the hash the audit log holds for it."""
    checked = 0
    seen: set[str] = set()
    result = connection.execution_options(yield_per=STREAM_BATCH).execute(select(records).order_by(records.c.created_seq))
    for row in result:
        record = record_from_row(row)
        checked += 1
        seen.add(record.id)
        if record.id not in expected:
            return checked, f"record {record.id} has no 'created' entry in the audit log"
        if record.id in disposed:
            intact = record.compute_hash() == disposed[record.id]
        else:
            intact = record.compute_hash() == expected[record.id] == record.content_hash
        if not intact:
            return checked, f"record {record.id} has been altered: its content no longer matches the hash in the audit log"
    for record_id in expected:
        if record_id not in seen and disposed.get(record_id, "not disposed") is not None:
            return checked, f"record {record_id} is missing: it was deleted without a 'purged' entry saying so"
    return checked, None


@functools.cache
def _keys_used(count: int) -> PreparedSet:
    """Which of ``count`` idempotency keys of one host (``key_0``…) are in use: one statement for a batch
    (each a round trip to PostgreSQL, inside the write lock), one compiled statement per batch size."""
    keys = [bindparam(f"key_{n}", type_=records.c.idempotency_key.type) for n in range(count)]
    return PreparedSet(
        select(records.c.idempotency_key).where(records.c.host == bindparam("host"), records.c.idempotency_key.in_(keys))
    )


def _writer_lock(engine: Engine) -> Callable[[], contextlib.AbstractContextManager[Any]]:
    """What writers queue on: a ``WriterLock`` for a SQLite file, a thread lock for a SQLite database in
    memory (one process), nothing for PostgreSQL (its row lock on the audit head wakes the next writer)."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext
    database = sqlite_file(engine.url)
    if database is None:
        lock = threading.RLock()
        return lambda: lock
    return WriterLock(database).held
