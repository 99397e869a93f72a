"""Alembic migrations for the sharewise schema (run with ``sharewise db upgrade``)."""
