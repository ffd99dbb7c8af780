"""Near-duplicate benchmark: quality on corpus reprints (ours vs datasketch) and cost at scale.

    .venv/bin/python bench/dedup.py [--quick] [--sweep] [--seed N] [--corpus DIR]
                                    [--skip-scale] [--without-rowid] [--cache-mb MB]

1. Pair precision/recall of the LSH-candidate-then-verify path at DEFAULT_PARAMS on reprint
   variants of the 181 extraction-benchmark bodies (see bench/_reprints.py).
2. The same set through datasketch's MinHashLSH (num_perm=128) at threshold 0.9 (its
   default) and 0.5, candidates taken as matches, which is how it is usually used.
3. Per-item dedup cost (signature + band lookup + verify + insert) against a SQLite store
   with 10k and with 1M articles indexed, their ratio, and index bytes per article.
   The bulk is random band keys and signatures (1M real signatures would take too long);
   the timed items are real: half reprints of stored corpus articles, half new articles.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._reprints import (  # noqa: E402
    ORIGINAL,
    Article,
    Item,
    indexed_items,
    load_corpus,
    query_items,
    round_items,
)
from worker.pipeline.neardup import (  # noqa: E402
    DEFAULT_PARAMS,
    NearParams,
    NearSig,
    band_keys,
    is_near_duplicate,
    near_signature,
    shingles,
    similarity,
    tokens,
)

Pair = tuple[str, str]  # (query item id, indexed item id)


@dataclass
class Quality:
    predicted: set[Pair]
    truth: set[Pair]
    hard: set[Pair]  # negative pairs from the same host
    candidates: int = 0

    def line(self, name: str) -> str:
        tp = len(self.predicted & self.truth)
        fp = len(self.predicted - self.truth)
        prec = tp / len(self.predicted) if self.predicted else 1.0
        rec = tp / len(self.truth)
        hard_fp = len(self.predicted & self.hard)
        cand = f"  candidates {self.candidates}" if self.candidates else ""
        return (
            f"{name:34s} precision {prec:.4f}  recall {rec:.4f}  "
            f"(tp {tp}, fp {fp} of which same-host {hard_fp}, fn {len(self.truth) - tp}){cand}"
        )


def ground_truth(index: list[Item], queries: list[Item], hosts: dict[str, str]) -> Quality:
    truth = {(q.id, i.id) for q in queries for i in index if q.article == i.article}
    hard = {
        (q.id, i.id)
        for q in queries
        for i in index
        if q.article != i.article and hosts[q.article] == hosts[i.article]
    }
    return Quality(set(), truth, hard)


def ours(index: list[Item], queries: list[Item], params: NearParams, base: Quality) -> Quality:
    sigs = {item.id: near_signature(item.text, params) for item in index + queries}
    return ours_from_sigs(index, queries, sigs, params, base)


def ours_from_sigs(
    index: list[Item],
    queries: list[Item],
    sigs: dict[str, NearSig],
    params: NearParams,
    base: Quality,
) -> Quality:
    by_key: dict[int, set[str]] = defaultdict(set)
    for item in index:
        for key in band_keys(sigs[item.id], params):
            by_key[key].add(item.id)
    predicted: set[Pair] = set()
    candidates = 0
    for q in queries:
        found = set().union(*(by_key.get(k, set()) for k in band_keys(sigs[q.id], params)))
        candidates += len(found)
        for cand in found:
            if is_near_duplicate(sigs[q.id], sigs[cand], params)[0]:
                predicted.add((q.id, cand))
    return replace(base, predicted=predicted, candidates=candidates)


def datasketch_lsh(
    index: list[Item], queries: list[Item], shingle: int, thresholds: list[float], base: Quality
) -> dict[float, Quality]:
    from datasketch import MinHash, MinHashLSH

    def minhash(text: str) -> MinHash:
        m = MinHash(num_perm=128)
        m.update_batch([s.encode() for s in shingles(tokens(text), shingle)])
        return m

    hashes = {item.id: minhash(item.text) for item in index + queries}
    results = {}
    for threshold in thresholds:
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        for item in index:
            lsh.insert(item.id, hashes[item.id])
        predicted = {(q.id, hit) for q in queries for hit in lsh.query(hashes[q.id])}
        results[threshold] = replace(base, predicted=predicted)
    return results


def margin(index: list[Item], queries: list[Item], params: NearParams) -> str:
    """Similarity over every pair, LSH aside: where the threshold sits between the classes."""
    sigs = {item.id: near_signature(item.text, params) for item in index + queries}
    pos: list[float] = []
    neg: list[float] = []
    for q in queries:
        for i in index:
            (pos if q.article == i.article else neg).append(similarity(sigs[q.id], sigs[i.id]))
    p1, p5 = np.quantile(pos, [0.01, 0.05])
    return (
        f"  similarity over all pairs: negatives max {max(neg):.3f}, 99.99th pct "
        f"{np.quantile(neg, 0.9999):.3f}; true pairs 1st pct {p1:.3f}, 5th pct {p5:.3f}"
    )


def recall_by_kind(quality: Quality, queries: list[Item]) -> str:
    kind_of = {q.id: q.kind for q in queries}
    hit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in quality.truth:
        hit[kind_of[pair[0]]][0] += pair in quality.predicted
        hit[kind_of[pair[0]]][1] += 1
    return "  ".join(f"{k} {h / n:.3f}" for k, (h, n) in sorted(hit.items()))


def sweep(index: list[Item], queries: list[Item], base: Quality) -> None:
    """Quality over a grid; signatures are computed once per (shingle, num_perm)."""
    print("\nsweep: shingle num_perm bands rows threshold -> quality")
    for shingle in (3, 4, 5):
        for num_perm in (60, 64, 96, 128):
            probe = NearParams(shingle, num_perm, 1, 0.0)
            sigs = {item.id: near_signature(item.text, probe) for item in index + queries}
            for rows in (2, 3, 4):
                for threshold in (0.4, 0.5, 0.6):
                    params = NearParams(shingle, num_perm, num_perm // rows, threshold)
                    q = ours_from_sigs(index, queries, sigs, params, base)
                    print(q.line(f"  {shingle} {num_perm} {params.bands} {rows} {threshold}"))


# ---- 3. cost at scale ----------------------------------------------------------------------

SCHEMA = [
    "CREATE TABLE articles (id TEXT PRIMARY KEY, near_sig BLOB)",
    "CREATE TABLE near_keys (band_key BIGINT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (band_key, article_id))",
]


@dataclass(frozen=True)
class StoreSetup:
    """Store variants to compare; the defaults are the schema and settings as given."""

    without_rowid: bool = False  # near_keys stored once, as its primary-key B-tree
    cache_mb: int = 0  # SQLite page cache per connection; 0 = SQLite's default (2 MB)

    def __str__(self) -> str:
        rowid = " WITHOUT ROWID" if self.without_rowid else " as given"
        return f"near_keys{rowid}, cache {self.cache_mb or 2} MB"


BATCH = 50  # items per store transaction, as the worker commits a message's batch
ROUND = 300  # items per timed round: half reprints of stored articles, half new ones
Tally = dict[str, float]  # outcome counts and seconds


def bulk_load(path: Path, count: int, params: NearParams, without_rowid: bool) -> None:
    """Random signatures and band keys for `count` articles, inserted in key order."""
    rng = np.random.default_rng(count)
    conn = sqlite3.connect(path)
    for ddl in SCHEMA:
        conn.execute(ddl + (" WITHOUT ROWID" if without_rowid and "near_keys" in ddl else ""))
    conn.execute("PRAGMA synchronous=OFF")  # bulk load only; measurements use NORMAL
    conn.execute("PRAGMA cache_size=-512000")
    ids = [f"s{n:031x}" for n in range(count)]  # 32 characters, like uuid4().hex
    version = near_signature("a", params).encode()[0]  # the encoding the store decodes
    head = struct.pack("<BHI", version, params.num_perm, 300)
    values = rng.integers(0, 2**32, size=(count, params.num_perm), dtype=np.uint32)
    sigs = ((ids[n], head + values[n].astype("<u4").tobytes()) for n in range(count))
    conn.executemany("INSERT INTO articles VALUES (?, ?)", sigs)
    keys = rng.integers(-(2**63), 2**63 - 1, size=count * params.bands, dtype=np.int64)
    order = np.argsort(keys)  # sorted inserts keep the B-tree build sequential
    owners = (order // params.bands).tolist()
    rows = zip(keys[order].tolist(), (ids[o] for o in owners), strict=True)
    conn.executemany("INSERT INTO near_keys VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    # Flush the load now: otherwise the first checkpoint's fsync in the timed rounds pays
    # for writing gigabytes of bulk-loaded pages, which is no per-item cost.
    with path.open("rb") as loaded:
        os.fsync(loaded.fileno())


def marks(values: list) -> str:
    return ",".join("?" * len(values))


def lookup(conn: sqlite3.Connection, keys: list[int]) -> tuple[dict[int, list[str]], dict]:
    """One query for the batch's band keys, one for the candidates' signatures."""
    owners: dict[int, list[str]] = defaultdict(list)
    sql = f"SELECT band_key, article_id FROM near_keys WHERE band_key IN ({marks(keys)})"
    for key, article in conn.execute(sql, keys):
        owners[key].append(article)
    ids = sorted({a for v in owners.values() for a in v})
    sql = f"SELECT id, near_sig FROM articles WHERE id IN ({marks(ids)})"
    return owners, dict(conn.execute(sql, ids))


def dedup_batch(
    conn: sqlite3.Connection, batch: list[Item], params: NearParams, tally: Tally
) -> None:
    """The store's path for one batch: signature, band lookup, verify, insert, commit.

    (Near duplicates inside one batch are the store's business; the bench has none.)
    """
    clock = Stopwatch(tally)
    sigs = [near_signature(item.text, params) for item in batch]
    keys = [band_keys(sig, params) for sig in sigs]
    clock.lap("signature")
    conn.execute("BEGIN IMMEDIATE")
    owners, stored = lookup(conn, sorted({k for ks in keys for k in ks}))
    clock.lap("lookup")
    for item, sig, ks in zip(batch, sigs, keys, strict=True):
        cands = {a for k in ks for a in owners.get(k, ())}
        if any(is_near_duplicate(sig, NearSig.decode(stored[c]), params)[0] for c in cands):
            tally[f"{item.kind} duplicate"] += 1
            continue
        tally[f"{item.kind} stored"] += 1
        conn.execute("INSERT INTO articles VALUES (?, ?)", (item.id, sig.encode()))
        conn.executemany("INSERT INTO near_keys VALUES (?, ?)", ((k, item.id) for k in ks))
    clock.lap("verify+insert")
    conn.execute("COMMIT")
    clock.lap("commit")


class Stopwatch:
    """Adds the seconds since the previous lap to tally[name + '_s']."""

    def __init__(self, tally: Tally) -> None:
        self.tally, self.last = tally, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.tally[f"{name}_s"] += now - self.last
        self.last = now


def timed_round(
    conns: dict[int, sqlite3.Connection], items: list[Item], params: NearParams, tallies: dict
) -> dict[int, list[float]]:
    """Per-item cost of each batch in each store. Stores alternate batch by batch (the first
    one swapped each time), so bursts of load from neighbours hit both sizes alike."""
    spent: dict[int, list[float]] = defaultdict(list)
    for n, lo in enumerate(range(0, len(items), BATCH)):
        for size, conn in list(conns.items())[:: 1 if n % 2 else -1]:
            started = time.perf_counter()
            dedup_batch(conn, items[lo : lo + BATCH], params, tallies[size])
            elapsed = time.perf_counter() - started
            spent[size].append(elapsed / len(items[lo : lo + BATCH]))
    return spent


def open_store(
    tmp: str, size: int, articles: list[Article], params: NearParams, setup: StoreSetup
) -> sqlite3.Connection:
    """Bulk-load `size` synthetic articles, then store the corpus originals the normal way."""
    path = Path(tmp) / f"store-{size}.db"
    started = time.perf_counter()
    bulk_load(path, size, params, setup.without_rowid)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if setup.cache_mb:
        conn.execute(f"PRAGMA cache_size=-{setup.cache_mb * 1024}")
    originals = [Item(a.id, a.id, ORIGINAL, a.body) for a in articles]
    for lo in range(0, len(originals), BATCH):
        dedup_batch(conn, originals[lo : lo + BATCH], params, defaultdict(float))
    names = "'near_keys', 'sqlite_autoindex_near_keys_1'"
    index = conn.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({names})").fetchone()[0]
    print(
        f"  built {size:>9,} articles in {time.perf_counter() - started:5.1f} s; index "
        f"{index / (size + len(articles)):.0f} bytes/article (near_keys table + its primary key)"
    )
    return conn


PARTS = ("signature", "lookup", "verify+insert", "commit")


def report(size: int, costs: list[float], tally: Tally) -> float:
    """Print one size's lines; return the store part's per-item cost (all but signatures)."""
    found, stored = tally["reprint duplicate"], tally["reprint stored"] + tally["fresh stored"]
    items = found + stored + tally["fresh duplicate"]
    print(
        f"  {size:>9,} indexed: {statistics.median(costs) * 1e3:.3f} ms/item (median of "
        f"{len(costs)} batches of {BATCH}); reprints found {found:.0f}/"
        f"{found + tally['reprint stored']:.0f}, new articles wrongly merged "
        f"{tally['fresh duplicate']:.0f}"
    )
    parts = ", ".join(f"{p} {tally[p + '_s'] / items * 1e3:.3f}" for p in PARTS)
    print(f"            mean ms/item: {parts}")
    return sum(tally[p + "_s"] for p in PARTS[1:]) / items


def measure_scale(
    articles: list[Article], params: NearParams, sizes: tuple[int, int], setup: StoreSetup
) -> None:
    sig_bytes = len(near_signature("a", params).encode())
    print(
        f"\nper-item dedup cost, SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, "
        f"batches of {BATCH}, {setup}; near_sig {sig_bytes} bytes/article"
    )
    vocab = sorted({w for a in articles for w in a.body.split()})
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        conns = {size: open_store(tmp, size, articles, params, setup) for size in sizes}
        costs: dict[int, list[float]] = defaultdict(list)
        tallies: dict[int, Tally] = defaultdict(lambda: defaultdict(float))
        for r in range(-1, 3 if sizes[1] < 100_000 else 7):  # round -1 warms caches up
            items = round_items(articles, vocab, ROUND, seed=r + 2)  # same items for both
            counted = tallies if r >= 0 else defaultdict(lambda: defaultdict(float))
            for size, batch_costs in timed_round(conns, items, params, counted).items():
                costs[size].extend(batch_costs if r >= 0 else [])
        store = [report(size, costs[size], tallies[size]) for size in sizes]
        for conn in conns.values():
            conn.close()
        # Paired: each batch ran in both stores back to back, so the median of per-batch
        # ratios cancels the load bursts of a shared machine better than a ratio of medians.
        pairs = zip(costs[sizes[0]], costs[sizes[1]], strict=True)
        ratio = statistics.median(large / small for small, large in pairs)
        print(
            f"  ratio {sizes[1]:,} / {sizes[0]:,}: {ratio:.3f} (target <= 1.25; median of "
            f"{len(costs[sizes[0]])} paired batches); store part alone {store[1] / store[0]:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared/corpus/article-extraction-benchmark"
    )
    parser.add_argument("--quick", action="store_true", help="smaller store sizes (1k / 50k)")
    parser.add_argument("--sweep", action="store_true", help="also print a parameter grid")
    parser.add_argument("--seed", type=int, default=7, help="seed of the reprint variants")
    parser.add_argument("--without-rowid", action="store_true", help="near_keys WITHOUT ROWID")
    parser.add_argument("--cache-mb", type=int, default=0, help="SQLite cache (default 2 MB)")
    parser.add_argument("--skip-scale", action="store_true", help="quality only")
    args = parser.parse_args()

    articles = load_corpus(args.corpus)
    hosts = {a.id: a.host for a in articles}
    index, queries = indexed_items(articles), query_items(articles, args.seed)
    base = ground_truth(index, queries, hosts)
    print(f"{DEFAULT_PARAMS}")
    print(
        f"reprint set: {len(articles)} bodies, {len(index)} indexed (original + site copy), "
        f"{len(queries)} queries; pairs: {len(base.truth)} true, "
        f"{len(index) * len(queries) - len(base.truth)} negative ({len(base.hard)} same-host)"
    )
    mine = ours(index, queries, DEFAULT_PARAMS, base)
    print(mine.line("ours (LSH + verify, default)"))
    print("  recall by variant: " + recall_by_kind(mine, queries))
    print(margin(index, queries, DEFAULT_PARAMS))
    for threshold, q in datasketch_lsh(
        index, queries, DEFAULT_PARAMS.shingle, [0.9, 0.5], base
    ).items():
        print(q.line(f"datasketch MinHashLSH t={threshold}"))
    if args.sweep:
        sweep(index, queries, base)
    if not args.skip_scale:
        sizes = (1_000, 50_000) if args.quick else (10_000, 1_000_000)
        setup = StoreSetup(args.without_rowid, args.cache_mb)
        measure_scale(articles, DEFAULT_PARAMS, sizes, setup)


if __name__ == "__main__":
    main()
