"""``GET /events``: newly stored articles as Server-Sent Events, one per article.

Each event is ``event: article``, ``id:`` the article's ``seq`` (the cursor of
``export --after``), ``data:`` its record as JSON. The stream starts past the cursor in the
``Last-Event-ID`` header (what a browser's EventSource sends when it reconnects), else past
the ``cursor`` query parameter, else at the newest article (only what comes next). It polls
the store every INGEST_API_POLL_INTERVAL seconds (pages of ``PAGE`` articles, at once while
there are more), sends a comment after INGEST_API_HEARTBEAT seconds of silence, and ends
when the client goes away (the framework cancels it) or the server stops (``stopping``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from worker.store import Store
from worker.store.reports import Filters

PAGE = 100  # articles read per poll
NEWEST = 2**63 - 1  # a cursor above every article: export before it gives the newest
RETRY_MS = 3000  # how long a browser waits before it reconnects


@dataclass
class Streams:
    """The open event streams, and the flag that ends them when the server stops."""

    poll_interval: float
    heartbeat: float
    limit: int = 100  # open streams at most
    stopping: threading.Event = field(default_factory=threading.Event)
    open: int = 0


def newest_seq(store: Store) -> int:
    """The ``seq`` of the newest stored article (0: none yet)."""
    rows = list(store.export("stored", where=Filters(before=NEWEST, limit=1)))
    return int(rows[0]["seq"]) if rows else 0


def start_cursor(last_event_id: str | None, cursor: int | None) -> int | None:
    """Where a stream resumes: Last-Event-ID wins (a reconnect), then ``cursor``."""
    if last_event_id is None or not last_event_id.strip():
        return cursor
    if not last_event_id.strip().isdigit():
        raise HTTPException(400, "Last-Event-ID must be an article cursor (a whole number)")
    return int(last_event_id)


def router(store: Store, streams: Streams, guard: Any) -> APIRouter:
    routes = APIRouter(dependencies=[Depends(guard)])

    async def resume_point(
        cursor: Annotated[
            int | None, Query(ge=0, description="Start past this cursor (0: from the first).")
        ] = None,
        last_event_id: Annotated[
            str | None, Header(max_length=20, description="Resume past this id (it wins).")
        ] = None,
    ) -> int:
        # A dependency, so that its errors are answers: once the stream has begun, the
        # status line (200) is gone.
        start = start_cursor(last_event_id, cursor)
        if streams.open >= streams.limit:
            raise HTTPException(503, "too many open event streams; try again later")
        return start if start is not None else await run_in_threadpool(newest_seq, store)

    @routes.get("/events", response_class=EventSourceResponse, tags=["articles"])
    # A default, not Annotated[...]: the annotation is a string that cannot name a closure.
    async def events(start: int = Depends(resume_point)) -> AsyncIterator[ServerSentEvent]:
        """Newly stored articles as Server-Sent Events (`event: article`, `id:` its cursor),
        past Last-Event-ID, else `cursor`, else the newest article; heartbeat comments while
        nothing comes."""
        streams.open += 1
        try:
            async for event in _follow(store, streams, start):
                yield event
        finally:
            streams.open -= 1

    return routes


async def _follow(store: Store, streams: Streams, cursor: int) -> AsyncIterator[ServerSentEvent]:
    yield ServerSentEvent(comment=f"following past cursor {cursor}", retry=RETRY_MS)
    quiet_since = time.monotonic()
    while not streams.stopping.is_set():
        rows = await run_in_threadpool(_page, store, cursor)
        for row in rows:
            cursor = int(row["seq"])
            yield ServerSentEvent(data=row, event="article", id=str(cursor))
        now = time.monotonic()
        if rows:
            quiet_since = now
            if len(rows) == PAGE:
                continue  # more are waiting: no pause
        elif now - quiet_since >= streams.heartbeat:
            yield ServerSentEvent(comment="heartbeat")
            quiet_since = now
        await _pause(streams)


def _page(store: Store, cursor: int) -> list[dict[str, Any]]:
    return list(store.export("stored", where=Filters(after=cursor, limit=PAGE)))


async def _pause(streams: Streams) -> None:
    """Sleep one poll interval, in short steps, so that a stopping server is not kept."""
    deadline = time.monotonic() + streams.poll_interval
    while not streams.stopping.is_set() and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.1))
