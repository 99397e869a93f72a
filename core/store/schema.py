"""The tables. Changes go through a new Alembic migration in ``migrations/versions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A time-zone-aware UTC datetime on every database (SQLite stores it without the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes stored by sharewise must be time-zone aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: JSON stored as text on every database: PostgreSQL's JSONB would normalise numbers (-0.0, 1e300),
#: changing the content a record's hash was computed over.
Json = JSON()
metadata = MetaData()

records = Table(
    "records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("form_id", String(100), nullable=False),
    Column("form_version", Integer, nullable=False),
    Column("answers", Json, nullable=False),
    Column("findings", Json, nullable=False),
    Column("acknowledged_warnings", Json, nullable=False),
    Column("outcome", Json, nullable=False),
    Column("plugins", Json, nullable=False),
    Column("author", Json, nullable=False),
    Column("host", String(100), nullable=False),
    Column("context", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("review_required", Boolean, nullable=False),
    Column("retention_class", String(100), nullable=False),
    Column("review_on", Date, nullable=False),
    Column("supersedes", String(36), nullable=True, unique=True),
    Column("amendment_reason", Text, nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("request_hash", String(64), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("created_seq", BigInteger, nullable=False, unique=True),
    Column("disposal", String(20), nullable=True),
    UniqueConstraint("host", "idempotency_key", name="uq_records_host_idempotency_key"),
    Index("ix_records_review_on", "review_on"),
    Index("ix_records_host_created_seq", "host", "created_seq"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("action", String(20), nullable=False),
    Column("record_id", String(36), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_record_id", "record_id"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", String(36), nullable=False),
    Column("reason", Text, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("placed_by", String(200), nullable=False),
    Column("released_at", UTCDateTime, nullable=True),
    Column("released_by", String(200), nullable=True),
    Column("release_reason", Text, nullable=True),
    Index("ix_legal_holds_record_id", "record_id"),
)

retention_reviews = Table(
    "retention_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", String(36), nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=False),
    Column("reviewed_by", String(200), nullable=False),
    Column("keep_until", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_retention_reviews_record_id", "record_id"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("form_id", String(100), nullable=False),
    Column("form_version", Integer, nullable=False),
    Column("answers", Json, nullable=False),
    Column("host", String(100), nullable=False),
    Column("author", Json, nullable=False),
    Column("context", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("resume_key", String(64), nullable=True),
    Index("ix_drafts_expires_at", "expires_at"),
    Index("ix_drafts_host_resume_key", "host", "resume_key"),
)

hosts = Table(
    "hosts",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("origins", Json, nullable=False),
    Column("webhook_url", Text, nullable=True),
    Column("webhook_format", String(40), nullable=False),
    Column("webhook_secret", String(100), nullable=False),
    # after a rotation with an overlap: the secret before it, also signing deliveries until previous_secret_until
    Column("previous_webhook_secret", String(100), nullable=True),
    Column("previous_secret_until", UTCDateTime, nullable=True),
    Column("webhook_disabled_at", UTCDateTime, nullable=True),
    Column("drop_dir", Text, nullable=True),
    Column("api_key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("key_rotated_at", UTCDateTime, nullable=True),
)

launch_codes = Table(
    "launch_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("host", String(100), nullable=False),
    Column("form_id", String(100), nullable=False),
    Column("context", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_launch_codes_expires_at", "expires_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", String(64), nullable=False, unique=True),
    Column("record_id", String(36), nullable=False),
    Column("host", String(100), nullable=False),
    Column("target", String(10), nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)
