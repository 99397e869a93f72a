"""A host keeps its previous webhook secret for an overlap after a rotation: deliveries are signed with
both until then (Standard Webhooks allows several signatures), so the host can switch without refusing any.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``hosts.previous_webhook_secret`` and ``hosts.previous_secret_until``."""
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("previous_webhook_secret", sa.String(100), nullable=True))
        batch.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("hosts") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_webhook_secret")
