"""What the full-text index costs, on SQLite (FTS5) and PostgreSQL (GIN index on the
weighted tsvectors): on the write path (nothing, since the index catches up on search) and
in the catch-up of the first search after a load.

    .venv/bin/python bench/search_cost.py [--articles 3000] [--rounds 3] [--store sqlite|pg|both]

The throughput bench's stream (bench/_articles.py: corpus bodies, 8% exact and 12% near
copies) is prepared once by the pure stages (no enrichment); then each round fills fresh
stores through the real code, batch by batch as a worker does (``Store.register`` then
``Store.commit``, 200 items a batch), once at head and once with the search objects taken
away (SQLite: the FTS table and its two triggers; PostgreSQL: ``article_search`` with its GIN
index). Variants alternate within a round; the median of the rounds is printed, with the
ratio with / without and, for scale, what the pure stages cost per article. Then, in the
store at head, ``Store.index_search`` (the catch-up a search runs first: every article, in
batches of 1,000, each its own write transaction) is timed, and a search after it.
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
    "sqlite": [
        *(f"DROP TRIGGER articles_fts_{t}" for t in ("delete", "update")),
        "DROP TABLE articles_fts",
    ],
    "postgresql": ["DROP TABLE article_search"],  # and its index
}
QUERY = "harbour council"
INDEXED: list[int] = []  # articles each catch-up indexed (the stored ones)


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


def fill(url: str, batches: list[list[Prepared]], indexed: bool) -> tuple[float, float, float]:
    """Seconds to register and commit every batch into a fresh store at ``url``; at head
    also the seconds of the catch-up that follows and of one search after it."""
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
        writes = time.perf_counter() - started
        if not indexed:
            return writes, 0.0, 0.0
        started = time.perf_counter()
        INDEXED.append(store.index_search())
        catch_up = time.perf_counter() - started
        started = time.perf_counter()
        store.search(QUERY)
        return writes, catch_up, time.perf_counter() - started
    finally:
        store.close()


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder}/{name}.db"


Times = dict[str, list[float]]


def measure(kind: str, batches: list[list[Prepared]], rounds: int) -> Times:
    times: Times = {"with": [], "without": [], "catch_up": [], "search": []}
    INDEXED.clear()
    for n in range(rounds):
        for indexed in (n % 2 == 0, n % 2 == 1):  # alternate which goes first
            writes, catch_up, query = _one(kind, batches, indexed, f"{n}-{indexed}")
            times["with" if indexed else "without"].append(writes)
            if indexed:
                times["catch_up"].append(catch_up)
                times["search"].append(query)
    times["indexed"] = [float(n) for n in INDEXED]
    return times


def _one(
    kind: str, batches: list[list[Prepared]], indexed: bool, name: str
) -> tuple[float, float, float]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return fill(sqlite_url(Path(folder), name), batches, indexed)
    with fresh_pg_database() as url:
        return fill(url, batches, indexed)


def report(kind: str, times: Times, articles: int, stages: float) -> None:
    with_index, without = statistics.median(times["with"]), statistics.median(times["without"])
    per = 1000 / articles
    whole = (stages + with_index) / (stages + without)
    catch_up = statistics.median(times["catch_up"])
    stored = int(times["indexed"][0])
    print(
        f"{kind}: register+commit of {articles} items: {with_index:.2f} s with the search "
        f"objects, {without:.2f} s without -> ratio {with_index / without:.3f} "
        f"({(with_index - without) * per * 1000:.0f} ms more per 1,000 items; "
        f"pure stages {stages * per * 1000:.0f} ms per 1,000, so a whole in-process ingest "
        f"without enrichment {whole:.2f}x); rounds: {_fmt(times['with'])} vs "
        f"{_fmt(times['without'])}\n"
        f"{kind}: catch-up of {stored} stored articles: {catch_up:.2f} s "
        f"({catch_up * 1000 / stored * 1000:.0f} ms per 1,000 articles), then a search "
        f"{statistics.median(times['search']) * 1000:.0f} ms; rounds: {_fmt(times['catch_up'])}"
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
