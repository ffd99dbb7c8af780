"""Latency from an item appearing to its outcome committed, under a steady flow.

Two sources, each with two worker processes (``celery worker -c 1`` twice), real Redis and
the default store (SQLite) and settings (enrichment on, INGEST_FLUSH_DELAY 0.2 s):

- stream: a line appended to a file followed by ``ingest enqueue --follow``;
- feed:   an entry added to a feed served on 127.0.0.1, polled by a real ``celery beat``
          (INGEST_POLL_TICK 1 s, the feed's interval 1 s in its sources file).

"Committed" is when the outcome row is visible in the store; the store is sampled every
20 ms, so figures carry up to 20 ms of sampling delay. Run: ``python -m bench.latency``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from tests.corpus import bodies
from tests.integration.test_sources import FeedServer, beat, write_sources
from tests.support import ROOT, fresh_redis_db, wait_until, workers
from worker.store import Store
from worker.store.schema import articles, items

SAMPLE = 0.02
TEXTS = iter(bodies(5000, seed=31337, words=120))


class Observer(threading.Thread):
    """Samples the store; records when each key (by ``keys_done``) is first seen committed."""

    def __init__(self, keys_done: Callable[[], set[str]]) -> None:
        super().__init__(daemon=True)
        self.keys_done = keys_done
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for key in self.keys_done() - self.seen.keys():
                self.seen[key] = now
            time.sleep(SAMPLE)


def finished_sources(store: Store, prefix: str) -> Callable[[], set[str]]:
    def query() -> set[str]:
        q = select(items.c.source).where(
            items.c.status != "pending", items.c.source.like(f"{prefix}%")
        )
        with store.engine.connect() as conn:
            return {str(s) for s in conn.execute(q).scalars()}

    return query


def stored_external_ids(store: Store) -> Callable[[], set[str]]:
    def query() -> set[str]:
        with store.engine.connect() as conn:
            return {str(s) for s in conn.execute(select(articles.c.external_id)).scalars() if s}

    return query


def line(n: int) -> bytes:
    return (
        json.dumps({"id": f"s{n}", "title": f"Stream {n}", "body": next(TEXTS)}) + "\n"
    ).encode()


def stream_phase(
    env: dict[str, str], store: Store, tmp: Path, rate: float, seconds: float
) -> list[float]:
    path = tmp / "stream.jsonl"
    path.write_bytes(b"")
    argv = [sys.executable, "-m", "worker", "enqueue", "--follow", str(path)]
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)  # fmt: skip
    observer = Observer(finished_sources(store, str(path)))
    observer.start()
    time.sleep(2.0)  # the producer's start-up is not an item's latency
    written = steady(lambda n: _append(path, n), rate, seconds)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    keys = {f"{path}:{n + 1}": t for n, t in written.items()}  # line numbers start at 1
    wait_until(lambda: keys.keys() <= observer.seen.keys(), timeout=60)
    observer.stop.set()
    return [observer.seen[k] - t for k, t in keys.items() if k in observer.seen]


def _append(path: Path, n: int) -> None:
    with path.open("ab") as out:
        out.write(line(n))


def feed_phase(
    env: dict[str, str], store: Store, site: FeedServer, tmp: Path, rate: float, seconds: float
) -> list[float]:
    feed = site.feeds["bench"]
    observer = Observer(stored_external_ids(store))
    observer.start()
    with beat(env, tmp):
        time.sleep(3.0)  # beat's first ticks, the feed's first (empty) poll
        added = steady(lambda n: feed.add(f"f{n}"), rate, seconds)
        keys = {f"f{n}": t for n, t in added.items()}
        wait_until(lambda: keys.keys() <= observer.seen.keys(), timeout=60)
    observer.stop.set()
    return [observer.seen[k] - t for k, t in keys.items() if k in observer.seen]


def steady(make: Callable[[int], None], rate: float, seconds: float) -> dict[int, float]:
    """One item every 1/rate seconds; when each appeared (monotonic clock)."""
    appeared: dict[int, float] = {}
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        make(n)
        appeared[n] = time.monotonic()
    return appeared


def warm_up(env: dict[str, str], store: Store, tmp: Path) -> None:
    """Each worker process loads its models on its first batch: not part of the latency."""
    path = tmp / "warm.jsonl"
    path.write_bytes(b"".join(line(10_000 + n) for n in range(40)))
    for part in range(4):
        lines = path.read_bytes().splitlines(keepends=True)[part * 10 : part * 10 + 10]
        (tmp / f"warm{part}.jsonl").write_bytes(b"".join(lines))
    targets = [str(tmp / f"warm{part}.jsonl") for part in range(4)]
    argv = [sys.executable, "-m", "worker", "enqueue", *targets, "--batch-size", "5", "--wait"]
    result = subprocess.run(
        argv, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def report(name: str, latencies: list[float], expected: int) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    if not ordered:
        print(f"{name:7s} no item reached the store")
        return
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"{name:7s} items {len(ordered)}/{expected}  p50 {p50:.3f} s  p95 {p95:.3f} s  "
          f"max {ordered[-1]:.3f} s  -> p95 {'<' if p95 < 2 else '>='} 2 s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="steady flow per source")
    parser.add_argument("--stream-rate", type=float, default=20.0, help="lines per second")
    parser.add_argument("--feed-rate", type=float, default=2.0, help="entries per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        store_url = f"sqlite:///{tmp}/ingest.db"
        site = FeedServer()
        site.feed("bench")
        sources = write_sources(tmp / "sources.toml", site, interval=1.0)
        env = {"INGEST_BROKER_URL": fresh_redis_db(9), "INGEST_STORE_URL": store_url,
               "INGEST_FETCH_ALLOW_PRIVATE": "true", "INGEST_SOURCES_FILE": str(sources),
               "TEST_LOG_DIR": str(tmp)}  # fmt: skip
        store = Store(store_url)
        store.ensure_schema()
        with workers(env, count=2, concurrency=1):
            warm_up(env, store, tmp)
            print(f"latency, appearance -> outcome committed; 2 workers, default settings, "
                  f"{args.seconds:.0f} s of steady flow")  # fmt: skip
            stream = stream_phase(env, store, tmp, args.stream_rate, args.seconds)
            report("stream", stream, int(args.stream_rate * args.seconds))
            feed = feed_phase(env, store, site, tmp, args.feed_rate, args.seconds)
            report("feed", feed, int(args.feed_rate * args.seconds))
        site.close()
        store.close()


if __name__ == "__main__":
    main()
