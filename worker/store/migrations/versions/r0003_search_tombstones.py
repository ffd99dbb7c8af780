"""Full-text search, a stable export cursor, tombstones of deleted articles.

Revision ID: 0003
Revises: 0002

- articles.seq: commit order, never reused (``counters`` holds the last one handed out),
  backfilled in (created_at, id) order; the cursor of ``ingest export --after``;
- tombstones: the keys (fingerprints, canonical URL, source GUID) of deleted articles;
- SQLite: an FTS5 table over title and body with ``content='articles'`` (external content,
  no second copy of the text) and ``content_rowid='seq'``, kept in step by triggers, built
  from the existing rows here;
- PostgreSQL: ``ingest_ts_config(language)``, the text search configuration of an ISO 639-1
  code ('simple' when PostgreSQL has none); articles.search_vector, the weighted tsvector of
  title (A) and body (B) in that configuration (a stored generated column: ranking reads it
  instead of parsing each matching body again), and a GIN index on it. Neither is in
  schema.py: SQLite has no such column.

The SQL is frozen here, not imported: a later change is a later revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ISO 639-1 -> PostgreSQL's built-in text search configurations (those it lacks are left out).
PG_CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

PG_DOCUMENT = (
    "(setweight(to_tsvector(ingest_ts_config(language), title), 'A') || "
    "setweight(to_tsvector(ingest_ts_config(language), body), 'B'))"
)

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, body, "
    "content='articles', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.seq, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    "VALUES ('delete', old.seq, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, body, seq "
    "ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    "VALUES ('delete', old.seq, old.title, old.body); "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.seq, new.title, new.body); END",
    # A leftover index (tables dropped by hand, then migrated again) is rebuilt, never trusted.
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.add_column("articles", sa.Column("seq", sa.BigInteger()))
    op.execute(
        "UPDATE articles SET seq = r.n FROM (SELECT id, row_number() OVER "
        "(ORDER BY created_at, id) AS n FROM articles) AS r WHERE r.id = articles.id"
    )
    op.create_index("ix_articles_seq", "articles", ["seq"], unique=True)
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO counters (name, value) SELECT 'articles', coalesce(max(seq), 0) FROM articles"
    )
    op.create_table(
        "tombstones",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("article_id", sa.String(120), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_tombstones_article_id", "tombstones", ["article_id"])
    op.create_index("ix_tombstones_request", "tombstones", ["request"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_search()
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def _postgresql_search() -> None:
    present = set(op.get_bind().exec_driver_sql("SELECT cfgname FROM pg_ts_config").scalars())
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'::regconfig"
        for code, name in PG_CONFIGS.items()
        if name in present
    )
    # Constants only inside: the function is IMMUTABLE for real, so it may index.
    op.execute(
        "CREATE OR REPLACE FUNCTION ingest_ts_config(lang text) RETURNS regconfig "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE lower(lang) {cases} "
        "ELSE 'simple'::regconfig END $$"
    )
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"({PG_DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP FUNCTION IF EXISTS ingest_ts_config(text)")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    op.drop_index("ix_tombstones_request", "tombstones")
    op.drop_index("ix_tombstones_article_id", "tombstones")
    op.drop_table("tombstones")
    op.drop_table("counters")
    op.drop_index("ix_articles_seq", "articles")
    op.drop_column("articles", "seq")
