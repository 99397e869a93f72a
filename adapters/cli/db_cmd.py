"""``sharewise db upgrade|current``: the database schema."""

from __future__ import annotations

import click

from sharewise.adapters.cli.options import open_store
from sharewise.core.store.database import masked
from sharewise.core.store.migrate import current_revision, head_revision, upgrade


@click.group()
def db() -> None:
    """Set up and migrate the database (SQLite file or PostgreSQL)."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Create or migrate the schema to this version of sharewise (safe to run again)."""
    store = open_store()
    before, after = upgrade(store.engine)
    where = masked(store.url)
    if before == after:
        click.echo(f"{where}: already at schema revision {after}")
    else:
        click.echo(f"{where}: migrated from {before or 'an empty database'} to schema revision {after}")


@db.command("current")
def current_command() -> None:
    """Show the database's schema revision and the one this sharewise needs."""
    store = open_store()
    current = current_revision(store.engine) or "none"
    click.echo(f"{masked(store.url)}: schema revision {current} (this sharewise needs {head_revision()})")
