"""Prometheus metrics of the workers: outcomes, stage latencies, batch sizes, queue depth,
quarantined items and the items the ledger sweep sent again.

Celery's prefork pool runs tasks in child processes, but one port per worker node is what
a scraper (and docker-compose) can find. So we use prometheus_client's multiprocess mode:
the children write their samples to files in a private directory, and the main process
serves ``/metrics`` (``INGEST_METRICS_HOST``:``INGEST_METRICS_PORT``) summing them. It has no
authentication, so it binds loopback unless told otherwise (docker-compose binds 0.0.0.0
inside its private network, with no host port). The directory is chosen and
the environment variable set in the main process before the pool forks, and before any
metric exists (prometheus_client picks its storage when the first metric is built), which
is why the metrics are created lazily, on first use in a child. The queue depth is not a
sample anyone writes: the main process reads it from Redis (LLEN) at scrape time. Nor is
the count of items the ledger sweep sent again: the sweep runs in the main process, which
keeps a plain number for the endpoint to read (no sample file, and no prometheus_client lock
held in the main process that a pool process forked at that moment would inherit held).
config/grafana/dashboards/ingest.json charts all of these.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from worker.core.errors import QUARANTINE_REASONS
from worker.core.models import Outcome, Status

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Stage latencies of a batch of up to a few hundred items: 1 ms to 2 min.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120)
_SIZES = (1, 5, 10, 25, 50, 100, 200, 500, 1000, 5000)
BATCH_RESULTS = ("ok", "handed_back")  # ingest_batches_total{result}


class Metrics:
    """The worker's metric objects, registered on ``registry`` (default: the global one)."""

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import REGISTRY, Counter, Histogram

        reg = REGISTRY if registry is None else registry
        self.items = Counter(
            "ingest_items",
            "Items finished, by outcome; reason is the rejection reason or the duplicate method.",
            ["outcome", "reason"],
            registry=reg,
        )
        self.batches = Counter(
            "ingest_batches", "Batches handled, by result.", ["result"], registry=reg
        )
        self.stage_seconds = Histogram(
            "ingest_stage_seconds", "Time per batch spent in each stage.", ["stage"],
            buckets=_SECONDS, registry=reg,
        )  # fmt: skip
        self.batch_size = Histogram(
            "ingest_batch_size", "Items per batch message.", buckets=_SIZES, registry=reg
        )
        self.quarantined = Counter(
            "ingest_quarantined", "Items put in quarantine, by reason.", ["reason"], registry=reg
        )
        # Rare events, served at 0 from the start: a series that first appears at 1 is no
        # increase to Prometheus, and the dashboard would miss the first quarantine.
        for reason in sorted(QUARANTINE_REASONS):
            self.quarantined.labels(reason)
        for result in BATCH_RESULTS:
            self.batches.labels(result)


@cache
def metrics() -> Metrics:
    """This process's metrics, built on first use (in a pool child, after the fork)."""
    return Metrics()


def outcome_labels(outcome: Outcome) -> tuple[str, str]:
    """(outcome, reason): the rejection reason, the duplicate method, or "" when stored."""
    if outcome.status == Status.REJECTED:
        return outcome.status.value, outcome.reason or "unknown"
    if outcome.status == Status.DUPLICATE:
        return outcome.status.value, outcome.method or "unknown"
    return outcome.status.value, ""


def record_batch(
    outcomes: Sequence[Outcome], timings: dict[str, float], m: Metrics | None = None
) -> None:
    """Count one finished batch: its outcomes, its size and how long each stage took."""
    m = m or metrics()
    for labels, count in count_labels(outcomes).items():
        m.items.labels(*labels).inc(count)
        if labels[0] == Status.REJECTED and labels[1] in QUARANTINE_REASONS:
            m.quarantined.labels(labels[1]).inc(count)
    m.batches.labels("ok").inc()
    m.batch_size.observe(len(outcomes))
    for stage, seconds in timings.items():
        m.stage_seconds.labels(stage).observe(seconds)


def record_failure(result: str, m: Metrics | None = None) -> None:
    """A batch that raised (``retry``) or gave up; its items are counted when committed."""
    (m or metrics()).batches.labels(result).inc()


class SweepResent:
    """A collector of the items this node's ledger sweep sent again (one thread adds)."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, count: int) -> None:
        self.count += count

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        help_text = "Items the ledger sweep found without an outcome and sent again."
        yield CounterMetricFamily("ingest_sweep_resent", help_text, value=self.count)


SWEEP_RESENT = SweepResent()  # this process's, served by ``serve``


def record_resent(count: int, counter: SweepResent = SWEEP_RESENT) -> None:
    """Items the ledger sweep sent again (a page of them, as soon as it is published)."""
    counter.add(count)


def count_labels(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for outcome in outcomes:
        key = outcome_labels(outcome)
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- the main process: directory, endpoint, queue depth -------------------------------


def prepare_multiproc_dir(node: str) -> Path:
    """An empty directory for this worker node's samples, named in the environment.

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is used (emptied: samples of a previous
    run would be summed in); otherwise a fresh temporary one.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
    else:
        safe = "".join(c if c.isalnum() else "-" for c in node)
        path = Path(tempfile.mkdtemp(prefix=f"ingest-metrics-{safe}-"))
        # Ours, so ours to remove when the worker exits (children inherit no atexit run:
        # the pool's processes end with os._exit).
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    os.environ[MULTIPROC_ENV] = str(path)
    _choose_value_class()
    return path


def _choose_value_class() -> None:
    """prometheus_client picks its value storage when it is imported, and the celery CLI
    may already have imported it (Flower's command plugin does): pick again, now that the
    directory is set. Only metrics built from here on (ours, in the children) use it.
    """
    import sys

    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]


class QueueDepth:
    """A collector reading the queue lengths at scrape time (one LLEN per queue)."""

    def __init__(self, depth: Callable[[str], int], queues: Sequence[str]) -> None:
        self.depth = depth
        self.queues = list(queues)

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            "ingest_queue_depth", "Messages waiting in the queue.", labels=["queue"]
        )
        for queue in self.queues:
            try:
                family.add_metric([queue], float(self.depth(queue)))
            except Exception:  # a scrape must answer even when the broker is away
                continue
        yield family


DEFAULT_HOST = "127.0.0.1"


def serve(
    port: int, depth: Callable[[str], int], queues: Sequence[str], addr: str = DEFAULT_HOST
) -> Any:
    """Serve the children's summed samples plus the queue depth on ``addr``:``port``;
    returns the server (``.shutdown()`` stops it). Call after ``prepare_multiproc_dir``.
    """
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(QueueDepth(depth, queues))
    registry.register(SWEEP_RESENT)
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server


def start_endpoint(
    port: int, broker: Any, node: str, queues: Sequence[str], host: str = DEFAULT_HOST
) -> Any:
    """The worker node's endpoint on ``host``:``port`` (main process, before the pool
    forks); None when the port is taken (a second worker on one host) or the address is
    not this host's: metrics must never stop a worker. ``broker``: a Redis client of the
    broker (the queue depth is its LLEN at scrape time).
    """
    prepare_multiproc_dir(node)
    try:
        return serve(port, lambda queue: int(broker.llen(queue)), queues, addr=host)
    except OSError as exc:
        log.warning("metrics endpoint not started on %s port %d: %s", host, port, exc)
        return None
