"""Schema migrations, choosing the database, and what an operator sees when it is missing, locked
or unreachable: one clear line, never a traceback, never the password."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from sharewise.core.hosts import HostRegistry
from sharewise.core.store import Store, StoreError, database_url
from sharewise.core.store import database as database_module
from sharewise.core.store.database import connect
from sharewise.core.store.migrate import current_revision, head_revision, require_current, upgrade

POSTGRES = "SHAREWISE_TEST_POSTGRES_URL"
ONLY_POSTGRES = pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.skipif(not os.environ.get(POSTGRES), reason=f"{POSTGRES} is not set"))],
    indirect=True,
)
TABLES = {"records", "audit_log", "audit_head", "legal_holds", "retention_reviews", "drafts", "alembic_version"}
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"
UNREACHABLE_WITH_PASSWORD = "postgresql+psycopg://postgres:s3cr3t-pw@127.0.0.1:1/test"


def assert_one_line(error: BaseException, *expected: str) -> None:
    message = str(error)
    assert message.strip(), "the error says nothing"
    assert "\n" not in message.strip(), f"expected one line, got {message!r}"
    assert "Traceback" not in message
    for piece in expected:
        assert piece in message, f"{piece!r} not in {message!r}"


# --- upgrade, current revision, require_current --------------------------------------------------------


def test_upgrade_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    engine = connect(database_url)
    try:
        head = head_revision()
        assert isinstance(head, str) and head
        assert current_revision(engine) is None
        assert upgrade(engine) == (None, head)
        assert current_revision(engine) == head
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            assert [tuple(r) for r in connection.execute(text("SELECT id, seq, hash FROM audit_head"))] == [(1, 0, "0" * 64)]
        assert upgrade(engine) == (head, head)
        assert upgrade(engine) == (head, head)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_head")).scalar_one() == 1
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()


def test_upgrade_again_keeps_the_data(store: Any, make_record: Any) -> None:
    record = make_record()
    assert upgrade(store.engine) == (head_revision(), head_revision())
    reopened = Store(store.url)
    try:
        assert reopened.get(record.id) == record
        assert reopened.verify().intact
        assert reopened.verify().entries == 1
    finally:
        reopened.close()


def test_upgrading_from_0003_keeps_hosts_and_their_webhook_secret_alone(database_url: str) -> None:
    """Revision 0004 adds the overlap columns to existing hosts: each still signs with its one secret."""
    engine = connect(database_url)
    try:
        assert upgrade(engine, to="0003") == (None, "0003")
        assert current_revision(engine) == "0003"
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO hosts (name, origins, webhook_url, webhook_format, webhook_secret, api_key_hash, created_at) "
                    "VALUES ('old-host', '[\"https://a.example\"]', 'https://a.example/hook', 'json', 'whsec_b2xk', 'h', :at)"
                ),
                {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
            )

        assert upgrade(engine) == ("0003", head_revision())

        store = Store(database_url)
        try:
            host = HostRegistry(store).get("old-host")
            assert (host.webhook_secret, host.previous_webhook_secret, host.previous_secret_until) == ("whsec_b2xk", None, None)
            assert host.signing_secrets(dt.datetime.now(dt.UTC)) == ("whsec_b2xk",)
        finally:
            store.close()
    finally:
        engine.dispose()


def test_require_current_accepts_a_migrated_database(store: Any) -> None:
    require_current(store.engine)
    require_current(store.engine, create_sqlite=False)


def test_an_empty_sqlite_file_is_set_up_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = Store(f"sqlite:///{path}")
    try:
        assert store.list() == []
        assert current_revision(store.engine) == head_revision()
        assert store.verify().intact
    finally:
        store.close()
    assert path.exists()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_empty_sqlite_file_is_refused_when_auto_create_is_off(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new.db'}", auto_create_sqlite=False)
    try:
        with pytest.raises(StoreError) as caught:
            store.list()
        assert_one_line(caught.value, "not set up", "sharewise db upgrade")
        assert current_revision(store.engine) is None
    finally:
        store.close()


@ONLY_POSTGRES
def test_an_empty_postgresql_schema_must_be_upgraded_explicitly(database_url: str, cli: Any, one_line_error: Any) -> None:
    store = Store(database_url)
    try:
        for action in (store.list, store.verify, lambda: store.get("00000000-0000-4000-8000-000000000000"), store.count):
            with pytest.raises(StoreError) as caught:
                action()
            assert_one_line(caught.value, "not set up", "`sharewise db upgrade`")
        assert current_revision(store.engine) is None, "nothing may be created without `db upgrade`"
    finally:
        store.close()
    one_line_error(cli("--database", database_url, "records", "list"), "not set up", "sharewise db upgrade")
    one_line_error(cli("--database", database_url, "audit", "verify"), "not set up", "sharewise db upgrade")


def test_a_database_at_another_revision_is_refused(store: Any, raw: Any) -> None:
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    other = Store(store.url)
    try:
        with pytest.raises(StoreError) as caught:
            other.list()
        assert_one_line(caught.value, "9999", head_revision(), "sharewise db upgrade")
    finally:
        other.close()


@contextlib.contextmanager
def _store_beside_another_program(path: Path) -> Iterator[tuple[Store, sqlite3.Connection]]:
    """A store on the SQLite file ``path`` (created), and a plain connection to the same file, as another
    program would open it (not through sharewise's lock file; no busy wait)."""
    store = Store(f"sqlite:///{path}")
    try:
        store.count()
        with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
            yield store, other
    finally:
        store.close()


def test_sqlite_write_transactions_take_the_write_lock_at_once(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a write transaction holds the lock from its start, so writers queue instead of deadlocking."""
    with _store_beside_another_program(tmp_path / "immediate.db") as (store, other):
        with store.writing(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")


def test_a_write_that_cannot_begin_is_a_clear_busy_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The BEGIN runs on the driver's cursor; a lock it cannot get is still one line naming the database as
    busy (a StoreError), not a driver exception."""
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    with _store_beside_another_program(tmp_path / "busy.db") as (store, other):
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(StoreError) as caught, store.writing():
            pass
        assert_one_line(caught.value, "is busy", "try again shortly")
        other.execute("ROLLBACK")
        with store.writing():  # free again: the same store writes
            pass


# --- sharewise db upgrade / db current -------------------------------------------------------------------


def test_cli_db_current_and_upgrade(database_url: str, cli: Any) -> None:
    head = head_revision()
    current = cli("--database", database_url, "db", "current")
    assert current.code == 0, current.err
    assert f"schema revision none (this sharewise needs {head})" in current.out
    first = cli("--database", database_url, "db", "upgrade")
    assert first.code == 0, first.err
    assert f"migrated from an empty database to schema revision {head}" in first.out
    again = cli("--database", database_url, "db", "upgrade")
    assert again.code == 0, again.err
    assert f"already at schema revision {head}" in again.out
    current = cli("--database", database_url, "db", "current")
    assert current.code == 0
    assert f"schema revision {head} (this sharewise needs {head})" in current.out
    engine = connect(database_url)
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()
    verify = cli("--database", database_url, "audit", "verify")
    assert verify.code == 0 and verify.out.startswith("intact: 0 audit entries")


def test_cli_honours_sharewise_database_url(database_url: str, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", database_url)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    assert "migrated from an empty database" in result.out
    engine = connect(database_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    listed = cli("records", "list", "--json")
    assert listed.code == 0 and listed.json() == []


def test_cli_database_option_beats_the_environment(database_url: str, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", UNREACHABLE)
    result = cli("--database", database_url, "db", "upgrade")
    assert result.code == 0, result.err
    assert "migrated from an empty database" in result.out


def test_cli_default_is_sharewise_db_in_the_working_directory(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    assert (tmp_path / "sharewise.db").exists()
    assert "sharewise.db" in result.out


# --- database_url() ------------------------------------------------------------------------------------


def test_database_url_precedence() -> None:
    env = {"SHAREWISE_DATABASE_URL": "postgresql+psycopg://env@db.example/prod"}
    assert database_url("sqlite:///explicit.db", env) == "sqlite:///explicit.db"
    assert database_url(None, env) == "postgresql+psycopg://env@db.example/prod"
    assert database_url(None, {}) == "sqlite:///sharewise.db"
    assert database_url(None, {"SHAREWISE_DATABASE_URL": ""}) == "sqlite:///sharewise.db"


def test_database_url_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", "postgres://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert Store().url == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("SHAREWISE_DATABASE_URL")
    assert database_url() == "sqlite:///sharewise.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("records.db", "sqlite:///records.db"),
        ("data/records.db", "sqlite:///data/records.db"),
        ("/var/lib/sharewise/records.db", "sqlite:////var/lib/sharewise/records.db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("sqlite:////absolute.db", "sqlite:////absolute.db"),
        ("postgres://u:p@h:5433/db?sslmode=require", "postgresql+psycopg://u:p@h:5433/db?sslmode=require"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_url_forms(given: str, expected: str) -> None:
    assert database_url(given, {}) == expected
    assert database_url(None, {"SHAREWISE_DATABASE_URL": given}) == expected


def test_a_bare_path_on_the_command_line_is_a_sqlite_file(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "bare.db"
    result = cli("--database", str(path), "db", "upgrade")
    assert result.code == 0, result.err
    assert path.exists()


# --- unreachable, unusable and locked databases ------------------------------------------------------------


def test_unreachable_postgresql_gives_one_clear_line() -> None:
    store = Store(UNREACHABLE)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.list()
        assert time.monotonic() - started < 10
        assert_one_line(caught.value, "127.0.0.1")
    finally:
        store.close()


def test_the_password_is_never_shown() -> None:
    store = Store(UNREACHABLE_WITH_PASSWORD)
    try:
        with pytest.raises(StoreError) as caught:
            store.verify()
        assert_one_line(caught.value, "***")
        assert "s3cr3t-pw" not in str(caught.value)
        assert "s3cr3t-pw" not in repr(store)
    finally:
        store.close()


@pytest.mark.parametrize(
    "command",
    [["audit", "verify"], ["db", "upgrade"], ["db", "current"], ["records", "list"], ["retention", "due"]],
    ids=" ".join,
)
def test_cli_unreachable_postgresql(command: list[str], cli: Any, one_line_error: Any) -> None:
    result = cli("--database", UNREACHABLE_WITH_PASSWORD, *command)
    one_line_error(result, "127.0.0.1", "***")
    assert "s3cr3t-pw" not in result.err


def test_cli_unreachable_postgresql_through_the_environment(cli: Any, one_line_error: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", "postgres://postgres:s3cr3t-pw@127.0.0.1:1/test")
    result = cli("records", "list")
    one_line_error(result, "***")
    assert "s3cr3t-pw" not in result.err


def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path, cli: Any, one_line_error: Any) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    with pytest.raises(StoreError) as caught:
        Store(url).list()
    assert_one_line(caught.value, "cannot open")
    one_line_error(cli("--database", url, "records", "list"), "cannot open")


def test_an_unusable_url(cli: Any, one_line_error: Any) -> None:
    with pytest.raises(StoreError) as caught:
        Store("nosuchdatabase://somewhere/x").list()
    assert_one_line(caught.value, "nosuchdatabase://somewhere/x")
    one_line_error(cli("--database", "nosuchdatabase://somewhere/x", "records", "list"), "nosuchdatabase")


@pytest.fixture
def locked_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The URL of a migrated SQLite file that another connection holds with BEGIN EXCLUSIVE; a short busy timeout."""
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    setup = Store(url)
    setup.count()
    setup.close()
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    yield url
    locker.execute("ROLLBACK")
    locker.close()


def test_a_locked_sqlite_database_gives_one_clear_line(locked_sqlite: str, clock: Any) -> None:
    store = Store(locked_sqlite)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.record_access("viewed", ["some-record"], actor="x", now=clock())
        assert time.monotonic() - started < 5
        assert_one_line(caught.value, "busy", locked_sqlite)
        with pytest.raises(StoreError, match="busy"):
            store.hold("some-record", reason="r", actor="a", now=clock())
    finally:
        store.close()


def test_cli_on_a_locked_sqlite_database(locked_sqlite: str, cli: Any, one_line_error: Any) -> None:
    database = ("--database", locked_sqlite)
    one_line_error(cli(*database, "records", "hold", "some-record", "--reason", "test"), "busy")
    one_line_error(cli(*database, "retention", "review", "some-record", "--keep-until", "2099-01-01", "--reason", "r"), "busy")
