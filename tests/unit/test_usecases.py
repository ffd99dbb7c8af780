"""The use-case layer (worker/ingest/) without a broker: a list stands in for Celery.

Like dramatiq's StubBroker: ``send(task_name, bodies)`` appends to a list, the store is a
real SQLite file, and the messages are then "delivered" by calling the same functions the
Celery tasks call. The real-process tests in tests/integration/ cover the broker itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from worker.core import fastjson
from worker.core.errors import Reason, TransientError
from worker.core.keys import new_run_id
from worker.core.messages import FETCH_TASK, PROCESS_TASK
from worker.core.models import Found, Kind, RawItem, Status
from worker.core.settings import Settings
from worker.ingest.batch import process_batch
from worker.ingest.feeds import Entry, PollContext, enqueue_new
from worker.ingest.inprocess import process_items, run_inprocess
from worker.ingest.publish import Publisher, PublishFailed, read_items
from worker.ingest.runtime import Runtime
from worker.ingest.watch import Watcher, watch_context
from worker.store.feeds import SourceStore
from worker.store.schema import items as ledger_table

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
BODY = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to the "
    "sea wall damaged in the March storm, the port authority said on Friday morning."
)


class ListBroker:
    """Collects what would be published: (task name, decoded bodies)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[dict[str, Any]]]] = []

    def send(self, name: str, bodies: list[Any]) -> None:
        # Bodies are JSON fragments, as they go on the wire: decode them as a worker would.
        self.sent.append((name, json.loads(fastjson.dumps(bodies))))

    def deliver(self, runtime: Runtime) -> None:
        """Run every process message through the batch use case, as the task does."""
        for name, bodies in self.sent:
            if name == PROCESS_TASK:
                items = [RawItem.model_validate(b) for b in bodies]
                process_batch(items, runtime, datetime.now(UTC))


@pytest.fixture
def broker() -> ListBroker:
    return ListBroker()


@pytest.fixture
def runtime(tmp_path: Path, broker: ListBroker) -> Iterator[Runtime]:
    settings = Settings(store_url=f"sqlite:///{tmp_path / 'store.db'}", enrich=False, batch_size=3)  # type: ignore[arg-type]
    with Runtime(settings, send=broker.send) as rt:
        yield rt


WORDS = ("harbour", "rail", "strike", "council", "storm", "budget", "school", "river", "bridge")


def distinct_body(i: int) -> str:
    """Bodies that share no word run, so no two are near-duplicates."""
    words = [f"{WORDS[(i * 7 + k * 3) % len(WORDS)]}{i}x{k}" for k in range(40)]
    return " ".join(words) + "."


