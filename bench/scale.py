"""Light throughput with N articles already stored against the same on a fresh store.

    .venv/bin/python bench/scale.py --store sqlite|pg --articles N [--measure M]
                                    [--inprocess] [--workers W] [--rounds R]
                                    [--fill-text sentences|remixed]

1. Fills a store with N articles through the real store code (bench/_fill.py: the worker's
   own stages and the commit path's rows, bulk-loaded in chunks), printing progress;
2. measures light throughput (INGEST_ENRICH=false) of M fresh items (bench/_articles.py's
   stream: fresh articles with exact and near copies of each other mixed in), through real
   ``celery worker`` processes as bench/throughput.py runs them (``--inprocess``: through
   ``worker.ingest.inprocess.process_items`` in this process instead, the fast variant),
   on the filled store and on a fresh one, the same items in both;
3. prints ``throughput at N stored / fresh store: X.XXx`` (target >= 0.8 at 1,000,000).

``--rounds R`` repeats the pair with new items (fresh first, then filled, alternating the
order each round) and reports the median ratio: the machine's load moves between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _redis_url() -> str:
    """A Redis database of its own (not throughput.py's 13 a neighbour may be using)."""
    if "BENCH_REDIS_URL" not in os.environ:
        from tests.support import fresh_redis_db

        os.environ["BENCH_REDIS_URL"] = fresh_redis_db(12)
    return os.environ["BENCH_REDIS_URL"]


_redis_url()  # before bench.throughput reads it (and its workers inherit it)

from bench import throughput as tp  # noqa: E402
from bench._articles import DEFAULT_CORPUS, Corpus, load_corpus  # noqa: E402
from bench._fill import TEXTS, fill, print_progress, store_url, summary  # noqa: E402


def filled(url: str, corpus: Corpus, count: int, text: str) -> None:
    from worker.store import Store

    store = Store(url)
    try:
        print(f"filling {count:,} articles ...", flush=True)
        done = fill(store, corpus, count, text=text, progress=print_progress(count))
        print(summary(done))
        if store.dialect == "postgresql":
            started = time.perf_counter()
            with store.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM (ANALYZE)"
                )
            # Autovacuum vacuums a table that only grows too (PostgreSQL 13+, after 20% more
            # rows): the visibility map it sets lets the band-key lookup read the index alone.
            print(f"  VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s (autovacuum would)")
    finally:
        store.close()


def measure(
    url: str, items: list[Any], args: argparse.Namespace, tmp: Path
) -> tuple[float, dict[str, int]]:
    """Articles/s of ``items`` into the store at ``url``, and the outcome counts."""
    if args.inprocess:
        return _inprocess(url, items)
    tp.flush_redis()
    env = tp.base_env(url, tmp, enrich=False)
    with tp.running_workers(env, args.workers, tmp) as workers:
        run = tp.stream_run(env, workers, items, args.batch_size)
    return run.rate, run.outcomes


def _inprocess(url: str, items: list[Any]) -> tuple[float, dict[str, int]]:
    from worker.core.settings import Settings
    from worker.ingest.inprocess import process_items
    from worker.ingest.runtime import Runtime

    settings = Settings(store_url=url, enrich=False, max_item_bytes=5_000_000)
    with Runtime(settings) as runtime:
        runtime.store.ensure_schema()
        started = time.perf_counter()
        process_items(items, runtime)
        seconds = time.perf_counter() - started
        run_id = items[0].item_key.rsplit("-", 1)[0]
        outcomes = runtime.store.stats(run_id)["by_status"]
    return len(items) / seconds, outcomes


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    corpus = load_corpus(args.corpus)
    how = "in-process (process_items)" if args.inprocess else f"{args.workers} celery workers"
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; store {args.store}; "
        f"{args.articles:,} stored vs fresh; {args.measure:,} items per run; {how}; "
        f"batch {args.batch_size}; light profile (enrichment off); fill text {args.fill_text}"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=args.tmp) as name:
        tmp = Path(name)
        with store_url(args.store, tmp, "big") as big, store_url(args.store, tmp, "fresh") as new:
            filled(big, corpus, args.articles, args.fill_text)
            fresh_rates: list[float] = []
            big_rates: list[float] = []
            for r in range(args.rounds):
                items = tp.stream_items(corpus, args.measure, f"scale{r}", seed=7 + r)
                order = [("fresh", new), ("filled", big)]
                for label, url in order if r % 2 == 0 else order[::-1]:
                    rate, outcomes = measure(url, items, args, tmp)
                    (fresh_rates if label == "fresh" else big_rates).append(rate)
                    stored = f"{args.articles:,} stored" if label == "filled" else "fresh store"
                    print(f"  round {r + 1} {stored:>16s}: {rate:,.0f} articles/s; {outcomes}")
    fresh_rate, big_rate = statistics.median(fresh_rates), statistics.median(big_rates)
    note = f" (median of {args.rounds} rounds)" if args.rounds > 1 else ""
    print(f"fresh store: {fresh_rate:,.0f} articles/s{note}")
    print(f"{args.articles:,} stored: {big_rate:,.0f} articles/s{note}")
    print(
        f"throughput at {args.articles:,} stored / fresh store: {big_rate / fresh_rate:.2f}x  "
        f"(target >= 0.8 at 1,000,000)"
    )
    print(f"whole run {time.perf_counter() - started:.0f} s")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--store", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--articles", type=int, default=100_000, help="articles stored first")
    parser.add_argument("--measure", type=int, default=5_000, help="items per measured run")
    parser.add_argument("--rounds", type=int, default=1, help="measured pairs (median ratio)")
    parser.add_argument(
        "--inprocess", action="store_true", help="process_items in this process, no Celery"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--fill-text",
        choices=TEXTS,
        default="sentences",
        help="fill bodies: the stream's random corpus sentences, or remixed (bench/_fill.py)",
    )
    parser.add_argument("--batch-size", type=int, default=tp.default_batch_size())
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--tmp", default=None, help="where the SQLite files go (default TMPDIR)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
