"""Shared fixtures: one engine per session, the worked scenarios, a valid base answer set."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from answer_sets import changed
from forms_md_tables import CORE_FORM
from scenario_files import SCENARIO_01

from sharewise.core import Engine, Evaluation

POSTGRES_VARIABLE = "SHAREWISE_TEST_POSTGRES_URL"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get(POSTGRES_VARIABLE) else [])


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The default engine: built-ins only (forms and the national England plugin)."""
    return Engine()


@pytest.fixture(scope="session")
def _base_answers() -> dict[str, Any]:
    return json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]


@pytest.fixture
def base_answers(_base_answers: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid answer set for the core form (scenario 01), safe to modify."""
    return copy.deepcopy(_base_answers)


@pytest.fixture
def check(engine: Engine, base_answers: dict[str, Any]) -> Callable[..., Evaluation]:
    """Evaluate the core form's base answers with some answers changed (``None`` removes one).

    ``check(decision="do_not_share", shared_at=None)``
    """

    def run(**changes: Any) -> Evaluation:
        return engine.evaluate(CORE_FORM, changed(base_answers, changes))

    return run


@pytest.fixture
def hits() -> Callable[[Evaluation, str], list[tuple[str, str | None]]]:
    """``hits(evaluation, "ISD-7")``: ``(severity, field)`` of each finding of that rule."""

    def run(evaluation: Evaluation, rule: str) -> list[tuple[str, str | None]]:
        return [(f.severity, f.field) for f in evaluation.findings if f.rule == rule]

    return run


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test: a SQLite file, and — when SHAREWISE_TEST_POSTGRES_URL is set —
    the same test again on PostgreSQL, in a schema of its own that is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sharewise.db'}"
        return
    from sqlalchemy import create_engine, text

    from sharewise.core.store.database import database_url as normalise

    base = normalise(os.environ[POSTGRES_VARIABLE])
    schema = f"sw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    """A ``Store`` on a freshly migrated database (SQLite, and PostgreSQL when configured)."""
    from sharewise.core.store import Store
    from sharewise.core.store.migrate import upgrade

    opened = Store(database_url)
    upgrade(opened.engine)
    yield opened
    opened.close()
