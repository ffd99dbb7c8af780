"""Baseline: the schema as ``create_all`` wrote it before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

A FROZEN copy of worker/store/schema.py at that point, never to be edited: stores written by
the earlier code are stamped at this revision as they are, and later changes are new
revisions on top. Hence its own MetaData, not the live one.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    baseline().create_all(op.get_bind())


def downgrade() -> None:
    baseline().drop_all(op.get_bind())


def baseline() -> MetaData:
    """The nine tables and their indexes, exactly as revision 0001 has them."""
    md = MetaData()
    json = JSON().with_variant(JSONB(), "postgresql")
    stamp = DateTime(timezone=True)
    Table(
        "items", md,
        Column("item_key", String(120), primary_key=True),
        Column("run_id", String(64), nullable=False, index=True),
        Column("source", Text, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("status", String(16), nullable=False, index=True),
        Column("article_id", String(120)),
        Column("duplicate_of", String(120)),
        Column("similarity", Float),
        Column("method", String(16)),
        Column("revision_of", String(120)),
        Column("reason", String(64)),
        Column("message", Text),
        Column("attempts", Integer, nullable=False, default=0),
        Column("accepted_at", stamp, nullable=False),
        Column("finished_at", stamp),
        Column("payload", json),
    )  # fmt: skip
    articles = Table(
        "articles", md,
        Column("id", String(120), primary_key=True),
        Column("source", Text, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("external_id", Text),
        Column("url", Text),
        Column("canonical_url", Text, index=True),
        Column("title", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("published_at", String(40)),
        Column("authors", json, nullable=False),
        Column("site_name", Text),
        Column("language", String(8)),
        Column("language_confidence", Float),
        Column("declared_language", String(8)),
        Column("fingerprint", String(64), nullable=False, unique=True),
        Column("near_sig", LargeBinary),
        Column("revision_of", String(120), ForeignKey("articles.id")),
        Column("extra", json, nullable=False),
        Column("meta", json, nullable=False),
        Column("enrichment", json, nullable=False),
        Column("created_at", stamp, nullable=False),
    )  # fmt: skip
    Index("ix_articles_created_at", articles.c.created_at)
    Table(
        "dedup_keys", md,
        Column("key", Text, primary_key=True),
        Column("article_id", String(120), ForeignKey("articles.id"), nullable=False),
        sqlite_with_rowid=False,
    )  # fmt: skip
    Table(
        "near_keys", md,
        Column("band_key", BigInteger, primary_key=True, autoincrement=False),
        Column("article_id", String(120), ForeignKey("articles.id"), primary_key=True),
        sqlite_with_rowid=False,
    )  # fmt: skip
    Table(
        "quarantine", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("item_key", String(120), nullable=False, unique=True),
        Column("payload", json, nullable=False),
        Column("error_class", String(120), nullable=False),
        Column("message", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("quarantined_at", stamp, nullable=False),
        Column("replayed_at", stamp),
    )  # fmt: skip
    Table(
        "refused_messages", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("content_type", String(120)),
        Column("reason", Text, nullable=False),
        Column("headers", json),
        Column("body_head", Text),
        Column("received_at", stamp, nullable=False),
    )  # fmt: skip
    Table(
        "feed_sources", md,
        Column("name", String(200), primary_key=True),
        Column("url", Text, nullable=False),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("status", String(32), nullable=False, default="new"),
        Column("last_error", Text),
        Column("failures", Integer, nullable=False, default=0),
        Column("polls", Integer, nullable=False, default=0),
        Column("items_found", Integer, nullable=False, default=0),
        Column("last_poll_at", stamp),
        Column("last_success_at", stamp),
        Column("next_poll_at", stamp),
    )  # fmt: skip
    Table(
        "seen_entries", md,
        Column("source", String(200), primary_key=True),
        Column("entry_key", String(2000), primary_key=True),
        Column("item_key", String(120), nullable=False),
        Column("seen_at", stamp, nullable=False),
    )  # fmt: skip
    Table(
        "watched_files", md,
        Column("path", String(2000), primary_key=True),
        Column("size", BigInteger, nullable=False),
        Column("mtime_ns", BigInteger, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("run_id", String(64), nullable=False),
        Column("items", Integer, nullable=False),
        Column("seen_at", stamp, nullable=False),
    )  # fmt: skip
    return md
