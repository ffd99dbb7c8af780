"""Pruning what the store would otherwise keep forever: the payloads of old rejected items,
old ledger rows of duplicates and rejections, and, only when asked, old quarantine entries
and refused broker messages.

Never changed: articles and their dedup keys, ``stored`` and ``pending`` ledger rows, and the
ledger rows of items still in quarantine (not replayed) unless the quarantine is pruned too.
A rejected row whose payload goes keeps its reason, message and the caller's identity
(``external_id``, ``url``, ``title``): what happened to the item can still be looked up.

On SQLite a payload is dropped by deleting the row and inserting it again without it (an
UPDATE would leave its page space unused, see ``_rewrite``); ``compact`` does the same to
every finished ledger row (of any age, unchanged), giving back the space that its pending
payload took in a store written before outcomes replaced pending rows (``ledger``).

The work goes in ranges of the primary key: a read with no lock finds where the next range
of ``batch_size`` rows ends (a walk of the primary-key index, whatever the query planner
thinks of the other conditions), then one short write transaction, under the writers' lock,
changes the matching rows of that range only, checking every condition again (a replay may
have put an item back to pending in between). Each range costs the same however large the
store, and workers commit their batches between two ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    delete,
    exists,
    func,
    insert,
    not_,
    null,
    select,
    true,
    update,
)

from worker.core.models import Status
from worker.store.engine import read_connection, write_transaction
from worker.store.schema import items, quarantine, refused_messages

# (what, rows scanned so far, rows changed so far): called after each range.
Progress = Callable[[str, int, int], None]
TERMINAL = (Status.DUPLICATE.value, Status.REJECTED.value)


@dataclass(frozen=True)
class Plan:
    """What to prune: what finished (or was quarantined, refused) before ``cutoff``."""

    cutoff: datetime | None  # None: prune nothing (compact only)
    rows: bool = False  # delete duplicate and rejected ledger rows, not only the payloads
    quarantine: bool = False  # also quarantine entries (replayed or not) and refused messages
    compact: bool = False  # SQLite: rewrite every finished ledger row (any age), unchanged
    batch_size: int = 5000


@dataclass
class Pruned:
    """How many rows each step changed (or, in a dry run, would change)."""

    counts: dict[str, int] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Step:
    """One kind of pruning: a table, its key, which rows, and what to do with them."""

    name: str
    table: Any
    key: Any
    where: ColumnElement[bool]
    action: str  # DELETE, DROP_PAYLOAD or REWRITE


DELETE, DROP_PAYLOAD, REWRITE = "delete", "drop payload", "rewrite"


def steps(plan: Plan, dialect: str) -> list[Step]:
    """The steps of ``plan``, in order: the quarantine first, so that the ledger rows of the
    entries it removes are then pruned like any other rejected row."""
    found: list[Step] = []
    cutoff = plan.cutoff
    # With --quarantine, entries older than the cutoff go first; a dry run counts as if so.
    spared = _not_quarantined(cutoff if plan.quarantine else None)
    if cutoff is not None:
        if plan.quarantine:
            found.extend(_quarantine_steps(cutoff))
        old = and_(items.c.finished_at.is_not(None), items.c.finished_at < cutoff)
        if plan.rows:
            where = and_(items.c.status.in_(TERMINAL), old, spared)
            found.append(Step("ledger rows deleted", items, items.c.item_key, where, DELETE))
        else:
            rejected = and_(items.c.status == Status.REJECTED.value, items.c.payload.is_not(None))
            where = and_(rejected, old, spared)
            found.append(
                Step("rejected payloads dropped", items, items.c.item_key, where, DROP_PAYLOAD)
            )
    if plan.compact and dialect == "sqlite":  # PostgreSQL: (auto)vacuum does this
        finished = and_(items.c.status != Status.PENDING.value, items.c.finished_at.is_not(None))
        where = and_(finished, spared)
        found.append(Step("ledger rows compacted", items, items.c.item_key, where, REWRITE))
    return found


def _quarantine_steps(cutoff: datetime) -> list[Step]:
    entries = quarantine.c.quarantined_at < cutoff
    refusals = refused_messages.c.received_at < cutoff
    return [
        Step("quarantine entries deleted", quarantine, quarantine.c.id, entries, DELETE),
        Step("refused messages deleted", refused_messages, refused_messages.c.id, refusals, DELETE),
    ]


def _not_quarantined(pruned_before: datetime | None) -> ColumnElement[bool]:
    """The item has no quarantine entry waiting for a replay (none that stays: entries from
    before ``pruned_before`` are pruned)."""
    waiting = (
        select(quarantine.c.id)
        .where(quarantine.c.item_key == items.c.item_key, quarantine.c.replayed_at.is_(None))
        .correlate(items)
    )
    if pruned_before is not None:
        waiting = waiting.where(quarantine.c.quarantined_at >= pruned_before)
    return not_(exists(waiting))


def count(engine: Engine, plan: Plan) -> Pruned:
    """What ``prune`` would change (a dry run): one read per step, no lock taken."""
    result = Pruned()
    with read_connection(engine) as conn:
        for step in steps(plan, engine.dialect.name):
            query = select(func.count()).select_from(step.table).where(step.where)
            result.counts[step.name] = int(conn.execute(query).scalar_one())
    return result


def prune(engine: Engine, plan: Plan, progress: Progress | None = None) -> Pruned:
    """Apply ``plan`` range by range; returns how many rows each step changed."""
    result = Pruned()
    for step in steps(plan, engine.dialect.name):
        result.counts[step.name] = _run_step(engine, step, plan.batch_size, progress)
    return result


def _run_step(engine: Engine, step: Step, size: int, progress: Progress | None) -> int:
    scanned = changed = 0
    last: Any = None
    while True:
        upper, seen = _next_range(engine, step.key, last, size)
        if seen == 0:
            return changed
        in_range = _between(step.key, last, upper)
        with write_transaction(engine) as conn:
            changed += _apply(conn, step, in_range)
        scanned += seen
        if progress is not None:
            progress(step.name, scanned, changed)
        if upper is None:
            return changed
        last = upper


def _next_range(engine: Engine, key: Any, last: Any, size: int) -> tuple[Any, int]:
    """The last key of the next ``size`` rows after ``last`` (None: the range runs to the
    end), and how many rows the range holds."""
    after = key > last if last is not None else true()
    with read_connection(engine) as conn:
        upper = conn.execute(
            select(key).where(after).order_by(key).offset(size - 1).limit(1)
        ).scalar_one_or_none()
        if upper is not None:
            return upper, size
        rest = conn.execute(select(func.count()).where(after).select_from(key.table))
        return None, int(rest.scalar_one())


def _between(key: Any, last: Any, upper: Any) -> ColumnElement[bool]:
    bounds = [key > last] if last is not None else []
    if upper is not None:
        bounds.append(key <= upper)
    return and_(true(), *bounds)


def _apply(conn: Connection, step: Step, in_range: ColumnElement[bool]) -> int:
    where = and_(in_range, step.where)
    if step.action == DELETE:
        return int(conn.execute(delete(step.table).where(where)).rowcount)
    if step.action == REWRITE or conn.dialect.name == "sqlite":
        return _rewrite(conn, where, keep_payload=step.action == REWRITE)
    # null(), not None: None would be written as the JSON value null, not as SQL NULL.
    return int(conn.execute(update(items).where(where).values(payload=null())).rowcount)


def _rewrite(conn: Connection, where: ColumnElement[bool], keep_payload: bool) -> int:
    """Delete the ledger rows and insert them again (without their payload, or as they are).

    SQLite does not rebalance its B-tree after an UPDATE that shrinks a row, and item keys
    only grow: the pages that held the pending payloads would stay nearly empty forever. A
    DELETE rebalances, and the rows go back densely packed; freed pages are reused.
    """
    columns = [c for c in items.columns if keep_payload or c.name != "payload"]
    rows = [dict(row) for row in conn.execute(select(*columns).where(where)).mappings()]
    if not rows:
        return 0
    conn.execute(delete(items).where(where))
    bare = [
        {k: v for k, v in row.items() if k != "payload"} for row in rows if not row.get("payload")
    ]
    full = [row for row in rows if row.get("payload")]
    for group in (bare, full):  # a row without its payload column gets SQL NULL, not JSON null
        if group:
            conn.execute(insert(items), group)
    return len(rows)
