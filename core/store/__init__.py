"""Storage for decision records, drafts, holds and the audit log (SQLAlchemy 2).

Embedded default: a SQLite file in the working directory (WAL). Production: PostgreSQL through
``SHAREWISE_DATABASE_URL``. The schema is managed with Alembic (``sharewise db upgrade``).
This subpackage is the only part of ``sharewise.core`` that imports SQLAlchemy; importing
``sharewise.core`` alone does not load it.
"""

from sharewise.core.store.database import StoreError, database_url
from sharewise.core.store.store import Store

__all__ = ["Store", "StoreError", "database_url"]
