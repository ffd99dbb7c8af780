"""PostgreSQL: the dedup index's rows (``near_keys``, ``dedup_keys``) lose their foreign keys.

Revision ID: 0006
Revises: 0005

Every article writes about 40 band keys and a few dedup keys; PostgreSQL checked each of
those rows against ``articles`` with a trigger (a lookup and a row lock per row), inside the
writers' lock that serialises all commits. The rows are only ever written in the same
transaction as their article and deleted with it (``tombstones.bury``), so the check guarded
nothing the code does not already guarantee; a test checks that no key outlives its article.

SQLite keeps the constraints: removing one means copying the whole table (40 rows per
article), and its checks are in-process B-tree lookups that cost far less.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("near_keys", "dedup_keys")


def _foreign_keys(conn: sa.Connection, table: str) -> list[str]:
    query = sa.text(
        "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"
    )
    return list(conn.execute(query, {"t": table}).scalars())


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in TABLES:
        for name in _foreign_keys(conn, table):
            op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for table in TABLES:
        if not _foreign_keys(conn, table):
            op.create_foreign_key(None, table, "articles", ["article_id"], ["id"])
