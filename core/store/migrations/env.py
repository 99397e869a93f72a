"""Alembic environment: runs migrations on the connection sharewise hands over (``sharewise db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sharewise.core.store.schema import metadata

config = context.config


def run() -> None:
    """Run the migrations online, on the given connection or one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as new_connection:
        context.configure(connection=new_connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
