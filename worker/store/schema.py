"""One schema for SQLite and PostgreSQL (SQLAlchemy Core), created automatically.

``items`` is the outcome ledger: one row per accepted item, ``pending`` until its batch
commits. ``dedup_keys`` and ``near_keys`` are the dedup index; they are written in the same
transaction as the articles they point to, so neither can exist without the other.
"""

from __future__ import annotations

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

metadata = MetaData()

# JSONB on PostgreSQL (indexable, compact); plain JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
Stamp = DateTime(timezone=True)

items = Table(
    "items",
    metadata,
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
    Column("accepted_at", Stamp, nullable=False),
    Column("finished_at", Stamp),
    # Kept while pending (to re-enqueue lost work) and for rejected items (to replay them).
    Column("payload", Json),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("source", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("external_id", Text),
    Column("url", Text),
    Column("canonical_url", Text, index=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("published_at", String(40)),  # ISO 8601 as given: keeps the offset, or none
    Column("authors", Json, nullable=False),
    Column("site_name", Text),
    Column("language", String(8)),
    Column("language_confidence", Float),
    Column("declared_language", String(8)),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("near_sig", LargeBinary),
    Column("revision_of", String(120), ForeignKey("articles.id")),
    Column("extra", Json, nullable=False),
    Column("meta", Json, nullable=False),
    Column("enrichment", Json, nullable=False),
    Column("created_at", Stamp, nullable=False),
)

dedup_keys = Table(
    "dedup_keys",
    metadata,
    # "fp:<sha256>" for content, "url:<canonical url>" for the first article at a URL.
    Column("key", Text, primary_key=True),
    Column("article_id", String(120), ForeignKey("articles.id"), nullable=False),
)

near_keys = Table(
    "near_keys",
    metadata,
    Column("band_key", BigInteger, primary_key=True, autoincrement=False),
    Column("article_id", String(120), ForeignKey("articles.id"), primary_key=True),
)

Index("ix_articles_created_at", articles.c.created_at)
