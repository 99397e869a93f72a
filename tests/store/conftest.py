"""Fixtures for the storage-layer tests: a fixed clock, a recorder to make records, a retention
plugin the tests steer through the case context, raw tampering on the database, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_runs import Result, assert_one_line_error, run_main
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import text

from sharewise.core import Engine, hookimpl
from sharewise.core.context import Retention
from sharewise.core.record import Record
from sharewise.core.submission import Recorder

CORE_FORM = "information-sharing-decision"
SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios"

#: The fixed "now" of these tests (microseconds on purpose: both databases must keep them).
NOW = dt.datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=dt.UTC)

ENV_VARIABLES = (
    "SHAREWISE_DATABASE_URL",
    "SHAREWISE_DRAFT_DAYS",
    "SHAREWISE_RETENTION_DISPOSAL",
    "SHAREWISE_PLUGINS",
    "SHAREWISE_DEBUG",
    "SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees store, retention or draft settings from the surrounding shell; the actor is fixed."""
    for name in ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHAREWISE_ACTOR", "cli-tester")


class Clock:
    """A clock that only moves when told to."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A fixed clock at ``NOW``; ``clock.advance(days=31)`` moves it."""
    return Clock()


class ContextRetention:
    """A retention plugin steered by the case context: ``{"test_class": ..., "test_review_on": "YYYY-MM-DD"}``."""

    @hookimpl
    def sharewise_retention(self, form: Any, answers: Any, context: Any) -> Retention | None:
        name = context.host.get("test_class")
        if name is None:
            return None
        return Retention(name, dt.date.fromisoformat(context.host["test_review_on"]))


@pytest.fixture(scope="session")
def retention_engine() -> Engine:
    """The default engine plus ``ContextRetention`` (retention class and review date from the context)."""
    return Engine(extra={"test-retention": ContextRetention()})


@pytest.fixture
def recorder(engine: Engine, store: Any, clock: Clock) -> Recorder:
    """A ``Recorder`` on the test store with the default engine and the fixed clock."""
    return Recorder(engine, store, clock=clock)


@pytest.fixture
def make_record(
    engine: Engine, retention_engine: Engine, store: Any, clock: Clock, base_answers: dict[str, Any]
) -> Callable[..., Record]:
    """``make_record(host=..., context=..., author=..., ack=..., retention=("class", "YYYY-MM-DD"), **answer_changes)``.

    Submits the base answers (changed as asked; ``None`` removes an answer) and returns the stored record.
    """

    def make(
        *,
        host: str = "local",
        context: dict[str, Any] | None = None,
        author: dict[str, Any] | None = None,
        ack: tuple[str, ...] = (),
        retention: tuple[str, str] | None = None,
        form: str = CORE_FORM,
        answers: dict[str, Any] | None = None,
        **changes: Any,
    ) -> Record:
        given = dict(base_answers if answers is None else answers)
        for key, value in changes.items():
            if value is None:
                given.pop(key, None)
            else:
                given[key] = value
        case = dict(context or {})
        chosen = engine
        if retention is not None:
            case.update(test_class=retention[0], test_review_on=retention[1])
            chosen = retention_engine
        submitted = Recorder(chosen, store, clock=clock).submit(
            form, given, acknowledged=ack, host=host, context=case, author=author or {"id": "author-1", "name": "A Author"}
        )
        return submitted.record

    return make


@pytest.fixture
def scenario_answers() -> Callable[[str], dict[str, Any]]:
    """``scenario_answers("18")``: the answers of a worked scenario, by file name prefix."""

    def load(prefix: str) -> dict[str, Any]:
        (path,) = SCENARIOS.glob(f"{prefix}-*.json")
        return json.loads(path.read_text(encoding="utf-8"))["answers"]

    return load


# --- raw database access, as an attacker with admin rights would have ------------------------------


@dataclass
class Raw:
    """Direct SQL on the store's database, bypassing sharewise."""

    engine: SqlEngine

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def execute(self, sql: str, **params: Any) -> Any:
        with self.engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.rowcount if not result.returns_rows else result.all()

    def json_value(self, name: str) -> str:
        """The SQL for a JSON parameter (given as JSON text) in this dialect."""
        return f"CAST(:{name} AS jsonb)" if self.postgres else f":{name}"

    def drop_append_only_triggers(self) -> None:
        if self.postgres:
            self.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        else:
            self.execute("DROP TRIGGER audit_log_no_update")
            self.execute("DROP TRIGGER audit_log_no_delete")

    def audit_rows(self) -> list[Any]:
        return self.execute("SELECT seq, action, record_id, actor, prev_hash, hash FROM audit_log ORDER BY seq")

    def head(self) -> tuple[int, str]:
        ((seq, head_hash),) = self.execute("SELECT seq, hash FROM audit_head WHERE id = 1")
        return int(seq), head_hash

    def count(self, table: str) -> int:
        ((n,),) = self.execute(f"SELECT count(*) FROM {table}")
        return int(n)


@pytest.fixture
def raw(store: Any) -> Raw:
    """Raw SQL on the test store's database."""
    return Raw(store.engine)


# --- the command line -------------------------------------------------------------------------------


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Result]]:
    """``cli("--database", url, "audit", "verify")``: run ``main`` in-process; exit code and output."""
    yield lambda *args: run_main(capsys, *args)


@pytest.fixture
def one_line_error() -> Callable[..., None]:
    """``one_line_error(result, "text", ...)``: exit 2, empty stdout, one stderr line holding each text, no traceback."""
    return assert_one_line_error
