"""Stories: one ``story_id`` for every report of the same event, in any language.

Revision ID: 0004
Revises: 0003

- articles.story_id (indexed): the story the commit assigned (NULL: stored with enrichment
  off; `ingest reenrich` fills it in). Written once, never changed;
- articles.story_vec: the title and lead embedded (512 float16 values), and
  articles.story_evidence: names, numbers, dateline place, moment, title, language (JSON);
  the commit's window of recent articles is loaded from them;
- story_merges: a story found to be another (merged_id -> into_id); readers report the
  surviving id.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("articles", sa.Column("story_id", sa.String(120)))
    op.add_column("articles", sa.Column("story_vec", sa.LargeBinary()))
    op.add_column("articles", sa.Column("story_evidence", Json))
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_table(
        "story_merges",
        sa.Column("merged_id", sa.String(120), primary_key=True),
        sa.Column("into_id", sa.String(120), nullable=False, index=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_merges")
    op.drop_index("ix_articles_story_id", "articles")
    op.drop_column("articles", "story_evidence")
    op.drop_column("articles", "story_vec")
    op.drop_column("articles", "story_id")
