"""Schema migrations with Alembic, run programmatically (``sharewise db upgrade``)."""

from __future__ import annotations

from importlib.resources import as_file, files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from sharewise.core.store.database import StoreError, masked, translated_errors


def _config() -> Config:
    config = Config()
    with as_file(files("sharewise.core.store") / "migrations") as location:
        config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str:
    """The newest schema revision this version of sharewise knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (``None`` when it has never been migrated)."""
    with translated_errors(str(engine.url)), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, to: str = "head") -> tuple[str | None, str]:
    """Bring the schema up to date (or up to revision ``to``); return ``(revision before, revision after)``."""
    before = current_revision(engine)
    config = _config()
    with translated_errors(str(engine.url)), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, to)
    return before, current_revision(engine) or ""


def require_current(engine: Engine, *, create_sqlite: bool = True) -> None:
    """Refuse to work on a database whose schema is not this version's; an empty SQLite file
    (the embedded default) is set up on first use."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None and create_sqlite and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    state = "is not set up" if current is None else f"is at schema revision {current}, this sharewise needs {head}"
    raise StoreError(f"the database {masked(str(engine.url))} {state}: run `sharewise db upgrade`")
