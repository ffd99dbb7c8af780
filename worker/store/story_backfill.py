"""Stories for stored articles that have none (stored with enrichment off): ``ingest reenrich``.

The decision is the commit's (``pipeline.story_group``, merges as in ``store.stories``), taken
under the same writers' lock, in the write transaction of the page's new enrichment. Each
article is read again under the lock and left alone if it has a story by then (another
worker's message, a redelivery, a second run): a story is written once, and two backfills
at the same moment decide one after the other on what the first wrote.

The window is read from the store inside that transaction, not from the process's cache:
the articles with a story stored within ``INGEST_STORY_WINDOW_HOURS`` either side of the
page's articles (a backfilled article may be older than reports that already have a story),
plus the page's articles as they get theirs, in commit order (``seq``). A revision takes
the story of its article, or of a revision of it that has one. An article without a date
is dated by when it was stored, as the commit dates it by when it stores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from worker.core.story import StorySig
from worker.pipeline.story_group import Member, Window
from worker.store.schema import articles, story_merges
from worker.store.stories import (
    member_story,
    new_story_id,
    stored_moment,
    stored_stories,
    surviving_story,
)

_NEVER = datetime.max.replace(tzinfo=UTC)


def backfill(
    conn: Connection, sigs: Mapping[str, StorySig], now: datetime, window_hours: float
) -> int:
    """Give each article of ``sigs`` (article id -> signature) that still has no story one,
    inside the caller's write transaction; returns how many were written."""
    if not sigs:
        return 0
    c = articles.c
    query = (
        select(c.id, c.created_at, c.revision_of)
        .where(c.id.in_(list(sigs)), c.story_id.is_(None))
        .order_by(c.seq)
    )
    rows = [(i, stored_moment(created), older) for i, created, older in conn.execute(query)]
    if not rows:
        return 0
    times = [when for _, when, _ in rows]  # commit order is not always storage-time order
    span = timedelta(hours=window_hours)
    window, first_seen = _load(conn, min(times) - span, max(times) + span, window_hours)
    merged: dict[str, str] = {}
    values: list[dict[str, Any]] = []
    for article_id, when, older in rows:
        sig = sigs[article_id]
        if not sig.evidence.get("at"):
            sig = StorySig(sig.vector, {**sig.evidence, "at": when.isoformat()})
        story = _inherited(conn, window, article_id, older) or _joined(
            conn, sig, window, first_seen, merged, article_id
        )
        window.add(Member(article_id, story, sig.vector, sig.evidence, when))
        first_seen[story] = min(first_seen.get(story, when), when)
        values.append(
            {"a_id": article_id, "s_id": story, "s_vec": sig.vector, "s_ev": sig.evidence}
        )
    statement = (
        update(articles)
        .where(c.id == bindparam("a_id"), c.story_id.is_(None))
        .values(
            story_id=bindparam("s_id"),
            story_vec=bindparam("s_vec"),
            story_evidence=bindparam("s_ev"),
        )
    )
    conn.execute(statement, values)
    if merged:
        conn.execute(
            story_merges.insert(),
            [{"merged_id": m, "into_id": i, "merged_at": now} for m, i in merged.items()],
        )
    return len(values)


def _load(
    conn: Connection, low: datetime, high: datetime, window_hours: float
) -> tuple[Window, dict[str, datetime]]:
    """The stored articles with a story, stored between ``low`` and ``high``."""
    c = articles.c
    query = (
        select(c.id, c.story_id, c.story_vec, c.story_evidence, c.created_at)
        .where(c.created_at >= low, c.created_at <= high)
        .where(c.story_vec.is_not(None), c.story_id.is_not(None))
        .order_by(c.seq)
    )
    window = Window(window_hours)
    first_seen: dict[str, datetime] = {}
    for article_id, story, vector, evidence, created in conn.execute(query):
        when = stored_moment(created)
        window.add(Member(article_id, story, bytes(vector), dict(evidence or {}), when))
        first_seen[story] = min(first_seen.get(story, when), when)
    return window, first_seen


def _inherited(conn: Connection, window: Window, article_id: str, older: str | None) -> str | None:
    """The story of the article this one revises, else of a revision of this one."""
    if older:
        found = member_story(window, older) or stored_stories(conn, [older]).get(older)
        if found:
            return found
    c = articles.c
    query = select(c.story_id).where(c.revision_of == article_id, c.story_id.is_not(None))
    newer = conn.execute(query.order_by(c.seq).limit(1)).scalar_one_or_none()
    return str(newer) if newer else None


def _joined(
    conn: Connection,
    sig: StorySig,
    window: Window,
    first_seen: dict[str, datetime],
    merged: dict[str, str],
    article_id: str,
) -> str:
    """The story the article joins (the oldest, the others merged into it), or a new one."""
    found = window.stories_for(sig.vector, sig.evidence)
    if not found:
        return new_story_id(article_id)
    finals = {surviving_story(conn, s, merged) for s in found}
    if len(finals) > 1:
        first_seen.update(_first_seen(conn, finals))
    survivors = sorted(finals, key=lambda s: (first_seen.get(s, _NEVER), s))
    for other in survivors[1:]:
        merged[other] = survivors[0]
    return survivors[0]


def _first_seen(conn: Connection, stories: set[str]) -> dict[str, datetime]:
    """When each story's first stored article was written (ids merged into it count)."""
    c = articles.c
    merged_in = select(story_merges.c.merged_id, story_merges.c.into_id).where(
        story_merges.c.into_id.in_(list(stories))
    )
    owner = {s: s for s in stories} | dict(conn.execute(merged_in).all())
    query = (
        select(c.story_id, func.min(c.created_at))
        .where(c.story_id.in_(list(owner)))
        .group_by(c.story_id)
    )
    found: dict[str, datetime] = {}
    for story, created in conn.execute(query):
        final, when = owner[story], stored_moment(created)
        found[final] = min(found.get(final, when), when)
    return found
