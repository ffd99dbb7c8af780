"""Feed polling: conditional GET, only new or changed entries, backoff for failing feeds.

The decisions (which entries are new, when a feed is polled next) are small pure functions
with the clock passed in; the fetch, the store and the publisher are at the edges. Used by
the ``ingest.poll_feed`` task (beat) and by ``ingest sources --poll``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from worker.core.errors import IngestError, PermanentError, Reason
from worker.core.keys import item_key, new_run_id
from worker.core.models import Found, Kind, RawItem
from worker.core.retry import backoff
from worker.ingest.feed_list import FeedSource, configured_feeds
from worker.pipeline.normalise import canonical_url
from worker.readers.feeds import looks_like_feed, read_feed
from worker.readers.fetch import FetchPolicy, fetch_once
from worker.store.feeds import PollRecord, SourceStore, to_claim

if TYPE_CHECKING:
    from worker.ingest.runtime import Runtime

log = logging.getLogger("worker.ingest.feeds")
_MAX_KEY = 1000


# -- pure decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: str  # "guid:..." or "url:<canonical link>" (or "hash:..." when it has neither)
    found: Found
    version: str = ""  # entry_version of its record; computed from ``found`` when not given

    def __post_init__(self) -> None:
        if not self.version:
            record = self.found.payload.get("record") or {}
            object.__setattr__(self, "version", entry_version(record))


def entry_key(record: dict[str, Any]) -> str:
    """GUID when the feed gives one, else the canonical link, else a hash of the text."""
    guid, link = record.get("id"), record.get("url")
    if guid and guid != link:
        key = f"guid:{guid}"
    elif link:
        key = f"url:{canonical_url(str(link)) or link}"
    else:
        text = f"{record.get('title', '')}\n{record.get('body', '')}"
        key = f"hash:{hashlib.sha256(text.encode()).hexdigest()}"
    if len(key) > _MAX_KEY:
        key = f"hash:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def entry_version(record: Mapping[str, Any]) -> str:
    """What makes a new revision of an entry: its title, text and dates (a hash)."""
    fields = [record.get(f) for f in ("title", "body", "published_at", "updated_at")]
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()


def new_entries(entries: Sequence[Entry], seen: Mapping[str, str | None]) -> list[Entry]:
    """Entries never seen, or seen at another version; first occurrence only (a feed may
    repeat an entry). ``seen``: key -> version enqueued (None: before versions were kept,
    taken as unchanged)."""
    fresh: list[Entry] = []
    taken: set[str] = set()
    for entry in entries:
        if entry.key not in taken:
            taken.add(entry.key)
            if to_claim(seen, entry.key, entry.version):
                fresh.append(entry)
    return fresh


def unversioned(entries: Sequence[Entry], seen: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """(key, version) of the entries seen before versions were kept: their version to record."""
    todo = {e.key: e.version for e in entries if e.key in seen and seen[e.key] is None}
    return list(todo.items())


def backoff_delay(interval: float, failures: int, cap: float) -> float:
    """Seconds to the next poll: the interval, doubled per consecutive failure, capped."""
    if failures <= 0:
        return interval
    return backoff(failures, base=interval, cap=cap, jitter=0)


def next_poll_at(now: datetime, interval: float, failures: int, cap: float) -> datetime:
    return now + timedelta(seconds=backoff_delay(interval, failures, cap))


# -- conditional GET -------------------------------------------------------------------------


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FeedPage:
    url: str
    not_modified: bool
    validators: Validators
    data: bytes = b""
    content_type: str = ""  # the response's header: its charset decodes the feed


def conditional_get(
    client: httpx.Client, url: str, validators: Validators, policy: FetchPolicy
) -> FeedPage:
    """GET with If-None-Match / If-Modified-Since, through the guarded fetcher."""
    page = fetch_once(client, url, policy, validators.headers())
    if page.status == 304:
        return FeedPage(page.url, True, validators)
    return FeedPage(page.url, False, Validators(*page.validators), page.data, page.content_type)


def feed_entries(page: FeedPage, name: str, max_entries: int, fetch_pages: bool) -> list[Entry]:
    """The entries of a fetched feed; HTML or garbage is a PermanentError (a feed status)."""
    if not looks_like_feed(page.data):
        raise PermanentError("the response is not RSS or Atom", reason=Reason.NOT_A_FEED)
    entries: list[Entry] = []
    # Relative entry links are resolved against the URL the feed came from (after redirects).
    for found in read_feed(page.data, page.url, max_entries, page.url, page.content_type):
        if found.kind is Kind.INVALID:
            if found.payload["reason"] not in ("empty_feed", "too_many_entries"):
                raise PermanentError(found.payload["message"], reason=found.payload["reason"])
            continue
        entries.append(_entry(found, f"feed:{name}", fetch_pages))
    return entries


def _entry(found: Found, source: str, fetch_pages: bool) -> Entry:
    record = found.payload["record"]
    key, version = entry_key(record), entry_version(record)
    if fetch_pages and record.get("url"):
        return Entry(key, Found(source, Kind.URL, {"url": record["url"]}), version)
    return Entry(key, Found(source, found.kind, found.payload), version)


# -- one poll ------------------------------------------------------------------------------


@dataclass
class PollContext:
    store: SourceStore
    client: httpx.Client
    policy: FetchPolicy
    publish: Callable[[list[RawItem], str], object]  # Publisher.publish
    new_run_id: Callable[[], str]
    backoff_cap: float


def poll_feed(source: FeedSource, ctx: PollContext, now: datetime) -> PollRecord:
    """Poll one feed, enqueue its new entries, write its state; never raises IngestError."""
    state = ctx.store.feed_state(source.name) or {}
    validators = Validators(state.get("etag"), state.get("last_modified"))
    if state.get("url") not in (None, source.url):
        validators = Validators()
    try:
        record = _fetch_and_enqueue(source, validators, ctx, now)
    except IngestError as exc:
        failures = int(state.get("failures") or 0) + 1
        log.warning("feed %s failed (%d in a row): %s", source.name, failures, exc)
        when = next_poll_at(now, source.interval, failures, ctx.backoff_cap)
        record = PollRecord("error", when, error=f"{exc.reason}: {exc.message}"[:500])
    ctx.store.record_poll(source.name, record, now)
    return record


def _fetch_and_enqueue(
    source: FeedSource, validators: Validators, ctx: PollContext, now: datetime
) -> PollRecord:
    page = conditional_get(ctx.client, source.url, validators, ctx.policy)
    when = next_poll_at(now, source.interval, 0, ctx.backoff_cap)
    if page.not_modified:
        return PollRecord("not_modified", when)
    entries = feed_entries(page, source.name, ctx.policy.max_feed_entries, source.fetch_pages)
    count = enqueue_new(source.name, entries, ctx, now)
    v = page.validators
    return PollRecord("ok", when, etag=v.etag, last_modified=v.last_modified, new_items=count)


def enqueue_new(name: str, entries: Sequence[Entry], ctx: PollContext, now: datetime) -> int:
    """Mark the new and changed entries seen at their version and register them (one
    transaction), then publish them; returns how many were enqueued."""
    seen = ctx.store.seen_keys(name, [e.key for e in entries])
    fresh, adopt = new_entries(entries, seen), unversioned(entries, seen)
    if not fresh and not adopt:
        return 0
    run_id = ctx.new_run_id()
    claims = [
        (e.key, e.version, RawItem.from_found(e.found, item_key(run_id, n), now))
        for n, e in enumerate(fresh)
    ]
    claimed = ctx.store.claim_entries(name, claims, now, adopt)
    if claimed:
        ctx.publish(claimed, run_id)
    return len(claimed)


# -- which feeds, and wiring ---------------------------------------------------------------


def claim_due_feeds(
    sources: Sequence[FeedSource], store: SourceStore, now: datetime, lease: float, slack: float = 0
) -> list[FeedSource]:
    """Feeds due now, each claimed for ``lease`` seconds so that one poller polls it.

    ``slack`` (half a beat tick) counts a feed due a little early: without it, a feed due a
    few milliseconds after a tick would wait for the next one, and an interval equal to the
    tick would become two ticks."""
    by_name = {s.name: s for s in sources}
    due_by = now + timedelta(seconds=slack)
    return [by_name[name] for name in store.claim_due(list(by_name), due_by, lease)]


def poll_lease(policy: FetchPolicy) -> float:
    """Longer than the slowest possible poll: every hop may take the whole timeout."""
    return policy.timeout * (policy.max_redirects + 1) + 30.0


def context_for(runtime: Runtime) -> PollContext:
    """Poll with this process's clients; a failing feed is retried by the schedule, not here."""
    return PollContext(
        store=SourceStore(runtime.store),
        client=runtime.http,
        policy=dataclasses.replace(runtime.fetch_policy, retries=0),
        publish=runtime.publisher.publish,
        new_run_id=new_run_id,
        backoff_cap=runtime.settings.poll_backoff_max,
    )


def poll_now(runtime: Runtime, every: bool) -> list[tuple[FeedSource, PollRecord]]:
    """``ingest sources --poll``: poll the due feeds (``every``: all of them) right here."""
    ctx = context_for(runtime)
    now = datetime.now(UTC)
    feeds = configured_feeds(Path(runtime.settings.sources_file), ctx.store, now)
    if not every:
        feeds = claim_due_feeds(feeds, ctx.store, now, poll_lease(ctx.policy))
    return [(feed, poll_feed(feed, ctx, datetime.now(UTC))) for feed in feeds]


def source_rows(runtime: Runtime) -> list[dict[str, Any]]:
    """Each configured feed with its state (``configured`` False: no longer in the file)."""
    store = SourceStore(runtime.store)
    feeds = configured_feeds(Path(runtime.settings.sources_file), store, datetime.now(UTC))
    names = {f.name for f in feeds}
    return [{**row, "configured": row["name"] in names} for row in store.feed_states()]
