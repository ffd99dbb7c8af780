"""Caller identity on every outcome, current revisions, quarantine tracebacks.

Revision ID: 0002
Revises: 0001

- items: external_id, url, title, so a duplicate or rejected outcome names what was sent;
- articles: loose_fingerprint (trivial differences do not count), an index on external_id
  (an article by its GUID), superseded_by (the newer revision; NULL: current), similar_to
  (a longer text stored at another URL links to the shorter it contains), published_at as
  TEXT (an ISO timestamp with fractional seconds in its offset is longer than 40 characters);
- quarantine: traceback;
- seen_entries: version (a feed entry whose content or date changed is enqueued again).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name in ("external_id", "url", "title"):
        op.add_column("items", sa.Column(name, sa.Text()))
    op.add_column("articles", sa.Column("superseded_by", sa.String(120)))
    op.add_column("articles", sa.Column("similar_to", sa.String(120)))
    op.add_column("articles", sa.Column("loose_fingerprint", sa.String(64)))
    op.create_index("ix_articles_external_id", "articles", ["external_id"])
    op.add_column("quarantine", sa.Column("traceback", sa.Text()))
    op.add_column("seen_entries", sa.Column("version", sa.String(64)))
    if op.get_bind().dialect.name == "postgresql":  # SQLite never enforced the length
        op.alter_column("articles", "published_at", type_=sa.Text())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("articles", "published_at", type_=sa.String(40))
    op.drop_column("seen_entries", "version")
    op.drop_column("quarantine", "traceback")
    op.drop_index("ix_articles_external_id", "articles")
    op.drop_column("articles", "loose_fingerprint")
    op.drop_column("articles", "similar_to")
    op.drop_column("articles", "superseded_by")
    for name in ("title", "url", "external_id"):
        op.drop_column("items", name)
