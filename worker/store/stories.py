"""Story assignment in the write transaction, and stories read back.

Each article the commit stores gets a ``story_id``: the story of the recent articles it
reports the same event as (``pipeline.story_group``), else a new one, ``s-`` + its id. It
happens under the writers' lock, like the dedup decision, so two reports of one new event
committed by two workers at the same moment end in one story: the second commit sees the
first's row. A revision keeps its article's story; a duplicate is no article (readers
give it the story of its original). The id is written once and never changes: when an
article joins two stories, the younger is recorded as merged into the older
(``story_merges``) and readers report the survivor.

Each process keeps the window (``INGEST_STORY_WINDOW_HOURS`` of stored articles, by the time
they were written) in memory, loaded from the store: at each commit it reads only the rows
committed since its last look (``seq`` past the last one seen) and drops the old ones, so a
restart or a redelivery loads the same window and decides the same. Articles whose story a
backfill (`ingest reenrich`) wrote after the process loaded their ``seq`` are seen by it
only after a restart.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from worker.core.story import StorySig
from worker.pipeline.story_group import Member, Window
from worker.store.driver import aware, rows_with
from worker.store.schema import articles, story_merges

DEFAULT_WINDOW_HOURS = 72.0


@dataclass
class _Cache:
    window: Window
    last_seq: int = 0
    first_seen: dict[str, datetime] = field(default_factory=dict)


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()


def new_story_id(article_id: str) -> str:
    return f"s-{article_id}"[:120]


def assign(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    sigs: Mapping[str, StorySig | None],
    now: datetime,
    window_hours: float = DEFAULT_WINDOW_HOURS,
) -> None:
    """Set ``story_id``, ``story_vec`` and ``story_evidence`` on the article rows the
    commit is about to insert (rows of ``commit.article_row``), recording merges."""
    if not rows:
        return
    cache = _refreshed(conn, now, window_hours)
    batch = Window(window_hours)
    merged: dict[str, str] = {}
    # One query for the stories of all the articles this batch revises, not one per row.
    inherited = stored_stories(conn, {row["revision_of"] for row in rows if row.get("revision_of")})
    for row in rows:
        sig = sigs.get(row["id"])
        row["story_vec"] = sig.vector if sig is not None else None
        if sig is not None and not sig.evidence.get("at"):  # no date given: when it came in
            sig = StorySig(sig.vector, {**sig.evidence, "at": now.isoformat()})
        row["story_evidence"] = sig.evidence if sig is not None else None
        row["story_id"] = _story_of(conn, row, sig, cache, batch, merged, inherited, now)
        if sig is not None and row["story_id"] is not None:
            batch.add(Member(row["id"], row["story_id"], sig.vector, sig.evidence, now))
            cache.first_seen.setdefault(row["story_id"], now)
    if merged:
        values = [{"merged_id": m, "into_id": i, "merged_at": now} for m, i in merged.items()]
        conn.execute(story_merges.insert(), values)


def _story_of(
    conn: Connection,
    row: dict[str, Any],
    sig: StorySig | None,
    cache: _Cache,
    batch: Window,
    merged: dict[str, str],
    inherited: Mapping[str, str],
    now: datetime,
) -> str | None:
    older = row.get("revision_of")
    if older:  # a revision carries its article's story
        story = member_story(batch, older) or inherited.get(older)
        if story:
            return story
    if sig is None:
        return None
    found = set(cache.window.stories_for(sig.vector, sig.evidence, beside=batch))
    found |= set(batch.stories_for(sig.vector, sig.evidence, beside=cache.window))
    if not found:
        return new_story_id(row["id"])
    survivors = sorted(
        {surviving_story(conn, s, merged) for s in found},
        key=lambda s: (cache.first_seen.get(s, now), s),
    )
    for other in survivors[1:]:
        merged[other] = survivors[0]
    return survivors[0]


def member_story(window: Window, article_id: str) -> str | None:
    return next((m.story_id for m in window.members if m.article_id == article_id), None)


def stored_stories(conn: Connection, article_ids: Iterable[str]) -> dict[str, str]:
    """The story of each of these stored articles that has one."""
    found = rows_with(conn, articles, ("id", "story_id"), "id", set(article_ids))
    return {str(article_id): str(story) for article_id, story in found if story}


def surviving_story(conn: Connection, story: str, pending: dict[str, str]) -> str:
    """The surviving id of ``story`` (merges recorded in the store or in this batch)."""
    seen = {story}
    while True:
        into = pending.get(story)
        if into is None:
            query = select(story_merges.c.into_id).where(story_merges.c.merged_id == story)
            into = conn.execute(query).scalar_one_or_none()
        if into is None or into in seen:
            return story
        seen.add(into)
        story = into


def _refreshed(conn: Connection, now: datetime, window_hours: float) -> _Cache:
    """This process's window, brought up to the last commit (inside the write lock)."""
    cache = _caches.get(conn.engine)
    last = conn.execute(select(func.max(articles.c.seq))).scalar_one_or_none() or 0
    if cache is None or last < cache.last_seq or cache.window.window_hours != window_hours:
        cache = _Cache(Window(window_hours))  # new, or the store was emptied under us
        _caches[conn.engine] = cache
    since = now - timedelta(hours=window_hours)
    if last > cache.last_seq:
        c = articles.c
        query = (
            select(c.id, c.story_id, c.story_vec, c.story_evidence, c.created_at)
            .where(c.seq > cache.last_seq, c.seq <= last, c.created_at >= since)
            .where(c.story_vec.is_not(None), c.story_id.is_not(None))
            .order_by(c.seq)
        )
        for article_id, story, vector, evidence, created in conn.execute(query):
            when = stored_moment(created)
            cache.window.add(Member(article_id, story, bytes(vector), dict(evidence or {}), when))
            cache.first_seen.setdefault(story, when)
        cache.last_seq = last
    cache.window.drop_before(since)
    if len(cache.first_seen) > 4 * max(len(cache.window.members), 1000):
        live = {m.story_id for m in cache.window.members}
        cache.first_seen = {s: t for s, t in cache.first_seen.items() if s in live}
    return cache


