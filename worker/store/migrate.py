"""Schema versions: Alembic migrations applied from code, on the Store's own connection.

Why not ``create_all``: it never alters a table, so a store written by an older release
would fail with "no such column" after an upgrade. Each schema change is a revision under
``migrations/versions``; every starter brings the store to head before its first query.

There is no alembic.ini: the configuration is built here, and ``env.py`` runs on the
connection passed in ``Config.attributes``, inside the caller's transaction (the one holding
the migration lock), so a half-applied migration is never committed on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from worker.store.schema import metadata

MIGRATIONS = Path(__file__).with_name("migrations")
# The schema the code wrote with ``create_all`` before migrations existed.
BASELINE = "0001"
# Alembic's ``context`` and ``op`` are process-wide proxies: two threads migrating two
# different stores at once would share them. The database lock covers one store only.
_ALEMBIC = threading.Lock()

log = logging.getLogger(__name__)


class _QuietSetup(logging.Filter):
    """Drop Alembic's per-context chatter ("Context impl ...") but keep "Running upgrade"."""

    NOISE = ("Context impl", "Will assume")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


logging.getLogger("alembic.runtime.migration").addFilter(_QuietSetup())


@dataclass(frozen=True)
class Migration:
    """What ``upgrade`` did: revision found, revision left (None: no schema)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, in code: the migrations folder and the connection to use."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision the store is at; None when it has no ``alembic_version`` (yet)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> Migration:
    """Bring the store to head; the caller holds the migration lock and commits.

    A store written before migrations (tables but no version) is stamped at the baseline as
    it is, then upgraded: nothing is recreated, no row is lost.
    """
    with _ALEMBIC:
        before = current_revision(conn)
        cfg = config(conn)
        present = set(inspect(conn).get_table_names())
        if before is None and present & set(metadata.tables):
            log.info("store written before schema versions: stamping it at %s", BASELINE)
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")
        _repair(conn)
        after = current_revision(conn)
    if after != before:
        log.info("store schema migrated from %s to %s", before or "nothing", after)
    return Migration(before, after)


def _repair(conn: Connection) -> None:
    """Recreate tables dropped by hand under a version that says they exist.

    The live ``schema.metadata`` is the head schema (a test holds migrations to it), so a
    missing table is created as head has it; existing tables are never touched.
    """
    present = set(inspect(conn).get_table_names())
    missing = [t for t in metadata.sorted_tables if t.name not in present]
    if missing:
        log.warning("store tables missing at head, recreating: %s", [t.name for t in missing])
        metadata.create_all(conn, tables=missing)
