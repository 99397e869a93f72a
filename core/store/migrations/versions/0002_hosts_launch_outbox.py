"""Host systems (tenants), launch codes, and the delivery outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the hosts, launch_codes and outbox tables."""
    op.create_table(
        "hosts",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("webhook_url", sa.Text, nullable=True),
        sa.Column("webhook_format", sa.String(40), nullable=False),
        sa.Column("webhook_secret", sa.String(100), nullable=False),
        sa.Column("webhook_disabled_at", WHEN, nullable=True),
        sa.Column("drop_dir", sa.Text, nullable=True),
        sa.Column("api_key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("key_rotated_at", WHEN, nullable=True),
    )
    op.create_table(
        "launch_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
    )
    op.create_index("ix_launch_codes_expires_at", "launch_codes", ["expires_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("webhook_id", sa.String(64), nullable=False, unique=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    """Drop them."""
    for table in ("outbox", "launch_codes", "hosts"):
        op.drop_table(table)
