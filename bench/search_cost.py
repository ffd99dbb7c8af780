"""What the full-text index costs the write path, on SQLite (FTS5 kept by triggers) and
PostgreSQL (GIN index on the weighted tsvector).

    .venv/bin/python bench/search_cost.py [--articles 3000] [--rounds 3] [--store sqlite|pg|both]

The throughput bench's stream (bench/_articles.py: corpus bodies, 8% exact and 12% near
copies) is prepared once by the pure stages (no enrichment); then each round fills fresh
stores through the real code, batch by batch as a worker does (``Store.register`` then
``Store.commit``, 200 items a batch), once at head and once with the index taken away
(SQLite: the three triggers dropped, so the FTS table stays empty; PostgreSQL: the
generated tsvector column dropped, with its GIN index). Variants alternate within a round;
the median of the rounds is printed, with the ratio with / without and, for scale, what the
pure stages cost per article.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._articles import DEFAULT_CORPUS, load_corpus, stream  # noqa: E402
from tests.support import fresh_pg_database  # noqa: E402
from worker.core.models import Kind, Prepared, RawItem  # noqa: E402
from worker.pipeline.prepare import Deps, prepare_batch  # noqa: E402
from worker.store import Store  # noqa: E402

BATCH = 200
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NO_INDEX = {
    "sqlite": [f"DROP TRIGGER articles_fts_{t}" for t in ("insert", "delete", "update")],
    "postgresql": ["ALTER TABLE articles DROP COLUMN search_vector"],  # and its index
}


def prepared_batches(count: int) -> tuple[list[list[Prepared]], float]:
    corpus = load_corpus(DEFAULT_CORPUS)
    items = [
        RawItem(item_key=f"b-{n:07d}", source="bench", kind=Kind.RECORD,
                payload={"record": rec}, received_at=NOW)
        for n, (_kind, rec) in enumerate(stream(corpus, count))
    ]  # fmt: skip
    started = time.perf_counter()
    batches = [prepare_batch(items[i : i + BATCH], Deps(), NOW) for i in range(0, count, BATCH)]
    return batches, time.perf_counter() - started


def fill(url: str, batches: list[list[Prepared]], indexed: bool) -> float:
    """Seconds to register and commit every batch into a fresh store at ``url``."""
    store = Store(url)
    try:
        store.ensure_schema()
        if not indexed:
            with store.engine.begin() as conn:
                for statement in NO_INDEX[store.dialect]:
                    conn.exec_driver_sql(statement)
        started = time.perf_counter()
        for batch in batches:
            store.register([p.item for p in batch], NOW)
            store.commit(batch, NOW)
        return time.perf_counter() - started
    finally:
        store.close()


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder}/{name}.db"


def measure(kind: str, batches: list[list[Prepared]], rounds: int) -> dict[bool, list[float]]:
    times: dict[bool, list[float]] = {True: [], False: []}
    for n in range(rounds):
        for indexed in (n % 2 == 0, n % 2 == 1):  # alternate which goes first
            times[indexed].append(_one(kind, batches, indexed, f"{n}-{indexed}"))
    return times


def _one(kind: str, batches: list[list[Prepared]], indexed: bool, name: str) -> float:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return fill(sqlite_url(Path(folder), name), batches, indexed)
    with fresh_pg_database() as url:
        return fill(url, batches, indexed)


def report(kind: str, times: dict[bool, list[float]], articles: int, stages: float) -> None:
    with_index, without = statistics.median(times[True]), statistics.median(times[False])
    per = 1000 / articles
    whole = (stages + with_index) / (stages + without)
    print(
        f"{kind}: register+commit of {articles} items: {with_index:.2f} s with the index, "
        f"{without:.2f} s without -> ratio {with_index / without:.3f} "
        f"({(with_index - without) * per * 1000:.0f} ms more per 1,000 items; "
        f"pure stages {stages * per * 1000:.0f} ms per 1,000, so a whole in-process ingest "
        f"without enrichment {whole:.2f}x); rounds: {_fmt(times[True])} vs {_fmt(times[False])}"
    )


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["sqlite", "pg", "both"], default="both")
    args = parser.parse_args()
    batches, stages = prepared_batches(args.articles)
    kinds = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    for kind in ("postgresql" if k == "pg" else k for k in kinds):
        report(kind, measure(kind, batches, args.rounds), args.articles, stages)


if __name__ == "__main__":
    main()
