"""Full-text search, a stable export cursor, tombstones of deleted articles.

Revision ID: 0003
Revises: 0002

- articles.seq: commit order, never reused (``counters`` holds the last one handed out),
  backfilled in (created_at, id) order; the cursor of ``ingest export --after``;
- tombstones: the keys (fingerprints, canonical URL, source GUID) of deleted articles;
- full-text search is indexed off the write path (``worker/store/search_index.py``): the
  ``counters`` row 'search' says every article up to that ``seq`` is indexed; a search first
  indexes the articles past it. Left at 0 here: the first search indexes every article;
- SQLite: an FTS5 table over title and body with ``content='articles'`` (external content,
  no second copy of the text) and ``content_rowid='seq'``, filled by the catch-up (no insert
  trigger); triggers on delete (and on an update of title, body or seq, which nothing does
  today) remove an indexed row's entry with its old values and leave unindexed rows alone;
- PostgreSQL: ``ingest_ts_config(language)``, the text search configuration of an ISO 639-1
  code ('simple' when PostgreSQL has none); ``article_search``, per indexed article (its
  ``seq``, deleted with it) the weighted tsvector of title (A) and body (B) in that
  configuration (ranking reads it instead of parsing each matching body again), a GIN
  index on it, and a trigger that replaces an indexed article's tsvector if its text
  changes. Neither is in schema.py: SQLite has no such table.

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

# "Indexed": the row's seq is at or below the 'search' marker (no marker: nothing is).
_INDEXED = "<= (SELECT value FROM counters WHERE name = 'search')"
SQLITE_FTS = [
    # A leftover index (tables dropped by hand, then migrated again) is emptied, never trusted.
    "DROP TABLE IF EXISTS articles_fts",
    *(f"DROP TRIGGER IF EXISTS articles_fts_{t}" for t in ("insert", "delete", "update")),
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, "
    "content='articles', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.seq {_INDEXED} "
    "BEGIN INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    "VALUES ('delete', old.seq, old.title, old.body); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, seq ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    f"SELECT 'delete', old.seq, old.title, old.body WHERE old.seq {_INDEXED}; "
    "INSERT INTO articles_fts(rowid, title, body) "
    f"SELECT new.seq, new.title, new.body WHERE new.seq {_INDEXED}; END",
]


# PostgreSQL: an update of an indexed article's text (nothing does one today: a revision is
# a new article) replaces its tsvector; an unindexed one is left to the catch-up.
PG_UPDATE = [
    "DROP TRIGGER IF EXISTS articles_search_update ON articles",
    "CREATE OR REPLACE FUNCTION ingest_search_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM article_search WHERE seq = OLD.seq; "
    "INSERT INTO article_search (seq, document) SELECT NEW.seq, "
    "setweight(to_tsvector(ingest_ts_config(NEW.language), NEW.title), 'A') || "
    "setweight(to_tsvector(ingest_ts_config(NEW.language), NEW.body), 'B') "
    f"WHERE NEW.seq {_INDEXED}; RETURN NULL; END $$",
    "CREATE TRIGGER articles_search_update AFTER UPDATE OF title, body, language ON articles "
    "FOR EACH ROW EXECUTE FUNCTION ingest_search_update()",
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
    op.execute("INSERT INTO counters (name, value) VALUES ('search', 0)")  # nothing indexed
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
    op.execute("DROP TABLE IF EXISTS article_search")  # a leftover is never trusted
    op.execute(
        "CREATE TABLE article_search (seq bigint PRIMARY KEY "
        "REFERENCES articles (seq) ON DELETE CASCADE, document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_articles_search ON article_search USING gin (document)")
    for statement in PG_UPDATE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS articles_search_update ON articles")
        op.execute("DROP FUNCTION IF EXISTS ingest_search_update()")
        op.execute("DROP TABLE IF EXISTS article_search")
        op.execute("DROP FUNCTION IF EXISTS ingest_ts_config(text)")
    else:
        for trigger in ("delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    op.drop_index("ix_tombstones_request", "tombstones")
    op.drop_index("ix_tombstones_article_id", "tombstones")
    op.drop_table("tombstones")
    op.drop_table("counters")
    op.drop_index("ix_articles_seq", "articles")
    op.drop_column("articles", "seq")
