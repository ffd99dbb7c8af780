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
    # What the caller sent, so that every outcome (duplicate, rejected) can be mapped back.
    Column("external_id", Text),
    Column("url", Text),
    Column("title", Text),
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
    Column("published_at", Text),  # ISO 8601 as given: keeps the offset, or none
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
    # The newer revision of this article (NULL: this is the current one).
    Column("superseded_by", String(120)),
    # A longer text stored at another URL links to the shorter one it contains.
    Column("similar_to", String(120)),
    # No longer written: the loose fingerprint is computed from the body where needed
    # (pipeline/dedup.py). Kept so that stores migrated through r0002 need no table rewrite.
    Column("loose_fingerprint", String(64)),
    # Commit order, never reused (``counters``): export's cursor, the full-text row id.
    Column("seq", BigInteger),
    # The story of this report (see store/stories.py); written once. NULL: not enriched.
    Column("story_id", String(120)),
    Column("story_vec", LargeBinary),  # title and lead embedded, float16
    Column("story_evidence", Json),  # names, numbers, place, moment, title, language
)

story_merges = Table(
    "story_merges",
    metadata,
    # Two stories found to be one: readers report ``into_id`` for ``merged_id``.
    Column("merged_id", String(120), primary_key=True),
    Column("into_id", String(120), nullable=False, index=True),
    Column("merged_at", Stamp, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    # The last number handed out per sequence ("articles": articles.seq), under the write lock.
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

tombstones = Table(
    "tombstones",
    metadata,
    # What `ingest delete` removed, by the keys that would let it back in: "fp:", "loose:",
    # "url:" and "id:" (as dedup_keys). The commit rejects an article holding one (`deleted`).
    Column("key", Text, primary_key=True),
    Column("article_id", String(120), nullable=False, index=True),
    Column("request", Text, nullable=False, index=True),  # the ID or URL given to delete
    Column("title", Text),
    Column("deleted_at", Stamp, nullable=False),
    sqlite_with_rowid=False,
)

dedup_keys = Table(
    "dedup_keys",
    metadata,
    # "fp:<sha256>" for content, "url:<canonical url>" for the first article at a URL.
    Column("key", Text, primary_key=True),
    # No foreign key (revision 0006; SQLite keeps its own): written and deleted only with
    # the article, and the check cost a lookup per row inside the writers' lock.
    Column("article_id", String(120), nullable=False),
    sqlite_with_rowid=False,
)

near_keys = Table(
    "near_keys",
    metadata,
    Column("band_key", BigInteger, primary_key=True, autoincrement=False),
    Column("article_id", String(120), primary_key=True),  # no foreign key, as dedup_keys
    # The primary key is the whole row: without a rowid SQLite keeps one B-tree, not two
    # (half the index bytes per article, measured by bench/dedup.py).
    sqlite_with_rowid=False,
)

quarantine = Table(
    "quarantine",
    metadata,
    # One row per item that failed for a reason other than bad input (a bug, retries run
    # out); ``ingest quarantine replay`` sends it through the normal path again.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_key", String(120), nullable=False, unique=True),
    Column("payload", Json, nullable=False),
    Column("error_class", String(120), nullable=False),
    Column("message", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("quarantined_at", Stamp, nullable=False),
    Column("replayed_at", Stamp),
    Column("traceback", Text),
)

refused_messages = Table(
    "refused_messages",
    metadata,
    # Broker messages the worker would not decode (pickle, unknown content type).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_type", String(120)),
    Column("reason", Text, nullable=False),
    Column("headers", Json),
    Column("body_head", Text),
    Column("received_at", Stamp, nullable=False),
)

feed_sources = Table(
    "feed_sources",
    metadata,
    # Per-feed polling state (config/sources.toml names the feeds; this is what we learnt).
    Column("name", String(200), primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("status", String(32), nullable=False, default="new"),  # ok, not_modified, error
    Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),  # consecutive
    Column("polls", Integer, nullable=False, default=0),
    Column("items_found", Integer, nullable=False, default=0),  # new entries, all polls
    Column("last_poll_at", Stamp),
    Column("last_success_at", Stamp),
    Column("next_poll_at", Stamp),  # due time; also the lease of a poll in progress
)

seen_entries = Table(
    "seen_entries",
    metadata,
    # Feed entries already enqueued, by GUID or canonical link: never enqueued again.
    Column("source", String(200), primary_key=True),
    Column("entry_key", String(2000), primary_key=True),
    Column("item_key", String(120), nullable=False),
    Column("seen_at", Stamp, nullable=False),
    # Hash of the entry's content and dates when enqueued: a change enqueues it again.
    Column("version", String(64)),
)

watched_files = Table(
    "watched_files",
    metadata,
    # Files `ingest watch` has enqueued: same path, size and mtime (or same SHA-256) is done.
    Column("path", String(2000), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("items", Integer, nullable=False),
    Column("seen_at", Stamp, nullable=False),
)

Index("ix_articles_created_at", articles.c.created_at)
Index("ix_articles_external_id", articles.c.external_id)
Index("ix_articles_seq", articles.c.seq, unique=True)
Index("ix_articles_story_id", articles.c.story_id)
