"""The producer: read inputs, number the items, record them as accepted, publish batches.

Items are written to the outcome ledger (``pending``) *before* they are published, so an
item can never be on the queue without the store knowing it exists. Publishing goes through
a ``send(task_name, bodies)`` callable: Celery in production, a list in tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from worker.core import fastjson
from worker.core.batches import batched, sized
from worker.core.errors import IngestError
from worker.core.keys import item_key
from worker.core.messages import FETCH_TASK, PROCESS_TASK
from worker.core.models import Found, Kind, RawItem
from worker.core.settings import Settings
from worker.readers.files import FEED_SUFFIXES, JSONL_SUFFIXES, Limits, iter_inputs
from worker.readers.paths import open_regular, regular_target
from worker.store import Store

Send = Callable[[str, list[Any]], None]  # send(task name, message bodies)
FETCH_BATCH = 10  # URLs per fetch message: fetches are slow, spread them over the pool
REGISTER_MESSAGES = 10  # messages' worth of items registered per store transaction


def number_items(found: Iterable[Found], run_id: str, now: datetime) -> Iterator[RawItem]:
    """Stable item keys: the run id and the position in the input."""
    for seq, f in enumerate(found):
        yield RawItem.from_found(f, item_key(run_id, seq), now)


def limits(settings: Settings) -> Limits:
    return Limits(settings.max_item_bytes, settings.max_feed_entries)


def read_items(targets: Sequence[str], settings: Settings, run_id: str) -> Iterator[RawItem]:
    return number_items(iter_inputs(targets, limits(settings)), run_id, datetime.now(UTC))


def estimate_items(targets: Sequence[str]) -> int | None:
    """About how many items ``targets`` hold, for a progress bar's ETA (None: unknown)."""
    total = 0
    for target in targets:
        if target == "-":
            return None
        if target.startswith(("http://", "https://")):
            total += 1
            continue
        path = Path(target)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        total += sum(_estimate_file(f) for f in files)
    return total


def _estimate_file(path: Path) -> int:
    """Non-empty lines of JSONL, entries of a feed, one item for anything else."""
    suffix = path.suffix.lower()
    if suffix not in JSONL_SUFFIXES | FEED_SUFFIXES:
        return 1
    target = regular_target(path, None)  # never opens a FIFO or a device
    handle = open_regular(target, str(path)) if isinstance(target, Path) else target
    if isinstance(handle, Found):
        return 1
    with handle:
        chunks = iter(lambda: handle.read(1 << 20), b"")
        if suffix in JSONL_SUFFIXES:
            return max(1, sum(chunk.count(b"\n") for chunk in chunks))
        return max(1, sum(chunk.count(b"<item") + chunk.count(b"<entry") for chunk in chunks))


@dataclass
class Published:
    run_id: str
    items: int = 0
    messages: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    registered: int = 0  # items recorded as pending, published or not (yet)


class PublishFailed(IngestError):
    """Publishing stopped part-way: what went out, and what is registered but unsent."""

    def __init__(self, published: Published, cause: IngestError) -> None:
        super().__init__(f"publishing stopped: {cause}", reason=cause.reason)
        self.published, self.cause = published, cause

    @property
    def registered(self) -> int:
        return self.published.registered


Registered = tuple[list[RawItem], list[str]]  # a registered chunk and its items' JSON


def _registered_count(ahead: Future[Registered] | None) -> int:
    """Items of a chunk registered ahead when publishing stopped (0 if none, or it failed)."""
    if ahead is None or ahead.exception() is not None:
        return 0
    return len(ahead.result()[0])


def _json_length(pair: tuple[RawItem, fastjson.RawJSON]) -> int:
    """A batch's cost follows its text, not only its length."""
    return len(pair[1].text)


class Publisher:
    """Registers items, then publishes them in batches; URLs go to the fetch queue."""

    def __init__(
        self, send: Send, store: Store, batch_size: int, max_bytes: int = 4_000_000
    ) -> None:
        self.send = send
        self.store = store
        self.batch_size = batch_size
        self.max_bytes = max_bytes

    def publish(
        self,
        items: Iterable[RawItem],
        run_id: str,
        tick: Callable[[int], None] = lambda n: None,
        stop: threading.Event | None = None,
    ) -> Published:
        """Register and publish ``items``; when ``stop`` is set, end after the current chunk.

        Items are registered a chunk of several messages at a time (one transaction instead
        of one per message), and a chunk is always published whole once registered. The
        next chunk is registered in a second thread while this one is sent: the store's
        round trip and the broker's overlap, and no item is sent before its row exists.
        """
        result = Published(run_id)
        chunks = batched(items, self.batch_size * REGISTER_MESSAGES)
        ahead_of_time = self.store.shared_across_threads
        with ThreadPoolExecutor(1, thread_name_prefix="register") as pool:

            def register(chunk: list[RawItem] | None) -> Future[Registered] | None:
                if chunk is None:
                    return None
                if ahead_of_time:
                    return pool.submit(self._register, chunk)
                done: Future[Registered] = Future()  # this thread: its store is its own
                done.set_result(self._register(chunk))
                return done

            ahead = None
            try:
                ahead = register(next(chunks, None))
                while ahead is not None:
                    chunk, encoded = ahead.result()
                    ahead = None
                    result.registered += len(chunk)
                    stopping = stop is not None and stop.is_set()
                    if not stopping:
                        ahead = register(next(chunks, None))
                    self._send_chunk(chunk, encoded, result, tick)
                    if stopping:
                        break
            except IngestError as exc:  # the broker (or the store) failed part-way
                result.registered += _registered_count(ahead)
                raise PublishFailed(result, exc) from exc
        return result

    def _register(self, chunk: list[RawItem]) -> Registered:
        # Encoded once (pydantic's own JSON encoder): the same text goes into the ledger row
        # and, embedded as it is, into the message.
        encoded = [item.model_dump_json() for item in chunk]
        self.store.register(chunk, datetime.now(UTC), encoded)
        return chunk, encoded

    def _send_chunk(
        self,
        chunk: list[RawItem],
        encoded: list[str],
        result: Published,
        tick: Callable[[int], None],
    ) -> None:
        pairs = list(zip(chunk, map(fastjson.RawJSON, encoded), strict=True))
        urls = [pair for pair in pairs if pair[0].kind is Kind.URL]
        rest = [pair for pair in pairs if pair[0].kind is not Kind.URL]
        for part in batched(urls, FETCH_BATCH):
            self._send(FETCH_TASK, part, result)
            tick(len(part))
        for part in sized(rest, self.max_bytes, _json_length, self.batch_size):
            self._send(PROCESS_TASK, part, result)
            tick(len(part))

    def _send(
        self, name: str, batch: list[tuple[RawItem, fastjson.RawJSON]], result: Published
    ) -> None:
        self.send(name, [body for _, body in batch])
        result.items += len(batch)
        result.messages += 1
        for item, _ in batch:
            result.by_kind[item.kind.value] = result.by_kind.get(item.kind.value, 0) + 1
