"""Records, the audit log and its head, legal holds, retention reviews and drafts.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
#: Plain JSON (text) everywhere: JSONB would normalise numbers and so change hashed content.
JSON = sa.JSON()
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables, seed the audit head, and make the audit log append-only."""
    op.create_table(
        "records",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.Integer, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("acknowledged_warnings", JSON, nullable=False),
        sa.Column("outcome", JSON, nullable=False),
        sa.Column("plugins", JSON, nullable=False),
        sa.Column("author", JSON, nullable=False),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("review_required", sa.Boolean, nullable=False),
        sa.Column("retention_class", sa.String(100), nullable=False),
        sa.Column("review_on", sa.Date, nullable=False),
        sa.Column("supersedes", sa.String(36), nullable=True, unique=True),
        sa.Column("amendment_reason", sa.Text, nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("disposal", sa.String(20), nullable=True),
        sa.UniqueConstraint("host", "idempotency_key", name="uq_records_host_idempotency_key"),
    )
    op.create_index("ix_records_review_on", "records", ["review_on"])
    op.create_index("ix_records_host_created_seq", "records", ["host", "created_seq"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_record_id", "audit_log", ["record_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("placed_at", WHEN, nullable=False),
        sa.Column("placed_by", sa.String(200), nullable=False),
        sa.Column("released_at", WHEN, nullable=True),
        sa.Column("released_by", sa.String(200), nullable=True),
        sa.Column("release_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_legal_holds_record_id", "legal_holds", ["record_id"])
    op.create_table(
        "retention_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("reviewed_at", WHEN, nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("keep_until", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_retention_reviews_record_id", "retention_reviews", ["record_id"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.Integer, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("author", JSON, nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )
    op.create_index("ix_drafts_expires_at", "drafts", ["expires_at"])
    _append_only("audit_log")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself (defence in depth: the hash
    chain still detects changes made by someone who drops the trigger)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the {table} table is append-only';
            END $$;
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the {table} table is append-only'); END"
            )


def downgrade() -> None:
    """Drop everything this revision created."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("drafts", "retention_reviews", "legal_holds", "audit_head", "audit_log", "records"):
        op.drop_table(table)
