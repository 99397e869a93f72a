"""Fixtures for the embedded form tests (issue 7).

The bridge's fixtures (tests/bridge/conftest.py) are reused as they are: ``host_a`` / ``host_b`` (registered
hosts with origins), ``app``, ``client``, ``bridge_state``, ``api``, ``check_error``, ``live_server`` and
``failures``. Mirrored, to keep these many small tests fast: ``make_app`` (the same production-mode app on
this test's database, SQLite and PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set, with compiled templates
shared between apps) and ``store`` (SQLite copied from one database migrated once per session). New:

- ``browser``: a ``webform_helpers.Browser`` (a practitioner's browser on the form) on ``app``.
- ``liverpool_app``: the bridge with the opt-in Liverpool plugin.
- apps share one engine per set of plugins (compiling every form once per test session).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reused_fixtures import conftest_of, fixtures_of
from webform_helpers import Browser

from sharewise.adapters.bridge import app as app_module
from sharewise.adapters.bridge import create_app
from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.store.migrate import upgrade

_bridge = conftest_of("bridge")
# the bridge's fixtures, reused unchanged (pytest registers the fixtures it finds in this module's namespace)
globals().update(
    fixtures_of(
        "bridge",
        "_clean_environment",
        "no_run",
        "host_a",
        "host_b",
        "app",
        "client",
        "bridge_state",
        "api",
        "check_error",
        "live_server",
        "failures",
    )
)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite database to copy for each test (migrating takes longer than copying)."""
    path = tmp_path_factory.mktemp("migrated") / "sharewise.db"
    opened = Store(f"sqlite:///{path}")
    upgrade(opened.engine)
    opened.close()
    return path


@pytest.fixture
def store(database_url: str, _migrated_sqlite: Path) -> Iterator[Store]:
    """As tests/conftest.py's ``store`` (a freshly migrated database: SQLite, and PostgreSQL when configured),
    with SQLite's copied from one migrated once."""
    if database_url.startswith("sqlite:///"):
        shutil.copyfile(_migrated_sqlite, database_url.removeprefix("sqlite:///"))
        opened = Store(database_url)
    else:
        opened = Store(database_url)
        upgrade(opened.engine)
    yield opened
    opened.close()


_ENGINES: dict[tuple[str, ...], Engine] = {}


@pytest.fixture(autouse=True)
def _shared_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Apps share one engine per set of plugins (building one compiles every form)."""
    real = app_module.Engine

    def cached(plugins: Any = ()) -> Engine:
        names = tuple(plugins)
        if not names:
            return engine
        if names not in _ENGINES:
            _ENGINES[names] = real(list(names))
        return _ENGINES[names]

    monkeypatch.setattr(app_module, "Engine", cached)


_COMPILED_TEMPLATES: dict[str, bytes] = {}


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept across the apps of a test session (each app compiles them otherwise)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in _COMPILED_TEMPLATES:
            bucket.bytecode_from_string(_COMPILED_TEMPLATES[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        _COMPILED_TEMPLATES[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture
def make_app(database_url: str, store: Any) -> Iterator[Callable[..., Flask]]:
    """The bridge's ``make_app`` (as in tests/bridge/conftest.py: production mode, its secret key, a high rate
    limit unless overridden), with compiled templates shared between the apps of the test session."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = {
            "database_url": database_url,
            "environment": "production",
            "secret_key": _bridge.SECRET_KEY,
            "rate_limit_per_minute": 10_000,
            **overrides,
        }
        app = create_app(config)
        app.jinja_env.bytecode_cache = _SharedBytecode()
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["sharewise"].store.close()


@pytest.fixture
def liverpool_app(make_app: Callable[..., Flask], host_a: Any, host_b: Any) -> Flask:
    """The bridge with the opt-in Liverpool plugin, both hosts registered."""
    return make_app(plugins=("liverpool",))


@pytest.fixture
def browser(app: Flask) -> Browser:
    """A practitioner's browser on the default app (both hosts registered)."""
    return Browser(app)
