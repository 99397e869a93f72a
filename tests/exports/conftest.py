"""Fixtures for the export tests (JSON, XML, XSLT, import, the export command line).

- ``sample_records``: stored records of every kind (each valid worked scenario, a consent record, rich
  host context and author, unicode and control characters, an amendment chain, an anonymised record),
  made once per session in a SQLite store — the serialisation tests need records, not a database.
- ``make_record``: submit answers to this test's ``store`` (warnings acknowledged).
- ``sw`` / ``cli``: the command line in-process on this test's database (or any other).
- ``fresh_database_url`` / ``fresh_store``: a second, empty, migrated database of the same kind as
  ``database_url`` (SQLite, or PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from answer_sets import CONSENT_RECORD
from cli_runs import Result, run_main
from scenario_files import load_scenarios

from sharewise.core import Engine
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

POSTGRES_VARIABLE = "SHAREWISE_TEST_POSTGRES_URL"
CORE = "information-sharing-decision"
#: A consent record (the ``consent-record`` scheme form has no worked scenario).
CONSENT_RECORD_ANSWERS: dict[str, Any] = CONSENT_RECORD
#: A host's case context with every JSON type, nesting and unicode.
RICH_CONTEXT: dict[str, Any] = {
    "case_ref": "CS-2026-000123",
    "subject": {"name": "Zoë Ødegård-Nguyễn", "nhs_number": "9434765919", "aliases": ["Zoe", "佐伊"], "dob": None},
    "practitioner": {"name": "Dr Siân O'Brien", "role": "GP partner", "sessions": 3, "locum": False},
    "organisation": {"ods": "A81001", "name": "Ĉentral Surgery & Co <Ltd>"},
    "scores": [1, 2.5, -7, 1e-7, 12345678901234567890, True, None, "", {"nested": [[], {}]}],
    "notes": "line one\nline two\ttabbed\r\ncarriage return — “quoted” 😀 ]]> &amp; <tag>",
    "empty": {},
    "": "empty key",
    "key with spaces\tand tab": "  padded  ",
}
#: An author with unicode.
RICH_AUTHOR: dict[str, Any] = {"id": "siân.o'brien", "name": "Dr Siân O'Brien", "roles": ["gp", "safeguarding_lead"]}
#: Characters XML 1.0 cannot carry, in host context and author (values and keys).
CONTROL_CONTEXT: dict[str, Any] = {
    "case_ref": "CS\x01-7",
    "note": "bell\x07 vertical-tab\x0b form-feed\x0c escape\x1b \ufffe \uffff end",
    "nested": {"k": ["\x02", {"deep": "\x1f"}]},
}
CONTROL_AUTHOR: dict[str, Any] = {"id": "author\x01", "name": "Nul-free but \x08backspace"}


def acknowledgements(
    engine: Engine, form_id: str, answers: dict[str, Any], context: dict[str, Any] | None = None, today: dt.date | None = None
) -> list[str]:
    """The rule ids of the warnings these answers raise on ``today`` (to acknowledge them)."""
    evaluation = engine.evaluate(form_id, answers, host=context, today=today or dt.datetime.now(dt.UTC).date())
    return sorted({finding.rule for finding in evaluation.by_severity("warning")})


def submit(
    engine: Engine,
    store: Any,
    form_id: str,
    answers: dict[str, Any],
    *,
    clock: Callable[[], dt.datetime] | None = None,
    **options: Any,
) -> Record:
    """Submit ``answers`` (acknowledging every warning) and return the record as stored."""
    from sharewise.core.submission import Recorder

    recorder = Recorder(engine, store, clock=clock) if clock else Recorder(engine, store)
    acknowledged = acknowledgements(engine, form_id, answers, options.get("context"), clock().date() if clock else None)
    record = recorder.submit(form_id, answers, acknowledged=acknowledged, **options).record
    return store.get(record.id)


def amend(engine: Engine, store: Any, record: Record, answers: dict[str, Any], *, reason: str, **options: Any) -> Record:
    """Amend ``record`` (acknowledging every warning) and return the new version as stored."""
    from sharewise.core.submission import Recorder

    acknowledged = acknowledgements(engine, record.form_id, answers, options.get("context", dict(record.context)))
    amended = Recorder(engine, store).amend(record.id, answers, reason=reason, acknowledged=acknowledged, **options).record
    return store.get(amended.id)


def anonymise(engine: Engine, store: Any, record: Record) -> Record:
    """Dispose of ``record`` by anonymisation (a retention review) and return what remains."""
    from sharewise.core.retention import Retention

    retention = Retention(engine, store, policy={}, clock=lambda: dt.datetime.now(dt.UTC))
    retention.review(record.id, actor="records.manager", reason="Retention period over", dispose="anonymise")
    return store.get(record.id)


def migrated_store(url: str) -> Any:
    from sharewise.core.store import Store
    from sharewise.core.store.migrate import upgrade

    store = Store(url)
    upgrade(store.engine)
    return store


class Databases:
    """Empty databases made on demand: SQLite files, or PostgreSQL schemas dropped at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.schemas: list[str] = []

    def new(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.directory / f'{uuid.uuid4().hex[:12]}.db'}"
        from sqlalchemy import create_engine, text

        from sharewise.core.store.database import database_url as normalise

        base = normalise(os.environ[POSTGRES_VARIABLE])
        schema = f"sw_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        self.schemas.append(schema)
        return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

    def drop(self, url: str) -> None:
        if url.startswith("sqlite"):
            return
        from sqlalchemy import create_engine, text

        from sharewise.core.store.database import database_url as normalise

        schema = url.rsplit("%3D", 1)[1]
        admin = create_engine(normalise(os.environ[POSTGRES_VARIABLE]))
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="session")
def export_databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """Make extra empty databases (``export_databases.new("sqlite" | "postgresql")``)."""
    return Databases(tmp_path_factory.mktemp("export-databases"))