def stored_moment(value: datetime | str) -> datetime:
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def forget_windows() -> None:
    """Drop every process-local window (tests; a store rebuilt in place)."""
    _caches.clear()


def survivors(conn: Connection) -> dict[str, str]:
    """Every merged story id -> its surviving id (merges are few: one query)."""
    direct = dict(conn.execute(select(story_merges.c.merged_id, story_merges.c.into_id)).all())
    resolved: dict[str, str] = {}
    for story in direct:
        seen, at = {story}, direct[story]
        while at in direct and direct[at] not in seen:
            seen.add(at)
            at = direct[at]
        resolved[story] = at
    return resolved


def members_of(conn: Connection, story: str) -> list[str]:
    """The stored story ids that are ``story`` (its survivor and every id merged into it)."""
    resolved = survivors(conn)
    final = resolved.get(story, story)
    return sorted({final, *(m for m, into in resolved.items() if into == final)})


def recent(conn: Connection, limit: int = 20, scan: int = 5000) -> list[dict[str, Any]]:
    """The stories of the latest ``scan`` articles that have one, most recently active
    first: id (the survivor), first seen, last seen, languages, articles, a title per
    language (its first report's)."""
    c = articles.c
    query = (
        select(c.story_id, c.created_at, c.language, c.title)
        .where(c.story_id.is_not(None))
        .order_by(c.seq.desc())
        .limit(scan)
    )
    merged = survivors(conn)
    found: dict[str, dict[str, Any]] = {}
    for story, created, language, title in reversed(conn.execute(query).all()):
        when = stored_moment(created)
        entry = found.setdefault(
            merged.get(story, story),
            {"first_seen": when, "last_seen": when, "articles": 0, "titles": {}},
        )
        entry["first_seen"] = min(entry["first_seen"], when)
        entry["last_seen"] = max(entry["last_seen"], when)
        entry["articles"] += 1
        entry["titles"].setdefault(language or "und", title)
    ranked = sorted(found.items(), key=lambda kv: (kv[1]["last_seen"], kv[0]), reverse=True)
    return [
        {
            "id": story,
            "first_seen": e["first_seen"].isoformat(),
            "last_seen": e["last_seen"].isoformat(),
            "languages": sorted(e["titles"]),
            "articles": e["articles"],
            "titles": e["titles"],
        }
        for story, e in ranked[:limit]
    ]
