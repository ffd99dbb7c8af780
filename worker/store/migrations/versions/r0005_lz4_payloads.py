"""PostgreSQL: the wide columns are compressed with lz4 instead of pglz.

Revision ID: 0005
Revises: 0004

A value over about 2 kB (an article's body, a ledger row's payload, the enrichment) is
compressed when it is written. With PostgreSQL's default, pglz, that compression was most
of the server's time per inserted ledger row; lz4 does the same work several times faster
and compresses about as well. Only the column setting changes (no table is rewritten):
values written before keep pglz and stay readable. PostgreSQL before 14, or built without
lz4, keeps pglz. Nothing changes on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns whose values are often over the compression threshold.
WIDE = (
    ("items", "payload"),
    ("articles", "body"),
    ("articles", "enrichment"),
    ("articles", "meta"),
    ("articles", "story_evidence"),
    ("quarantine", "payload"),
    ("quarantine", "traceback"),
)


def lz4_available(conn: sa.Connection) -> bool:
    """Whether the server can compress with lz4 (PostgreSQL 14 or later, built with it)."""
    found = conn.execute(
        sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar_one_or_none()
    return bool(found)


def _set(method: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not lz4_available(conn):
        return
    for table, column in WIDE:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
