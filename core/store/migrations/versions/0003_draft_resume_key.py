"""Drafts carry a resume key (a hash of form, case and practitioner) so that the host's relaunch finds
its practitioner's draft with one indexed lookup, however many drafts the host has open.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``drafts.resume_key`` and its index."""
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("resume_key", sa.String(64), nullable=True))
    op.create_index("ix_drafts_host_resume_key", "drafts", ["host", "resume_key"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_drafts_host_resume_key", table_name="drafts")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("resume_key")