@pytest.fixture
def fresh_database_url(database_url: str, export_databases: Databases) -> Iterator[str]:
    """A second empty (unmigrated) database of the same kind as this test's ``database_url``."""
    url = export_databases.new(kind_of(database_url))
    yield url
    export_databases.drop(url)


@pytest.fixture
def fresh_store(fresh_database_url: str) -> Iterator[Any]:
    """A ``Store`` on a second, freshly migrated database of the same kind as ``store``."""
    store = migrated_store(fresh_database_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def liverpool_engine() -> Engine:
    """The built-ins and the Liverpool plugin (worked scenario 20)."""
    return Engine(["liverpool"])


@pytest.fixture(scope="session")
def engine_for(engine: Engine, liverpool_engine: Engine) -> Callable[[list[str] | Any], Engine]:
    """``engine_for(plugins)``: the engine for a worked scenario's local plugins (or a record's plugins)."""
    return lambda plugins: liverpool_engine if "liverpool" in (plugins or ()) else engine


@pytest.fixture(scope="session")
def form_of(engine_for: Callable[..., Engine]) -> Callable[[Record], FormDefinition]:
    """``form_of(record)``: the definition of the form version a record was made with."""
    return lambda record: engine_for(record.plugins).form(record.form_id, record.form_version)


@pytest.fixture(scope="session")
def valid_scenarios() -> list[dict[str, Any]]:
    """Every valid worked scenario."""
    return [s for s in load_scenarios() if s["expect"]["valid"]]


@pytest.fixture(scope="session")
def sample_records(
    tmp_path_factory: pytest.TempPathFactory,
    engine: Engine,
    engine_for: Callable[..., Engine],
    valid_scenarios: list[dict[str, Any]],
) -> dict[str, Record]:
    """Stored records of every kind, by name: ``scenario-NN`` for each valid worked scenario, ``consent-record``,
    ``rich`` (context, author, host, unicode text answers), ``controls`` (characters XML cannot carry in
    context, author and host), ``original`` / ``amended`` (a chain), ``anonymised`` (disposed of)."""
    store = migrated_store(f"sqlite:///{tmp_path_factory.mktemp('samples') / 'samples.db'}")
    made: dict[str, Record] = {}
    base: dict[str, Any] = {}
    for scenario in valid_scenarios:
        answers = scenario["answers"]
        made[f"scenario-{scenario['file'][:2]}"] = submit(engine_for(scenario["plugins"]), store, scenario["form"], answers)
        if scenario["file"].startswith("01"):
            base = answers
    made["consent-record"] = submit(engine, store, "consent-record", CONSENT_RECORD_ANSWERS)
    unicode_answers = {
        **base,
        "decision_reasons": "Risk outweighs confidentiality:\n\t• bruising “seen” — 20 Nov\n\t• child's account 😀 ]]> & <b>",
        "shared_with": "Duty social worker Zoë Ødegård, MASH (Ĉity) — 佐伊",
        "decision_maker_name": "Dr Siân O'Brien",
    }
    made["rich"] = submit(engine, store, CORE, unicode_answers, context=RICH_CONTEXT, author=RICH_AUTHOR, host="clinic-ü 北")
    made["controls"] = submit(engine, store, CORE, base, context=CONTROL_CONTEXT, author=CONTROL_AUTHOR, host="host\x01bell")
    made["original"] = submit(engine, store, CORE, base, context={"case_ref": "CS-1"}, author={"id": "first.author"})
    made["amended"] = amend(
        engine,
        store,
        made["original"],
        {**base, "shared_with": "Duty social worker A. Person, MASH"},
        reason="Wrong recipient recorded:\nit was A. Person — corrected",
        author={"id": "second.author"},
    )
    doomed = submit(engine, store, CORE, unicode_answers, context=RICH_CONTEXT, author=RICH_AUTHOR)
    made["anonymised"] = anonymise(engine, store, doomed)
    store.close()
    return made


@pytest.fixture
def make_record(store: Any, engine: Engine, engine_for: Callable[..., Engine]) -> Callable[..., Record]:
    """``make_record(form_id, answers, plugins=(), **submit_options)``: a record in this test's ``store``."""

    def make(form_id: str, answers: dict[str, Any], *, plugins: Any = (), **options: Any) -> Record:
        return submit(engine_for(plugins), store, form_id, answers, **options)

    return make


@pytest.fixture
def anonymise_record(store: Any, engine: Engine) -> Callable[[Record], Record]:
    """``anonymise_record(record)``: anonymise a record in this test's ``store``."""
    return lambda record: anonymise(engine, store, record)


@pytest.fixture
def amend_record(store: Any, engine: Engine) -> Callable[..., Record]:
    """``amend_record(record, answers, reason=...)``: amend a record in this test's ``store``."""
    return lambda record, answers, **options: amend(engine, store, record, answers, **options)


#: Engines built by in-process command-line runs, by plugin names (building one compiles every form).
_ENGINES: dict[tuple[str, ...], Engine] = {}


def _cached_engine(plugins: Any = (), **options: Any) -> Engine:
    if options:
        return Engine(plugins, **options)
    key = tuple(plugins)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(key)
    return _ENGINES[key]


CLI_ENVIRONMENT = (
    "SHAREWISE_DATABASE_URL",
    "SHAREWISE_ACTOR",
    "SHAREWISE_RETENTION_DISPOSAL",
    "SHAREWISE_DRAFT_DAYS",
    "SHAREWISE_PLUGINS",
    "SHAREWISE_DEBUG",
)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """``cli("--database", url, "export", "--format", "xml")``: ``main`` in-process, in a clean environment
    (actor ``export.tester``, working directory in tmp_path), with its exit code and output."""
    from sharewise.adapters.cli import options as cli_options

    for name in CLI_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHAREWISE_ACTOR", "export.tester")
    working = tmp_path / "cwd"
    working.mkdir(exist_ok=True)
    monkeypatch.chdir(working)
    monkeypatch.setattr(cli_options, "Engine", _cached_engine, raising=False)

    def run(*args: str | Path, stdin: bytes | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        return run_main(capsys, *args)

    return run


@pytest.fixture
def sw(cli: Callable[..., Result], database_url: str, store: Any) -> Callable[..., Result]:
    """``sw("export", "--format", "json")``: the command line on this test's (migrated) database."""
    return lambda *args, **options: cli("--database", database_url, *args, **options)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Any]:
    """A migrated SQLite store only — for command-line behaviour that does not depend on the database."""
    store = migrated_store(f"sqlite:///{tmp_path / 'sqlite-only.db'}")
    yield store
    store.close()


@pytest.fixture
def sw_sqlite(cli: Callable[..., Result], sqlite_store: Any) -> Callable[..., Result]:
    """``sw_sqlite("export", ...)``: the command line on ``sqlite_store``."""
    return lambda *args, **options: cli("--database", str(sqlite_store.url), *args, **options)


@pytest.fixture(scope="session")
def submit_to(engine_for: Callable[..., Engine]) -> Callable[..., Record]:
    """``submit_to(store, form_id, answers, plugins=(), **submit_options)``: a record in any store."""

    def make(store: Any, form_id: str, answers: dict[str, Any], *, plugins: Any = (), **options: Any) -> Record:
        return submit(engine_for(plugins), store, form_id, answers, **options)

    return make


def record_json_equal(left: Record, right: Record) -> bool:
    """Same content, hash and disposal (``created_seq`` and the idempotency key are not exported)."""
    return (left.content(), left.content_hash, left.disposal) == (right.content(), right.content_hash, right.disposal)


@pytest.fixture(scope="session")
def same_record() -> Callable[[Record, Record], bool]:
    """``same_record(a, b)``: the same exported content, content hash and disposal."""
    return record_json_equal


@pytest.fixture(scope="session")
def canonical() -> Callable[[Any], str]:
    """``canonical(value)``: JSON with sorted keys, for comparing values exactly (types included)."""
    return lambda value: json.dumps(value, sort_keys=True, ensure_ascii=True)
