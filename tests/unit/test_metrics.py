"""Metrics and batch logs: label choice, counts, stage timings, the JSON line."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from worker.broker.sweep import resend_lost
from worker.core.errors import QUARANTINE_REASONS, Reason
from worker.core.models import Kind, Outcome, Prepared, RawItem, Status
from worker.observe.logs import log_batch
from worker.observe.metrics import (
    MULTIPROC_ENV,
    Metrics,
    QueueDepth,
    SweepResent,
    outcome_labels,
    record_batch,
    record_resent,
    serve,
)

OUTCOMES = [
    Outcome(item_key="a", status=Status.STORED),
    Outcome(item_key="b", status=Status.DUPLICATE, method="exact", duplicate_of="a"),
    Outcome(item_key="c", status=Status.REJECTED, reason="empty_body"),
    Outcome(item_key="d", status=Status.REJECTED, reason="empty_body"),
]


def test_labels_say_outcome_and_reason() -> None:
    assert [outcome_labels(o) for o in OUTCOMES] == [
        ("stored", ""), ("duplicate", "exact"), ("rejected", "empty_body"),
        ("rejected", "empty_body"),
    ]  # fmt: skip


def test_record_batch_counts_items_sizes_and_stages() -> None:
    registry = CollectorRegistry()
    m = Metrics(registry)
    record_batch(OUTCOMES, {"prepare": 0.01, "commit": 0.002}, m)
    value = registry.get_sample_value
    assert value("ingest_items_total", {"outcome": "rejected", "reason": "empty_body"}) == 2
    assert value("ingest_items_total", {"outcome": "stored", "reason": ""}) == 1
    assert value("ingest_batch_size_sum") == 4
    assert value("ingest_stage_seconds_count", {"stage": "prepare"}) == 1
    assert value("ingest_batches_total", {"result": "ok"}) == 1


def test_quarantined_items_are_counted_by_reason() -> None:
    registry = CollectorRegistry()
    m = Metrics(registry)
    item = RawItem(item_key="q", source="t", kind=Kind.TEXT, payload={})
    failed = [
        Prepared(item).quarantine(RuntimeError("a bug")).rejection,
        Prepared(item).quarantine(RuntimeError("x"), reason=Reason.STORE_REFUSED).rejection,
        Prepared(item).quarantine(RuntimeError("x"), reason=Reason.STORE_REFUSED).rejection,
        Outcome.rejected("r", Reason.EMPTY_BODY, "an input's fault: not quarantined"),
    ]
    record_batch([o for o in failed if o is not None], {}, m)
    value = registry.get_sample_value
    assert value("ingest_quarantined_total", {"reason": "quarantined"}) == 1
    assert value("ingest_quarantined_total", {"reason": "store_refused"}) == 2
    assert value("ingest_quarantined_total", {"reason": "empty_body"}) is None
    assert value("ingest_quarantined_total", {"reason": "crashed_worker"}) == 0  # there at 0
    assert value("ingest_items_total", {"outcome": "rejected", "reason": "store_refused"}) == 2


def test_quarantine_takes_only_the_reasons_the_metric_counts() -> None:
    item = RawItem(item_key="q", source="t", kind=Kind.TEXT, payload={})
    with pytest.raises(AssertionError):
        Prepared(item).quarantine(RuntimeError("x"), reason=Reason.EMPTY_BODY)
    assert {Reason.CRASHED_WORKER, Reason.TIME_LIMIT} <= QUARANTINE_REASONS


def test_sweep_resends_are_counted_page_by_page() -> None:
    pages = [[RawItem(item_key=f"k{n}", source="t", kind=Kind.TEXT, payload={}) for n in range(3)],
             [RawItem(item_key="k9", source="t", kind=Kind.TEXT, payload={})]]  # fmt: skip
    published: list[int] = []
    runtime = SimpleNamespace(
        store=SimpleNamespace(take_lost=lambda cutoff, now, limit: pages.pop(0) if pages else []),
        publisher=SimpleNamespace(publish=lambda items, run: published.append(len(items))),
    )
    counter = SweepResent()
    registry = CollectorRegistry()
    registry.register(counter)
    assert registry.get_sample_value("ingest_sweep_resent_total") == 0  # served before any
    now = datetime.now(UTC)
    sent = resend_lost(runtime, now, now, sent=lambda count: record_resent(count, counter))  # type: ignore[arg-type]
    assert sent == 4 and published == [3, 1]
    assert registry.get_sample_value("ingest_sweep_resent_total") == 4


def test_queue_depth_is_read_at_scrape_time() -> None:
    registry = CollectorRegistry()
    depths = {"ingest": 3, "fetch": 0}
    registry.register(QueueDepth(depths.__getitem__, ["ingest", "fetch"]))
    depths["ingest"] = 7
    assert registry.get_sample_value("ingest_queue_depth", {"queue": "ingest"}) == 7
    assert b"ingest_queue_depth" in generate_latest(registry)


def test_queue_depth_survives_a_broker_error() -> None:
    def broken(queue: str) -> int:
        raise ConnectionError(queue)

    registry = CollectorRegistry()
    registry.register(QueueDepth(broken, ["ingest"]))
    assert registry.get_sample_value("ingest_queue_depth", {"queue": "ingest"}) is None


def test_one_json_line_per_batch(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="worker.batches"):
        log_batch("task-1", OUTCOMES, {"total": 0.0123}, retries=0)
    (record,) = caplog.records
    line = json.loads(record.getMessage())
    assert line["task_id"] == "task-1"
    assert line["items"] == 4
    assert line["outcomes"] == {"stored": 1, "duplicate": 1, "rejected": 2}
    assert line["ms"] == {"total": 12.3}


def test_endpoint_binds_loopback_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))  # no samples: the queue depth only
    server = serve(0, lambda queue: 4, ["ingest"])
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b'ingest_queue_depth{queue="ingest"} 4.0' in text
        assert b"\ningest_sweep_resent_total " in text  # read from this process, no file
    finally:
        server.shutdown()
        server.server_close()
