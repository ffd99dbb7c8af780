"""Bulk filler for the scale benches: N articles in a real store, as the commit writes them.

The store is ``worker.store.Store`` at its migrated schema (r0001..r0003). Every article goes
through the worker's own stages (``prepare_batch``: parse, normalise, fingerprint, language,
near signature; ``bands_of`` for the band keys) and its rows are those of the commit path:
``article_row`` for ``articles`` (``seq`` from ``sequence.reserve``, so ``counters`` stays
right), ``fp:`` and identity keys in ``dedup_keys`` (``commit._identity_key``), the band keys
in ``near_keys`` (sorted per chunk, as ``commit._write`` sorts per batch), and a finished
``stored`` ledger row in ``items`` (``ledger._outcome_row``). What is skipped is only the
dedup *decision*: the fill's articles are fresh bodies that never repeat (fingerprints are
checked), so every one of them would be stored. The full-text index (r0003) is left as a
fresh store has it: indexed off the write path, by the first search.

Bodies are corpus sentences in random order (``bench._articles.fresh_body``), never the
corpus bodies themselves, so a measured stream starting with those bodies finds no copy of
them here. Records are numbered from ``FIRST`` so that their URLs never meet a stream's.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._articles import Corpus, fresh_body, record
from worker.core.models import Kind, Outcome, Prepared, RawItem, Status
from worker.pipeline.prepare import Deps, prepare_batch
from worker.store import Store, ledger, sequence
from worker.store.commit import _identity_key, article_row
from worker.store.driver import insert_plain_rows
from worker.store.engine import write_transaction
from worker.store.index import bands_of
from worker.store.schema import articles, dedup_keys, items, near_keys

FIRST = 50_000_000  # record numbers of the fill: far from any measured stream's
FILL_SEED = 1001
CHUNK = 2_000  # articles per write transaction


@dataclass
class Filled:
    articles: int = 0
    band_rows: int = 0
    key_rows: int = 0
    skipped: int = 0  # rejected by the stages or a repeated fingerprint (none expected)
    seconds: float = 0.0
    prepare_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


TEXTS = ("sentences", "remixed")


@contextmanager
def store_url(kind: str, tmp: Path, name: str) -> Iterator[str]:
    """A store for a bench: a SQLite file named ``name`` in ``tmp``, or a fresh PostgreSQL
    database (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/{name}.db"
        return
    from tests.support import fresh_pg_database

    with fresh_pg_database() as url:
        yield url


def fill_body(corpus: Corpus, rng: random.Random, text: str = "sentences") -> str:
    """One fill body. ``sentences``: the stream's fresh body (random corpus sentences), so
    each of the corpus's ~6,000 sentences recurs in about N/240 stored articles. ``remixed``:
    the same, with every third word replaced by a random distinct corpus word, so that no
    3-word shingle (DEFAULT_PARAMS.shingle) is shared by unrelated articles more than by
    chance: a control for how much of a slowdown comes from the stream's sentence reuse."""
    body = fresh_body(corpus, rng)
    if text == "sentences":
        return body
    words = _vocabulary(corpus)
    return "\n\n".join(
        " ".join(rng.choice(words) if i % 3 == 2 else w for i, w in enumerate(para.split(" ")))
        for para in body.split("\n\n")
    )


_VOCABULARY: dict[int, list[str]] = {}


def _vocabulary(corpus: Corpus) -> list[str]:
    if id(corpus) not in _VOCABULARY:
        found = {
            w.lower() for s in corpus.sentences for w in s.split() if w.isascii() and w.isalpha()
        }
        _VOCABULARY[id(corpus)] = sorted(found)
    return _VOCABULARY[id(corpus)]


def fill_items(
    corpus: Corpus, count: int, seed: int = FILL_SEED, text: str = "sentences"
) -> Iterator[RawItem]:
    """``count`` fresh records (deterministic for a seed: a smaller fill is a prefix)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for n in range(count):
        rec = record(FIRST + n, fill_body(corpus, rng, text))
        rec["source"] = "fill"
        yield RawItem(
            item_key=f"fill{seed}-{n:08d}",
            source="fill",
            kind=Kind.RECORD,
            payload={"record": rec},
            received_at=now,
        )


def bodies_of(
    corpus: Corpus, count: int, seed: int = FILL_SEED, text: str = "sentences"
) -> list[str]:
    """The bodies of the fill's first ``count`` articles (regenerated: it is deterministic)."""
    rng = random.Random(seed)
    return [fill_body(corpus, rng, text) for _ in range(count)]


def fill(
    store: Store,
    corpus: Corpus,
    count: int,
    *,
    seed: int = FILL_SEED,
    text: str = "sentences",
    chunk: int = CHUNK,
    progress: Callable[[Filled], None] | None = None,
) -> Filled:
    """Add ``count`` articles to ``store`` (migrated first); returns what was written."""
    store.ensure_schema()
    deps = Deps(near_params=store.near_params, enrich=False)
    seen: set[bytes] = set()
    done = Filled()
    started = time.perf_counter()
    batch: list[RawItem] = []
    for item in fill_items(corpus, count, seed, text):
        batch.append(item)
        if len(batch) == chunk:
            _fill_chunk(store, deps, batch, seen, done)
            batch = []
            done.seconds = time.perf_counter() - started
            if progress:
                progress(done)
    if batch:
        _fill_chunk(store, deps, batch, seen, done)
        done.seconds = time.perf_counter() - started
        if progress:
            progress(done)
    return done


def _fill_chunk(
    store: Store, deps: Deps, batch: list[RawItem], seen: set[bytes], done: Filled
) -> None:
    now = datetime.now(UTC)
    started = time.perf_counter()
    ready: list[Prepared] = []
    for p in prepare_batch(batch, deps, now):
        if p.article is None or p.near is None:
            done.skipped += 1
            continue
        digest = hashlib.blake2b(p.article.fingerprint.encode(), digest_size=12).digest()
        if digest in seen:
            done.skipped += 1
            continue
        seen.add(digest)
        ready.append(p)
    bands = bands_of(ready, deps.near_params)
    prepared_at = time.perf_counter()
    article_rows: list[dict[str, Any]] = []
    key_rows: list[tuple[str, str]] = []
    band_rows: list[tuple[int, str]] = []
    ledger_rows: list[dict[str, Any]] = []
    for p in ready:
        article = p.article
        assert article is not None
        key = article.item_key
        row = article_row(article, p.near, None, now)
        row["similar_to"] = None
        article_rows.append(row)
        key_rows.append((f"fp:{article.fingerprint}", key))
        identity = _identity_key(article)
        if identity:
            key_rows.append((identity, key))
        band_rows.extend((band, key) for band in set(bands[key]))
        outcome = Outcome(item_key=key, status=Status.STORED, article_id=key)
        ledger_rows.append(
            ledger._outcome_row(p.item, outcome, now, ledger.article_identity(article))
        )
    band_rows.sort()
    with write_transaction(store.engine) as conn:
        first = sequence.reserve(conn, len(article_rows))
        for n, row in enumerate(article_rows):
            row["seq"] = first + n
        conn.execute(articles.insert(), article_rows)
        _bulk(conn, dedup_keys.name, ("key", "article_id"), key_rows)
        _bulk(conn, near_keys.name, ("band_key", "article_id"), band_rows)
        conn.execute(items.insert(), ledger_rows)
    done.prepare_seconds += prepared_at - started
    done.write_seconds += time.perf_counter() - prepared_at
    done.articles += len(article_rows)
    done.band_rows += len(band_rows)
    done.key_rows += len(key_rows)


def _bulk(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain rows: COPY on PostgreSQL, the driver's executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        source = {t.name: t for t in (dedup_keys, near_keys)}[table]
        insert_plain_rows(conn, source, columns, rows)
        return
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def print_progress(target: int) -> Callable[[Filled], None]:
    """A progress line (overwritten in place on a terminal): articles, rows/s, ETA."""
    tty = sys.stdout.isatty()
    last = [0.0]

    def show(done: Filled) -> None:
        now = time.perf_counter()
        if now - last[0] < 5 and done.articles < target:
            return
        last[0] = now
        rows = done.articles * 2 + done.band_rows + done.key_rows  # articles + ledger rows
        left = (target - done.articles) / done.rate if done.rate else 0.0
        line = (
            f"  fill {done.articles:>9,}/{target:,} articles, {done.rate:,.0f} articles/s, "
            f"{rows / done.seconds if done.seconds else 0:,.0f} rows/s, {done.seconds:.0f} s, "
            f"~{left:.0f} s left"
        )
        print(("\r" + line) if tty else line, end="" if tty else "\n", flush=True)
        if tty and done.articles >= target:
            print()

    return show


def summary(done: Filled) -> str:
    return (
        f"filled {done.articles:,} articles ({done.band_rows:,} band keys, {done.key_rows:,} "
        f"dedup keys, {done.articles:,} ledger rows) in {done.seconds:.1f} s = "
        f"{done.rate:,.0f} articles/s (stages {done.prepare_seconds:.1f} s, writes "
        f"{done.write_seconds:.1f} s); skipped {done.skipped}"
    )
