"""Statements run on the driver's cursor (core/store/prepared.py) store exactly what SQLAlchemy stores,
and fail as SQLAlchemy fails (on SQLite, and on PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from sharewise.core.store import Store
from sharewise.core.store.database import StoreError
from sharewise.core.store.prepared import Prepared, PreparedSet
from sharewise.core.store.schema import audit_head, records

TRICKY_TEXT = 'Zoë’s carer — 日本語 😀, tab\there, line\nbreak, quote " and backslash \\'


def _row(record_id: str, key: str) -> dict[str, Any]:
    """Values for every column of ``records``, with what is hard to store on each database."""
    return {
        "id": record_id,
        "form_id": "information-sharing-decision",
        "form_version": 3,
        "answers": {"purpose": TRICKY_TEXT, "child_age": 7, "checks": ["necessary", "relevant"], "weight": 2.5},
        "findings": [{"rule": "ISD-1", "severity": "warning", "field": None, "message": TRICKY_TEXT}],
        "acknowledged_warnings": ["ISD-1"],
        "outcome": {"nested": {"deep": [1, None, True, {"ü": "ß"}]}, "big": 2**53 + 1, "negative_zero": -0.0},
        "plugins": {"forms": "1.0", "england": "1.0"},
        "author": {"id": "u-17", "name": "Siân O’Brien"},
        "host": "emis",
        "context": {},
        "created_at": dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),
        "review_required": True,
        "retention_class": "safeguarding-decision",
        "review_on": dt.date(2044, 2, 29),
        "supersedes": None,
        "amendment_reason": None,
        "idempotency_key": key,
        "request_hash": "0" * 64,
        "content_hash": "f" * 64,
        "created_seq": int(uuid.uuid4().int % 10**12),
        "disposal": None,
    }


def _stored(store: Any, record_id: str) -> dict[str, Any]:
    """The row as the database holds it (text, numbers), read without SQLAlchemy's type conversion."""
    with store.reading() as connection:
        row = connection.exec_driver_sql(
            "SELECT * FROM records WHERE id = " + ("%(id)s" if connection.dialect.name == "postgresql" else ":id"),
            {"id": record_id},
        ).one()
    return {key: value for key, value in row._mapping.items() if key not in ("id", "idempotency_key", "created_seq")}


def test_a_prepared_insert_stores_byte_for_byte_what_core_stores(store: Any) -> None:
    through_core, prepared_here = str(uuid.uuid4()), str(uuid.uuid4())
    with store.writing() as connection:
        connection.execute(records.insert(), [_row(through_core, "core")])
        Prepared(records.insert(), connection.dialect, keys=[c.key for c in records.columns]).run(
            connection, [_row(prepared_here, "prepared")]
        )
    assert _stored(store, prepared_here) == _stored(store, through_core)
    assert store.get(prepared_here).answers["purpose"] == TRICKY_TEXT


def test_a_statement_keeps_its_own_literals_and_takes_named_values(store: Any) -> None:
    move = update(audit_head).where(audit_head.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
    read = PreparedSet(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))
    with store.writing() as connection:
        PreparedSet(move).on(connection).run(connection, [{"new_seq": 41, "new_hash": "a" * 64}])
        assert read.on(connection).rows(connection) == [(41, "a" * 64)]
        assert read.on(connection) is read.on(connection)  # compiled once per dialect


def test_several_rows_are_inserted_together_and_no_rows_insert_nothing(store: Any) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    with store.writing() as connection:
        Prepared(records.insert(), connection.dialect, keys=[c.key for c in records.columns]).run(
            connection, [_row(record_id, f"key-{n}") for n, record_id in enumerate(ids)]
        )
        Prepared(records.insert(), connection.dialect, keys=[c.key for c in records.columns]).run(connection, [])
    assert {record.id for record in store.list()} == set(ids)


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_rolls_back(store: Any) -> None:
    record_id = str(uuid.uuid4())
    insert = PreparedSet(records.insert(), keys=[c.key for c in records.columns])
    with store.writing() as connection:
        insert.on(connection).run(connection, [_row(record_id, "first")])
    with pytest.raises(IntegrityError) as raised, store.engine.connect() as connection, connection.begin():
        insert.on(connection).run(connection, [_row(str(uuid.uuid4()), "second"), _row(record_id, "third")])
    assert isinstance(raised.value, DBAPIError) and not raised.value.connection_invalidated
    assert "records" in str(raised.value.orig).lower() or "unique" in str(raised.value.orig).lower()
    # through the Store, the same failure is one clear line, and nothing of the failed batch was kept
    with pytest.raises(StoreError, match="refused the operation"), store.writing() as connection:
        insert.on(connection).run(connection, [_row(record_id, "fourth")])
    assert [record.id for record in store.list()] == [record_id]


def test_a_connection_the_database_dropped_is_not_used_again(store: Any, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL")
    read = PreparedSet(select(audit_head.c.seq).where(audit_head.c.id == 1))
    with store.engine.connect() as victim:
        pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with store.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            read.on(victim).rows(victim)
        assert raised.value.connection_invalidated
    with store.reading() as connection:  # the pool hands out a working connection
        assert read.on(connection).rows(connection) == [(0,)]


def test_a_connection_the_driver_closed_fails_as_sqlalchemy_fails_and_is_replaced(tmp_path: Any) -> None:
    """Even the cursor cannot be had: the error is SQLAlchemy's (so the Store reports it in one line), the
    connection is invalidated, and the next write gets a working one — a BEGIN runs here too."""
    store = Store(f"sqlite:///{tmp_path / 'closed.db'}")
    try:
        store.count()
        read = PreparedSet(select(audit_head.c.seq).where(audit_head.c.id == 1))
        with store.engine.connect() as victim:
            victim.connection.dbapi_connection.close()  # type: ignore[union-attr]
            with pytest.raises(DBAPIError) as raised:
                read.on(victim).rows(victim)
            assert raised.value.connection_invalidated and victim.invalidated
        with store.engine.connect() as victim:
            victim.connection.dbapi_connection.close()  # type: ignore[union-attr]
            with pytest.raises(DBAPIError):  # the BEGIN itself, on the driver's cursor
                victim.execution_options(sharewise_write=True).begin()
            assert victim.invalidated
        with store.writing() as connection:
            assert read.on(connection).rows(connection) == [(0,)]
    finally:
        store.close()


def test_idempotency_keys_are_found_in_one_statement_for_any_number_of_keys(store: Any) -> None:
    record_id = str(uuid.uuid4())
    with store.writing() as connection:
        Prepared(records.insert(), connection.dialect, keys=[c.key for c in records.columns]).run(
            connection, [_row(record_id, "used")]
        )
    with store.reading() as connection:
        assert store.find_idempotent_many(connection, "emis", []) == {}
        assert store.find_idempotent_many(connection, "emis", ["new"]) == {}
        found = store.find_idempotent_many(connection, "emis", [f"new-{n}" for n in range(40)] + ["used"])
        assert list(found) == ["used"] and found["used"][0].id == record_id and found["used"][1] == "0" * 64
        assert store.find_idempotent_many(connection, "another-host", ["used"]) == {}