def write_jsonl(path: Path, n: int) -> Path:
    lines = [
        json.dumps({"id": f"a{i}", "title": f"T{i}", "body": distinct_body(i)}) for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_publisher_registers_then_sends_batches(
    runtime: Runtime, broker: ListBroker, tmp_path: Path
) -> None:
    run_id = new_run_id()
    items = read_items([str(write_jsonl(tmp_path / "in.jsonl", 7))], runtime.settings, run_id)
    result = runtime.publisher.publish(items, run_id)
    assert (result.items, result.messages) == (7, 3)  # batches of 3: 3 + 3 + 1
    assert [len(bodies) for _, bodies in broker.sent] == [3, 3, 1]
    assert runtime.store.stats(run_id)["by_status"] == {"pending": 7}  # registered first
    broker.deliver(runtime)
    assert runtime.store.stats(run_id)["by_status"] == {"stored": 7}


def test_urls_go_to_the_fetch_task(runtime: Runtime, broker: ListBroker) -> None:
    found = [Found("cli", Kind.URL, {"url": f"https://example.org/{i}"}) for i in range(12)]
    items = [RawItem.from_found(f, f"r1-{i:07d}", NOW) for i, f in enumerate(found)]
    runtime.publisher.publish(items, "r1")
    assert {name for name, _ in broker.sent} == {FETCH_TASK}
    assert sum(len(b) for _, b in broker.sent) == 12


def test_publisher_stops_after_the_chunk_in_hand(
    runtime: Runtime, broker: ListBroker, tmp_path: Path
) -> None:
    stop = threading.Event()
    stop.set()  # SIGINT before the first chunk ends: that chunk still goes out whole
    run_id = new_run_id()
    items = read_items([str(write_jsonl(tmp_path / "in.jsonl", 40))], runtime.settings, run_id)
    result = runtime.publisher.publish(items, run_id, stop=stop)
    assert result.items == 30  # one chunk: ten messages of three
    assert runtime.store.stats(run_id)["items"] == 30  # nothing registered and unsent


def test_no_item_is_sent_before_its_row_exists(runtime: Runtime, tmp_path: Path) -> None:
    # The next chunk is registered in a second thread while one is sent: what is sent must
    # still be registered already, chunk after chunk.
    unregistered: list[str] = []

    def send(name: str, bodies: list[Any]) -> None:
        keys = [body["item_key"] for body in json.loads(fastjson.dumps(bodies))]
        with runtime.store.engine.connect() as conn:
            found = set(conn.execute(select(ledger_table.c.item_key)).scalars())
        unregistered.extend(key for key in keys if key not in found)

    run_id = new_run_id()
    found = read_items([str(write_jsonl(tmp_path / "in.jsonl", 95))], runtime.settings, run_id)
    publisher = Publisher(send, runtime.store, batch_size=3)
    result = publisher.publish(found, run_id)
    assert (result.items, result.registered) == (95, 95)  # four chunks of 30, the last of 5
    assert unregistered == []


def test_a_failed_send_counts_the_chunk_registered_ahead(runtime: Runtime, tmp_path: Path) -> None:
    def send(name: str, bodies: list[Any]) -> None:
        raise TransientError("the broker went away", reason=Reason.BROKER_DOWN)

    run_id = new_run_id()
    found = read_items([str(write_jsonl(tmp_path / "in.jsonl", 40))], runtime.settings, run_id)
    with pytest.raises(PublishFailed) as failed:
        Publisher(send, runtime.store, batch_size=3).publish(found, run_id)
    # What the producer reports as registered and unsent is what the ledger holds.
    assert failed.value.registered == runtime.store.stats(run_id)["items"] > 0
    assert failed.value.published.items == 0


def test_an_in_memory_store_registers_in_the_publishing_thread(broker: ListBroker) -> None:
    settings = Settings(store_url="sqlite:///:memory:", batch_size=3)  # type: ignore[arg-type]
    with Runtime(settings, send=broker.send) as rt:
        assert not rt.store.shared_across_threads
        found = Found("wire", Kind.RECORD, {"record": {"title": "T", "body": BODY}})
        rt.publisher.publish(
            [RawItem.from_found(found, f"r5-{i:07d}", NOW) for i in range(40)], "r5"
        )
        assert rt.store.stats("r5")["items"] == 40  # one database per thread: this one


def test_redelivered_message_changes_nothing(runtime: Runtime, broker: ListBroker) -> None:
    item = RawItem.from_found(
        Found("wire", Kind.RECORD, {"record": {"title": "T", "body": BODY}}), "r2-0000000", NOW
    )
    runtime.publisher.publish([item], "r2")
    broker.deliver(runtime)
    broker.deliver(runtime)  # at-least-once: the same message again
    stats = runtime.store.stats("r2")
    assert stats["by_status"] == {"stored": 1}


def test_inprocess_run_on_the_seeds(runtime: Runtime) -> None:
    ticks: list[int] = []
    summary = run_inprocess([str(SEEDS)], runtime, tick=ticks.append)
    assert summary["by_status"]["stored"] >= 1
    assert sum(ticks) == summary["items"]


def test_process_items_counts_what_it_processed(runtime: Runtime) -> None:
    items = [
        RawItem.from_found(
            Found("wire", Kind.RECORD, {"record": {"title": f"T{i}", "body": distinct_body(i)}}),
            f"r3-{i:07d}",
            NOW,
        )
        for i in range(5)
    ]
    assert process_items(items, runtime) == 5
    assert runtime.store.stats("r3")["by_status"] == {"stored": 5}


def test_watcher_enqueues_a_settled_file_once(
    runtime: Runtime, broker: ListBroker, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_jsonl(inbox / "a.jsonl", 2)
    clock = iter([0.0, 0.0, 10.0, 10.0, 20.0, 20.0])
    ctx = watch_context(runtime)
    watcher = Watcher(inbox, ctx, clock=lambda: next(clock))
    watcher.tick()  # first sight: not settled yet
    assert broker.sent == []
    watcher.tick()  # unchanged for longer than the settle time
    assert [len(b) for _, b in broker.sent] == [2]
    watcher.tick()  # done: not again
    assert watcher.result.files == 1 and len(broker.sent) == 1


def test_feed_entries_are_enqueued_once(runtime: Runtime, broker: ListBroker) -> None:
    store = SourceStore(runtime.store)
    ctx = PollContext(
        store=store,
        client=runtime.http,
        policy=runtime.fetch_policy,
        publish=runtime.publisher.publish,
        new_run_id=new_run_id,
        backoff_cap=60.0,
    )
    entries = [
        Entry(
            f"guid:{i}", Found("feed:x", Kind.RECORD, {"record": {"title": f"E{i}", "body": BODY}})
        )
        for i in range(3)
    ]
    assert enqueue_new("x", entries, ctx, NOW) == 3
    assert enqueue_new("x", entries, ctx, NOW) == 0  # seen: nothing published again
    assert sum(len(b) for _, b in broker.sent) == 3
    broker.deliver(runtime)
    stored = [r for r in runtime.store.export("stored")]
    # A body under 40 words is no evidence on its own: three headlines, three items.
    assert sorted(r["title"] for r in stored) == ["E0", "E1", "E2"]


def test_runtime_without_send_cannot_publish(tmp_path: Path) -> None:
    settings = Settings(store_url=f"sqlite:///{tmp_path / 's.db'}")  # type: ignore[arg-type]
    with Runtime(settings) as rt, pytest.raises(RuntimeError):
        rt.publisher  # noqa: B018


def test_statuses_add_up(runtime: Runtime, broker: ListBroker, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    record = json.dumps({"title": "ok", "body": BODY})
    path.write_text(f"{record}\nnot json\n[1]\n", encoding="utf-8")
    run_id = new_run_id()
    runtime.publisher.publish(read_items([str(path)], runtime.settings, run_id), run_id)
    broker.deliver(runtime)
    stats = runtime.store.stats(run_id)
    assert stats["by_status"] == {Status.STORED: 1, Status.REJECTED: 2}
    assert sum(stats["by_status"].values()) == stats["items"] == 3


def test_messages_are_sized_by_their_text_too(tmp_path: Path, broker: ListBroker) -> None:
    settings = Settings(
        store_url=f"sqlite:///{tmp_path / 's.db'}", batch_size=100, batch_max_bytes=10_000
    )  # type: ignore[arg-type]
    long_body = distinct_body(1) * 20  # about 8 kB of JSON each
    items = [
        RawItem.from_found(
            Found("wire", Kind.RECORD, {"record": {"title": f"L{i}", "body": long_body}}),
            f"r4-{i:07d}",
            NOW,
        )
        for i in range(5)
    ]
    with Runtime(settings, send=broker.send) as rt:
        rt.publisher.publish(items, "r4")
    assert [len(b) for _, b in broker.sent] == [1, 1, 1, 1, 1]  # two would exceed 10 kB
